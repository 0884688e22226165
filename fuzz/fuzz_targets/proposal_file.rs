//! `ProposalFile::parse` on arbitrary text: never panics, and a file it accepts renders
//! back (`ProposalFile::render`, used to prefill an editor) to a file that parses to the
//! same proposal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quire_core::ProposalFile;

fuzz_target!(|text: &str| {
    let Ok(p) = ProposalFile::parse("fuzz.md", text) else {
        return;
    };
    let rendered = p.render();
    match ProposalFile::parse("rendered.md", &rendered) {
        Ok(again) => assert_eq!(again, p, "render/parse round trip changed the proposal"),
        Err(e) => panic!("a rendered proposal does not parse: {e}\n{rendered}"),
    }
});
