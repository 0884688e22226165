//! `Manifest::parse` on arbitrary text: never panics, and a manifest it accepts writes
//! (`Manifest::to_toml`) to text that parses to the same manifest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quire_core::Manifest;

fuzz_target!(|text: &str| {
    let Ok(m) = Manifest::parse(text) else {
        return;
    };
    let written = m.to_toml();
    match Manifest::parse(&written) {
        Ok(again) => assert_eq!(again, m, "to_toml/parse round trip changed the manifest"),
        Err(e) => panic!("a written manifest does not parse: {e}\n{written}"),
    }
});
