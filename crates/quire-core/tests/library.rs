//! Integration tests of `quire-core`: each test builds a fresh library from the bundled
//! resource in a temporary directory, drives it through [`quire_core::Library`] and checks
//! what the real `git` command line says about the repository afterwards.
//!
//! All tests build as this one binary; the modules under `tests/library/` group them by
//! topic.

#![allow(clippy::unwrap_used)]

#[path = "library/support.rs"]
mod support;

#[path = "library/bad_input.rs"]
mod bad_input;
#[path = "library/compare.rs"]
mod compare;
#[path = "library/concurrency.rs"]
mod concurrency;
#[path = "library/editions.rs"]
mod editions;
#[path = "library/event_log.rs"]
mod event_log;
#[path = "library/index.rs"]
mod index;
#[path = "library/init.rs"]
mod init;
#[path = "library/moderation.rs"]
mod moderation;
#[path = "library/redaction.rs"]
mod redaction;
#[path = "library/repair.rs"]
mod repair;
#[path = "library/review_rules.rs"]
mod review_rules;
#[path = "library/status.rs"]
mod status;
#[path = "library/stored.rs"]
mod stored;
#[path = "library/update.rs"]
mod update;
#[path = "library/workflow.rs"]
mod workflow;
