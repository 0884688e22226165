//! The quire-server integration tests, one test binary (each binary is a link step):
//! the router driven through `tower::ServiceExt::oneshot` over a real library and account
//! store in a temporary directory (`support`), one module per concern.

mod support;

mod accounts;
mod api;
mod bad_input;
mod editions;
mod moderation;
mod openapi;
mod page_cache;
mod pages;
mod proposals;
mod read;
mod render_properties;
