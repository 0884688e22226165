//! The JSON Quire promises to others, apart from how it stores things: the review
//! server's API v1 (described in `quire-server/static/openapi.json`) and the CLI's
//! `--json`, which give the same things the same shape.
//!
//! Every type here is built from the core's domain types (`From<&quire_core::...>`), so
//! a change to the stored JSON (`quire_core::model`, docs/FORMAT.md) or to
//! `quire_prose`'s diff cannot change a response without a change here. A field is
//! added, renamed or removed only here, in `openapi.json` and in the tests that pin it.

pub mod v1;
