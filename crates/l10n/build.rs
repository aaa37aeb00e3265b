//! Reads `locales/`: writes the compiled-in files (`embedded.rs`), the SHA-256 of each
//! `viewer.ftl` (`digests.rs`) and the viewer's strings type from the English `viewer.ftl`
//! (`viewer_strings.rs`).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Message, Pattern, PatternElement};
use sha2::{Digest, Sha256};

const FILES: [&str; 3] = ["viewer", "carrier", "mail"];

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("locales");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", root.display());

    let mut tags: Vec<String> = fs::read_dir(&root)
        .expect("locales/ exists")
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    tags.sort();

    let mut embedded = String::from(
        "/// (language tag, file, text) of every file.\nstatic FILES: &[(&str, &str, &str)] = &[\n",
    );
    let mut digests = String::from(
        "/// (language tag, SHA-256 of its `viewer.ftl` in lower-case hex).\npub const VIEWER_DIGESTS: &[(&str, &str)] = &[\n",
    );
    for tag in &tags {
        let dir = root.join(tag);
        println!("cargo:rerun-if-changed={}", dir.display());
        for file in FILES {
            let path = dir.join(format!("{file}.ftl"));
            println!("cargo:rerun-if-changed={}", path.display());
            if !path.exists() {
                panic!(
                    "{} is missing: every language has {FILES:?}",
                    path.display()
                );
            }
            writeln!(
                embedded,
                "    ({tag:?}, {file:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        let viewer = fs::read(dir.join("viewer.ftl")).unwrap();
        let hex: String = Sha256::digest(&viewer)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        writeln!(digests, "    ({tag:?}, {hex:?}),").unwrap();
    }
    embedded.push_str("];\n");
    digests.push_str("];\n");
    fs::write(out.join("embedded.rs"), embedded).unwrap();
    fs::write(out.join("digests.rs"), digests).unwrap();

    let english = fs::read_to_string(root.join("en/viewer.ftl")).unwrap();
    fs::write(out.join("viewer_strings.rs"), viewer_strings(&english)).unwrap();
}

/// The variables a pattern uses, selectors and variants included.
fn variables(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        Expression::Inline(inline) => inline_variables(inline, out),
        Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for variant in variants {
                variables(&variant.value, out);
            }
        }
    }
}

fn inline_variables(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        InlineExpression::Placeable { expression } => expression_variables(expression, out),
        _ => {}
    }
}

fn snake(id: &str) -> String {
    id.replace('-', "_")
}

fn doc(message: &Message<&str>) -> String {
    let mut doc = String::new();
    if let Some(comment) = &message.comment {
        for line in &comment.content {
            writeln!(doc, "    /// {line}").unwrap();
        }
    }
    writeln!(
        doc,
        "    ///\n    /// Fluent message `{}`.",
        message.id.name
    )
    .unwrap();
    doc
}

/// The viewer's strings type: a `&'static str` field for each message without variables
/// (formatted once when the language is loaded) and a method for each with variables, whose
/// parameters are the variables in alphabetical order.
fn viewer_strings(source: &str) -> String {
    let resource = fluent_syntax::parser::parse(source)
        .unwrap_or_else(|(_, errors)| panic!("locales/en/viewer.ftl: {errors:?}"));
    let mut fields = String::new();
    let mut loads = String::new();
    let mut methods = String::new();
    let mut ids = String::new();
    for entry in &resource.body {
        let Entry::Message(message) = entry else {
            continue;
        };
        let id = message.id.name;
        let name = snake(id);
        writeln!(ids, "        {id:?},").unwrap();
        let mut vars = BTreeSet::new();
        if let Some(pattern) = &message.value {
            variables(pattern, &mut vars);
        }
        if vars.is_empty() {
            fields.push_str(&doc(message));
            writeln!(fields, "    pub {name}: &'static str,").unwrap();
            writeln!(
                loads,
                "            {name}: plain(&messages, lang, intl, {id:?})?,"
            )
            .unwrap();
        } else {
            methods.push_str(&doc(message));
            let params: Vec<String> = vars
                .iter()
                .map(|v| format!("{}: impl Into<Arg<'a>>", snake(v)))
                .collect();
            let args: Vec<String> = vars
                .iter()
                .map(|v| format!("({v:?}, {}.into())", snake(v)))
                .collect();
            writeln!(
                methods,
                "    pub fn {name}<'a>(&self, {}) -> String {{\n        self.format({id:?}, &[{}])\n    }}\n",
                params.join(", "),
                args.join(", ")
            )
            .unwrap();
        }
    }
    format!(
        r#"use fluent_syntax::ast::{{Entry, Pattern, PatternElement}};

use crate::resolve::resolve;
use crate::{{Arg, Intl, Lang}};

/// Every text of the viewer in one language, from that language's `viewer.ftl`.
pub struct Strings {{
    /// The messages with values, to be formatted when they are shown.
    messages: Vec<(&'static str, Pattern<&'static str>)>,
    lang: Lang,
    intl: Intl,
{fields}}}

impl std::fmt::Debug for Strings {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        f.debug_struct("Strings").field("lang", &self.lang).finish_non_exhaustive()
    }}
}}

/// Every message id of the viewer, in the order of the English file.
pub const IDS: &[&str] = &[
{ids}];

/// A message without values, formatted once: the file's own text when it is one piece.
fn plain(
    messages: &[(&'static str, Pattern<&'static str>)],
    lang: Lang,
    intl: Intl,
    id: &str,
) -> Result<&'static str, String> {{
    let pattern = messages
        .iter()
        .find(|(m, _)| *m == id)
        .map(|(_, p)| p)
        .ok_or_else(|| format!("{{}}: message {{id}} is missing", lang.tag()))?;
    if let [PatternElement::TextElement {{ value }}] = pattern.elements.as_slice() {{
        return Ok(value);
    }}
    let mut text = String::new();
    resolve(pattern, lang, intl, &[], &mut text);
    Ok(Box::leak(text.into_boxed_str()))
}}

impl Strings {{
    /// The strings of `lang` from the text of its `viewer.ftl`, which they keep for the rest of
    /// the program's life (the viewer loads each language once); an error names the language and
    /// what is wrong (a syntax error, a missing message).
    pub fn parse(lang: Lang, source: String, intl: Intl) -> Result<Strings, String> {{
        let source: &'static str = Box::leak(source.into_boxed_str());
        // Where, not what: formatting the parser's errors would add their text to the viewer.
        let resource = fluent_syntax::parser::parse(source).map_err(|(_, errors)| {{
            let at = errors.first().map_or(0, |e| e.pos.start);
            format!("{{}}: {{}} syntax error(s), the first at byte {{at}}", lang.tag(), errors.len())
        }})?;
        let messages: Vec<(&'static str, Pattern<&'static str>)> = resource
            .body
            .into_iter()
            .filter_map(|entry| match entry {{
                Entry::Message(m) => m.value.map(|value| (m.id.name, value)),
                _ => None,
            }})
            .collect();
        for id in IDS {{
            if !messages.iter().any(|(m, _)| m == id) {{
                return Err(format!("{{}}: message {{id}} is missing", lang.tag()));
            }}
        }}
        Ok(Strings {{
{loads}            messages,
            lang,
            intl,
        }})
    }}

    /// The language of these strings.
    pub fn lang(&self) -> Lang {{
        self.lang
    }}

    /// Any message by id, with values (the typed methods below are the way to call it); the id
    /// itself if there is no such message.
    pub fn format(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {{
        let mut out = String::new();
        match self.messages.iter().find(|(m, _)| *m == id) {{
            Some((_, pattern)) => resolve(pattern, self.lang, self.intl, args, &mut out),
            None => out.push_str(id),
        }}
        out
    }}

{methods}}}
"#
    )
}
