//! Checks of the translation files, and of the files made from them.
//!
//! - every language has every message of the English files, with the same variables, none empty,
//!   none left in English unless `locales/identical.txt` says why, all valid Fluent;
//! - every message formats in every language;
//! - the pseudo-locale `en-XA` and the sign-in window's page `public/signed-in.html` are what the
//!   English and translated files make. After changing a file, run
//!   `WAXSEAL_REGENERATE=1 cargo test -p waxseal-l10n --test catalog` to write them again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast::{
    Entry, Expression, InlineExpression, Pattern, PatternElement, Resource, Variant,
};
use waxseal_l10n::viewer::Strings;
use waxseal_l10n::{Arg, Intl, Lang};

/// CLDR's plural rules and plain numbers, as the browser's `Intl` gives them to the viewer.
const INTL: Intl = Intl {
    plural: |lang, n| {
        use intl_pluralrules::{PluralCategory as C, PluralRuleType, PluralRules};
        // By language, as the browser and fluent-bundle fall back (`pt-BR` has `pt`'s rules).
        let primary = lang.tag().split('-').next().unwrap();
        let id: unic_langid::LanguageIdentifier = primary.parse().unwrap();
        let rules = PluralRules::create(id, PluralRuleType::CARDINAL).unwrap();
        match rules.select(n).unwrap() {
            C::ZERO => "zero",
            C::ONE => "one",
            C::TWO => "two",
            C::FEW => "few",
            C::MANY => "many",
            C::OTHER => "other",
        }
        .to_owned()
    },
    number: |_, n| n.to_string(),
};

fn strings(lang: Lang) -> Strings {
    Strings::parse(lang, read(lang, "viewer"), INTL).unwrap()
}

const FILES: [&str; 3] = ["viewer", "carrier", "mail"];

fn locales() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")
}

fn read(lang: Lang, file: &str) -> String {
    let path = locales().join(lang.tag()).join(format!("{file}.ftl"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(lang: Lang, file: &str) -> Resource<String> {
    fluent_syntax::parser::parse(read(lang, file)).unwrap_or_else(|(_, errors)| {
        panic!("{}/{file}.ftl is not valid Fluent: {errors:?}", lang.tag())
    })
}

/// Each message's id with its variables and its text (the variants' texts joined).
fn messages(resource: &Resource<String>) -> BTreeMap<String, (BTreeSet<String>, String)> {
    let mut out = BTreeMap::new();
    for entry in &resource.body {
        match entry {
            Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                let mut text = String::new();
                if let Some(p) = &m.value {
                    walk(p, &mut vars, &mut text);
                }
                assert!(
                    m.attributes.is_empty(),
                    "{}: use messages, not attributes",
                    m.id.name
                );
                assert!(
                    out.insert(m.id.name.clone(), (vars, text)).is_none(),
                    "{} is defined twice",
                    m.id.name
                );
            }
            Entry::Term(t) => panic!("-{}: the files use no terms", t.id.name),
            Entry::Junk { content } => panic!("not valid Fluent: {content:?}"),
            _ => {}
        }
    }
    out
}

fn walk(pattern: &Pattern<String>, vars: &mut BTreeSet<String>, text: &mut String) {
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => text.push_str(value),
            PatternElement::Placeable { expression } => walk_expression(expression, vars, text),
        }
    }
}

fn walk_expression(e: &Expression<String>, vars: &mut BTreeSet<String>, text: &mut String) {
    match e {
        Expression::Inline(i) => walk_inline(i, vars, text),
        Expression::Select { selector, variants } => {
            walk_inline(selector, vars, text);
            for Variant { value, .. } in variants {
                walk(value, vars, text);
                text.push('|');
            }
        }
    }
}

fn walk_inline(i: &InlineExpression<String>, vars: &mut BTreeSet<String>, text: &mut String) {
    match i {
        InlineExpression::VariableReference { id } => {
            vars.insert(id.name.clone());
            text.push_str(&format!("{{${}}}", id.name));
        }
        InlineExpression::Placeable { expression } => walk_expression(expression, vars, text),
        InlineExpression::StringLiteral { value } => text.push_str(value),
        other => panic!("use only variables and selections in placeables, not {other:?}"),
    }
}

/// `locales/identical.txt`: `<tag> <message id> <reason>` for each text that is the same as
/// the English one on purpose.
fn identical() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(locales().join("identical.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let (tag, id, reason) = (parts.next(), parts.next(), parts.next());
            assert!(
                reason.is_some_and(|r| !r.trim().is_empty()),
                "identical.txt: {l:?} gives no reason"
            );
            (tag.unwrap().to_owned(), id.unwrap().to_owned())
        })
        .collect()
}

#[test]
fn the_folders_are_the_languages() {
    let mut folders: Vec<String> = std::fs::read_dir(locales())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    folders.sort();
    let mut tags: Vec<String> = Lang::WITH_PSEUDO
        .iter()
        .map(|l| l.tag().to_owned())
        .collect();
    tags.sort();
    assert_eq!(folders, tags);
}

#[test]
fn every_language_has_every_message_with_the_same_variables_and_a_translation() {
    let allowed = identical();
    let mut used = BTreeSet::new();
    let mut problems = Vec::new();
    let mut all_ids = BTreeMap::new();
    for file in FILES {
        let english = messages(&parse(Lang::En, file));
        assert!(
            english.len() > 5,
            "{file}.ftl has only {} messages",
            english.len()
        );
        for id in english.keys() {
            if let Some(other) = all_ids.insert(id.clone(), file) {
                problems.push(format!("{id} is in both {other}.ftl and {file}.ftl"));
            }
        }
        for lang in Lang::WITH_PSEUDO.into_iter().skip(1) {
            let tag = lang.tag();
            let theirs = messages(&parse(lang, file));
            for id in english.keys().filter(|id| !theirs.contains_key(*id)) {
                problems.push(format!("{tag}/{file}.ftl lacks {id}"));
            }
            for id in theirs.keys().filter(|id| !english.contains_key(*id)) {
                problems.push(format!("{tag}/{file}.ftl has {id}, which English has not"));
            }
            for (id, (vars, text)) in &theirs {
                let Some((en_vars, en_text)) = english.get(id) else {
                    continue;
                };
                if vars != en_vars {
                    problems.push(format!(
                        "{tag}/{file}.ftl {id} uses {vars:?}, English {en_vars:?}"
                    ));
                }
                if text.trim().is_empty() {
                    problems.push(format!("{tag}/{file}.ftl {id} is empty"));
                }
                let key = (tag.to_owned(), id.clone());
                if text == en_text && lang != Lang::Pseudo {
                    if allowed.contains(&key) {
                        used.insert(key);
                    } else {
                        problems.push(format!(
                            "{tag}/{file}.ftl {id} is the English text {text:?}: translate it, or list it in identical.txt with the reason"
                        ));
                    }
                }
            }
        }
    }
    for (tag, id) in allowed.difference(&used) {
        problems.push(format!(
            "identical.txt lists {tag} {id}, which is translated (or gone)"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The viewer's values that are numbers (they choose plural forms), and those that are texts.
const NUMBER_VALUES: [&str; 7] = ["n", "used", "limit", "size", "percent", "done", "total"];
const TEXT_VALUES: [&str; 14] = [
    "account",
    "address",
    "date",
    "domain",
    "host",
    "name",
    "operator",
    "organisation",
    "recipients",
    "registered",
    "sender",
    "time",
    "version",
    "when",
];

#[test]
fn every_viewer_message_formats_in_every_language() {
    for lang in Lang::WITH_PSEUDO {
        let strings = strings(lang);
        assert_eq!(strings.lang(), lang);
        for id in waxseal_l10n::viewer::IDS {
            let args: Vec<(&str, Arg)> = NUMBER_VALUES
                .iter()
                .map(|n| (*n, Arg::from(2u32)))
                .chain(TEXT_VALUES.iter().map(|n| (*n, Arg::from("x"))))
                .collect();
            let text = strings.format(id, &args);
            assert!(!text.is_empty() && text != *id, "{}: {id}", lang.tag());
            assert!(
                !text.contains("{$") && !text.contains("{ $"),
                "{}: {id}: {text}",
                lang.tag()
            );
        }
    }
}

#[test]
fn plural_forms_follow_each_language() {
    let wrong = |lang: Lang, n: u32| strings(lang).wrong_code(n);
    assert_eq!(
        wrong(Lang::En, 1),
        "That passcode is not right. 1 try left."
    );
    assert_eq!(
        wrong(Lang::En, 3),
        "That passcode is not right. 3 tries left."
    );
    // Polish: 2–4 take the "few" form, 5 the "many".
    assert_ne!(wrong(Lang::Pl, 2).replace('2', "5"), wrong(Lang::Pl, 5));
    let minutes =
        |lang: Lang, n: u64| waxseal_l10n::text(lang, "passcode-expiry", &[("minutes", n.into())]);
    assert_eq!(
        minutes(Lang::En, 1),
        "The passcode works once and expires in 1 minute."
    );
    assert_eq!(
        minutes(Lang::En, 10),
        "The passcode works once and expires in 10 minutes."
    );
}

#[test]
fn the_compiled_in_files_are_the_files() {
    for lang in Lang::WITH_PSEUDO {
        for file in FILES {
            assert_eq!(
                waxseal_l10n::source(lang, file),
                Some(read(lang, file).as_str())
            );
        }
    }
    assert_eq!(waxseal_l10n::source(Lang::En, "nothing"), None);
}

// --- Files made from the translations ------------------------------------------------------

/// Writes `path` when regenerating, else checks that it holds `text`.
fn generated(path: &Path, text: &str) {
    if std::env::var_os("WAXSEAL_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{} is out of date: run WAXSEAL_REGENERATE=1 cargo test -p waxseal-l10n --test catalog",
        path.display()
    );
}

/// English made accented and about 30 % longer (every vowel doubled), variables and syntax
/// untouched: `Open the message` → `Öööþéñ ţĥéé ɱééššààĝéé`.
fn pseudo(text: &str) -> String {
    const FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const TO: &str = "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ";
    let mut out = String::new();
    for c in text.chars() {
        match FROM.chars().position(|f| f == c) {
            Some(i) => {
                let accented = TO.chars().nth(i).unwrap();
                out.push(accented);
                if "aeiouAEIOU".contains(c) {
                    out.push(accented);
                }
            }
            None => out.push(c),
        }
    }
    out
}

fn pseudo_pattern(pattern: &mut Pattern<String>) {
    for element in &mut pattern.elements {
        match element {
            PatternElement::TextElement { value } => *value = pseudo(value),
            PatternElement::Placeable {
                expression: Expression::Select { variants, .. },
            } => {
                for variant in variants {
                    pseudo_pattern(&mut variant.value);
                }
            }
            PatternElement::Placeable { .. } => {}
        }
    }
}

#[test]
fn the_pseudo_locale_is_made_from_english() {
    for file in FILES {
        let mut resource = parse(Lang::En, file);
        resource.body.retain(|e| matches!(e, Entry::Message(_)));
        for entry in &mut resource.body {
            if let Entry::Message(m) = entry {
                m.comment = None;
                if let Some(p) = &mut m.value {
                    pseudo_pattern(p);
                }
            }
        }
        let text = format!(
            "# Generated from en/{file}.ftl by crates/l10n/tests/catalog.rs: do not edit.\n\n{}",
            fluent_syntax::serializer::serialize(&resource)
        );
        generated(&locales().join("en-XA").join(format!("{file}.ftl")), &text);
    }
    // Longer by about 30 %, as translations into many languages are.
    let english = read(Lang::En, "viewer");
    let en: usize = messages(&parse(Lang::En, "viewer"))
        .values()
        .map(|(_, t)| t.chars().count())
        .sum();
    let xa: usize = messages(&parse(Lang::Pseudo, "viewer"))
        .values()
        .map(|(_, t)| t.chars().count())
        .sum();
    assert!(!english.is_empty());
    let ratio = xa as f64 / en as f64;
    assert!(
        (1.25..1.45).contains(&ratio),
        "pseudo-locale is {ratio:.2}× English"
    );
}

/// The sign-in window's page: its one text in every language (the script shows the one the
/// browser prefers).
#[test]
fn the_sign_in_window_page_speaks_every_language() {
    let mut paragraphs = String::new();
    for lang in Lang::ALL {
        let text = strings(lang).signed_in_orphan;
        let escaped = text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        paragraphs.push_str(&format!(
            "      <p lang=\"{}\" dir=\"{}\">{escaped}</p>\n",
            lang.tag(),
            lang.dir()
        ));
    }
    let template = include_str!("signed-in.html.in");
    let page = template.replace("      <!-- paragraphs -->\n", &paragraphs);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../public/signed-in.html");
    generated(&path, &page);
}

/// The viewer formats its files itself (with the browser's plural rules); `fluent-bundle`, the
/// reference implementation, gives the same text for every message, language and count.
#[test]
fn the_viewer_formats_as_fluent_bundle_does() {
    use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
    let (numbers, texts) = (NUMBER_VALUES, TEXT_VALUES);
    for lang in Lang::WITH_PSEUDO {
        let ours = strings(lang);
        let resource = FluentResource::try_new(read(lang, "viewer")).unwrap();
        let primary = lang.tag().split('-').next().unwrap();
        let mut bundle = FluentBundle::new(vec![primary.parse().unwrap()]);
        bundle.set_use_isolating(false);
        bundle.add_resource(resource).unwrap();
        for count in [0u32, 1, 2, 3, 5, 11, 22, 100] {
            let mut fluent_args = FluentArgs::new();
            let mut args: Vec<(&str, Arg)> = Vec::new();
            for name in numbers {
                fluent_args.set(name, count);
                args.push((name, Arg::from(count)));
            }
            for name in texts {
                fluent_args.set(name, "x");
                args.push((name, Arg::from("x")));
            }
            for id in waxseal_l10n::viewer::IDS {
                let pattern = bundle.get_message(id).unwrap().value().unwrap();
                let mut errors = vec![];
                let theirs = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                assert!(errors.is_empty(), "{}: {id}: {errors:?}", lang.tag());
                let mine = ours.format(id, &args).replace(['\u{2068}', '\u{2069}'], "");
                assert_eq!(mine, theirs, "{}: {id} with {count}", lang.tag());
            }
        }
    }
}

/// The viewer's boot script starts fetching the reader's language before the viewer runs; it
/// knows the same languages.
#[test]
fn the_boot_script_knows_the_languages() {
    let boot =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../js/boot.js"))
            .unwrap();
    let tags: Vec<String> = Lang::WITH_PSEUDO
        .iter()
        .map(|l| format!("'{}'", l.tag()))
        .collect();
    let list = format!("const LANGUAGES = [{}];", tags.join(", "));
    assert!(boot.contains(&list), "js/boot.js must hold {list}");
}
