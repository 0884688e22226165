//! `quire accounts` on the data directory of a real `quire serve`: listing, appointing and
//! removing maintainers (never the last), and new one-time passwords.

use quire_server::store::{SignIn, Store};
use quire_server::Role;

use crate::support::Env;

/// Starts `quire serve` on `data` until it is serving, stops it, and returns the first
/// maintainer's one-time password it printed.
fn first_start(env: &Env, data: &std::path::Path) -> String {
    let (mut server, printed) = env.serve(data);
    let password = printed
        .lines()
        .find_map(|l| l.strip_prefix("One-time password: "))
        .map(str::to_string);
    assert!(
        printed.contains("quire accounts reset-password maintainer@localhost.invalid"),
        "{printed}"
    );
    server.kill().expect("kill");
    server.wait().expect("wait");
    password.expect("a one-time password was printed")
}

#[test]
fn quire_accounts_lists_promotes_demotes_and_resets_passwords() {
    let env = Env::new();
    let data = env.path("data");
    let one_time = first_start(&env, &data);
    let accounts = |args: &[&str]| {
        env.quire(["accounts"])
            .no_repo()
            .no_author()
            .args(args)
            .args(["--data-dir".as_ref(), data.as_os_str()])
    };

    accounts(&["list"])
        .ok()
        .stdout_has("maintainer@localhost.invalid")
        .stdout_has("(one-time password)");

    // Someone signs up (straight into the store the server uses).
    let store = Store::open(&quire_server::accounts_path(&data)).expect("store");
    let ann = store
        .create_user(
            "Ann Example",
            "ann@example.org",
            "correct horse battery",
            Role::Contributor,
        )
        .expect("sign-up");
    drop(store);

    // The first maintainer cannot be removed while they are the only one.
    accounts(&["demote", "maintainer@localhost.invalid"])
        .code(4)
        .stderr_has("only maintainer");
    accounts(&["promote", "ann@example.org"])
        .ok()
        .stdout_has("Ann Example <ann@example.org> is now a maintainer");
    accounts(&["demote", "1"])
        .ok()
        .stdout_has("is now a contributor");
    accounts(&["demote", &ann.id.to_string()])
        .code(4)
        .stderr_has("appoint another maintainer first");
    let listed = accounts(&["list"]).ok().stdout();
    let ann_line = listed
        .lines()
        .find(|l| l.contains("ann@example.org"))
        .expect("Ann is listed");
    assert!(ann_line.contains("maintainer"), "{listed}");

    // Unknown accounts and a directory with no store are "not found".
    accounts(&["promote", "nobody@example.org"])
        .code(3)
        .stderr_has("there is no account");
    env.quire(["accounts", "list", "--data-dir"])
        .no_repo()
        .no_author()
        .args([env.path("empty")])
        .code(3)
        .stderr_has("no account store");

    // A new one-time password replaces the printed one, with the same rules.
    let out = accounts(&["reset-password", "maintainer@localhost.invalid"])
        .ok()
        .stdout();
    let fresh = out
        .lines()
        .find_map(|l| l.strip_prefix("One-time password: "))
        .expect("a new one-time password")
        .to_string();
    assert_ne!(fresh, one_time);
    let store = Store::open(&quire_server::accounts_path(&data)).expect("store");
    let now = quire_server::store::now_secs();
    assert_eq!(
        store
            .sign_in_at("maintainer@localhost.invalid", &one_time, now)
            .expect("sign in"),
        SignIn::Wrong
    );
    match store
        .sign_in_at("maintainer@localhost.invalid", &fresh, now)
        .expect("sign in")
    {
        SignIn::Ok(u) => assert!(u.must_change_password),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .sign_in_at(
                "maintainer@localhost.invalid",
                &fresh,
                now + quire_server::store::ONE_TIME_SECONDS + 60
            )
            .expect("sign in"),
        SignIn::OneTimeExpired
    );
}
