//! The TOML form of the relay's configuration: many sites, each with its own credentials.

use devlink3_relay::config::from_file;

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("devlink3-relay-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn many_sites_with_their_own_credentials() {
    // SAFETY (for the reader): tests in this file set distinct variables only.
    unsafe {
        std::env::set_var("DEVLINK3_TEST_HQ_PW", "secret-hq");
        std::env::set_var("DEVLINK3_TEST_BRANCH_PW", "secret-branch");
    }
    let path = write(
        "relay.toml",
        r#"
nats = "nats://10.0.0.9:4222"
stream = "PBX"
metrics = "127.0.0.1:9797"
buffer = 5000
max_age_hours = 24

[[site]]
name = "hq"
target = "tls://10.0.0.5"
user = "devlink3"
password_env = "DEVLINK3_TEST_HQ_PW"
tls_pin = "ab:cd:ef:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc"
flags = "_CMExtn"

[[site]]
name = "branch-2"
target = "10.1.0.5"
user = "relay"
password_env = "DEVLINK3_TEST_BRANCH_PW"
tls_ca = "ca.pem"
"#,
    );
    let config = from_file(&path, None).unwrap();
    assert_eq!(config.nats_url, "nats://10.0.0.9:4222");
    assert_eq!(config.stream, "PBX");
    assert_eq!(config.buffer, 5000);
    assert_eq!(config.max_age, Some(std::time::Duration::from_secs(24 * 3600)));
    assert_eq!(config.metrics, Some("127.0.0.1:9797".parse().unwrap()));
    assert_eq!(config.sites.len(), 2);
    let hq = &config.sites[0];
    assert_eq!((hq.name.as_str(), hq.client.flags.as_str()), ("hq", "_CMExtn"));
    assert!(hq.client.tls.pin_sha256.is_some());
    let branch = &config.sites[1];
    assert_eq!(branch.client.tls.ca_file.as_deref(), Some(path.parent().unwrap().join("ca.pem").as_path()));
    // The passwords came from the environment and are not printed.
    assert!(!format!("{config:?}").contains("secret-hq"));
    // --nats on the command line wins.
    assert_eq!(from_file(&path, Some("nats://other:4222")).unwrap().nats_url, "nats://other:4222");
}

#[test]
fn mistakes_are_named() {
    let cases = [
        ("[[site]]\nname = \"hq\"\ntarget = \"x\"\nuser = \"u\"\npassword_env = \"PATH\"\n", "no nats URL"),
        ("nats = \"nats://x\"\n[[site]]\nname = \"hq\"\n", "missing field `target`"),
        (
            "nats = \"nats://x\"\n[[site]]\nname = \"hq\"\ntarget = \"x\"\nuser = \"u\"\npassword_env = \"DEVLINK3_TEST_UNSET_PW\"\n",
            "DEVLINK3_TEST_UNSET_PW (password_env) is not set",
        ),
        ("nats = \"nats://x\"\npassword = \"oops\"\n", "unknown field `password`"),
        ("nats = \"nats://x\"\n", "no site"),
        (
            "nats = \"nats://x\"\nbuffer = 0\n[[site]]\nname = \"hq\"\ntarget = \"x\"\nuser = \"u\"\npassword_env = \"PATH\"\n",
            "buffer 0",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let err = from_file(&write(&format!("bad{i}.toml"), text), None).unwrap_err();
        assert!(err.contains(want), "{text}: {err}");
    }
}
