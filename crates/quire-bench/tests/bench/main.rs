//! The quire-bench integration tests, one test binary (each binary is a link step): the
//! fixture generator and the load script, both run as the built `quire-bench`.

mod fixture;
mod load;
