//! The CLI's cases as files: `tests/cmd/*.toml` (arguments, environment, expected output and exit
//! code), with input files in `tests/cmd/<case>.in/`.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
