//! Review rules from the command line: `quire rules` sets them in the library's git
//! config, and `quire merge` applies them to the identities it is given.

use crate::support::{replace_once, Env, MAINTAINER};

const AUTHOR: &str = "Priya Shah <priya@example.org>";
const SECOND: &str = "Sam Okoro <sam.okoro@example.org>";

#[test]
fn merge_refuses_a_self_approved_proposal_and_needs_the_configured_approvals() {
    let env = Env::new();
    env.init_empty();
    env.quire(["rules"])
        .ok()
        .stdout_has("needs 1 approval before it can be merged")
        .stdout_has("own approval does not count");
    env.quire(["rules", "--required-approvals", "2"])
        .ok()
        .stdout_has("needs 2 approvals");
    assert_eq!(
        env.git(["config", "quire.requiredApprovals"])
            .ok()
            .stdout()
            .trim(),
        "2"
    );
    let text = replace_once(
        &env.show("usability"),
        "easy, intuitive and consistent",
        "easy, intuitive, accessible and consistent",
    );
    let file = env.write("usability.md", text);
    env.quire(["propose", "usability", "--title", "Say accessible"])
        .args(["--rationale", "It is the law."])
        .arg_path("--file", &file)
        .author(AUTHOR)
        .ok();
    // The author's own approval does not count; one other is not two.
    env.quire(["review", "1", "--approve"]).author(AUTHOR).ok();
    env.quire(["review", "1", "--approve"])
        .author(MAINTAINER)
        .ok();
    let before = env.refs();
    env.quire(["merge", "1"])
        .code(4)
        .stderr_has("revision 1 has 1 of the 2 approvals it needs")
        .stderr_has("an author's own approval does not count");
    assert_eq!(env.refs(), before, "a refused merge changes nothing");
    env.quire(["review", "1", "--approve"]).author(SECOND).ok();
    env.quire(["merge", "1"])
        .ok()
        .stdout_has("Merged proposal #1");
    env.assert_fsck_clean();

    // Bad values are refused and change nothing.
    env.quire(["rules", "--required-approvals", "0"])
        .code(2)
        .stderr_has("from 1 to 20");
    env.quire(["rules", "--author-approval-counts", "perhaps"])
        .code(2);
    env.quire(["rules", "--json"])
        .ok()
        .stdout_has("\"required_approvals\": 2");
}
