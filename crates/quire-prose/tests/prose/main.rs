//! The quire-prose integration tests, one test binary (each binary is a link step).

mod faithful;
mod properties;
