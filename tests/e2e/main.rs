//! End-to-end tests: run the built `quire` binary against a library in a temporary
//! directory and check the result with the real `git` command line.
//!
//! Run with `cargo test -p quire-cli --test e2e`. Every test gets its own directory, home,
//! data and temp directory, so nothing else on the machine is read or written.

mod support;

mod accounts;
mod bad_input;
mod cli;
mod compare;
mod concurrency;
mod editor;
#[cfg(feature = "pdf")]
mod print;
mod rules;
mod serve;
mod workflow;
