//! The example configuration in the repository is valid (with a master key from the environment).

#[test]
fn the_example_configuration_loads() {
    let text = include_str!("../waxseal-server.example.toml");
    let config = waxseal_server::config::Config::from_toml_and_env(text, |k| {
        (k == "WAXSEAL_MASTER_KEYS")
            .then(|| "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned())
    })
    .unwrap();
    assert_eq!(config.public_origin, "https://keys.example.com");
    assert_eq!(config.passcode.lifetime, 600);
    assert_eq!(config.operator.name.as_deref(), Some("Example Keys Ltd"));
    assert!(config.usage.enabled && config.metrics.listen.is_none());
}
