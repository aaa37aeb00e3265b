//! Formatting a message with `fluent-bundle` (CLDR plural rules), for the compiled-in files.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::Lang;
use crate::arg::{Arg, isolate};

/// A bundle for one language, without Fluent's own isolation marks: [`format`] isolates values
/// only where direction can mix (see [`isolate`]).
pub(crate) fn bundle(lang: Lang, source: String) -> Result<FluentBundle<FluentResource>, String> {
    let resource = FluentResource::try_new(source).map_err(|(_, errors)| {
        format!(
            "{}: {} syntax error(s), the first: {:?}",
            lang.tag(),
            errors.len(),
            errors.first()
        )
    })?;
    let id = lang
        .tag()
        .parse()
        .map_err(|e| format!("{}: {e}", lang.tag()))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| format!("{}: {errors:?}", lang.tag()))?;
    Ok(bundle)
}

/// Formats message `id` with `args` (text values isolated as [`isolate`] says); `None` when the
/// bundle has no such message.
pub(crate) fn format(
    bundle: &FluentBundle<FluentResource>,
    lang: Lang,
    id: &str,
    args: &[(&str, Arg<'_>)],
) -> Option<String> {
    let message = bundle.get_message(id)?;
    let pattern = message.value()?;
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (name, value) in args {
        let value = match value {
            Arg::Text(text) => FluentValue::from(isolate(lang, text).into_owned()),
            Arg::Number(n) => FluentValue::from(*n),
        };
        fluent_args.set(*name, value);
    }
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
    Some(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(lang: Lang) -> FluentBundle<FluentResource> {
        bundle(
            lang,
            "greet = Hello { $name }!\ntries = { $n ->\n    [one] { $n } try\n   *[other] { $n } tries\n}\n".into(),
        )
        .unwrap()
    }

    #[test]
    fn values_are_isolated_only_where_direction_can_mix() {
        let en = sample(Lang::En);
        assert_eq!(
            format(
                &en,
                Lang::En,
                "greet",
                &[("name", "bob@example.net".into())]
            )
            .unwrap(),
            "Hello bob@example.net!"
        );
        assert_eq!(
            format(&en, Lang::En, "greet", &[("name", "سلمى".into())]).unwrap(),
            "Hello \u{2068}سلمى\u{2069}!"
        );
        let ar = sample(Lang::Ar);
        assert_eq!(
            format(
                &ar,
                Lang::Ar,
                "greet",
                &[("name", "bob@example.net".into())]
            )
            .unwrap(),
            "Hello \u{2068}bob@example.net\u{2069}!"
        );
        assert_eq!(
            format(&ar, Lang::Ar, "tries", &[("n", 3u32.into())]).unwrap(),
            "3 tries"
        );
    }

    #[test]
    fn numbers_choose_the_plural_form() {
        let en = sample(Lang::En);
        assert_eq!(
            format(&en, Lang::En, "tries", &[("n", 1u32.into())]).unwrap(),
            "1 try"
        );
        assert_eq!(
            format(&en, Lang::En, "tries", &[("n", 2u32.into())]).unwrap(),
            "2 tries"
        );
        assert_eq!(format(&en, Lang::En, "missing", &[]), None);
    }

    #[test]
    fn a_broken_file_is_refused_with_its_language() {
        let err = bundle(Lang::Da, "greet = { $name".into()).err().unwrap();
        assert!(err.starts_with("da: 1 syntax error(s)"), "{err}");
    }
}
