//! The viewer's formatting of a parsed `viewer.ftl`: the files use text, variables, and
//! selections on a variable (a number's plural category, or an exact number), which is what
//! this resolves. Plural categories and numbers come from the browser's `Intl` ([`Intl`]), so
//! the viewer carries no CLDR tables of its own; the key server and the CLI format with
//! `fluent-bundle`, and the tests check that both give the same texts.

use fluent_syntax::ast::{Expression, InlineExpression, Pattern, PatternElement, VariantKey};

use crate::Lang;
use crate::arg::{Arg, isolate};

/// What formatting takes from the locale data of the platform (in the viewer, the browser's
/// `Intl`).
#[derive(Clone, Copy)]
pub struct Intl {
    /// The CLDR plural category (`zero`, `one`, `two`, `few`, `many` or `other`) of a number in
    /// a language, as `Intl.PluralRules` gives it.
    pub plural: fn(Lang, f64) -> String,
    /// A number written for a language, as `Intl.NumberFormat` writes it.
    pub number: fn(Lang, f64) -> String,
}

impl std::fmt::Debug for Intl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Intl")
    }
}

/// Appends `pattern` with `args` filled in to `out`.
pub(crate) fn resolve(
    pattern: &Pattern<&str>,
    lang: Lang,
    intl: Intl,
    args: &[(&str, Arg<'_>)],
    out: &mut String,
) {
    for element in &pattern.elements {
        match element {
            PatternElement::TextElement { value } => out.push_str(value),
            PatternElement::Placeable { expression } => {
                expression_into(expression, lang, intl, args, out);
            }
        }
    }
}

fn arg<'a>(args: &'a [(&str, Arg<'_>)], name: &str) -> Option<&'a Arg<'a>> {
    args.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn expression_into(
    expression: &Expression<&str>,
    lang: Lang,
    intl: Intl,
    args: &[(&str, Arg<'_>)],
    out: &mut String,
) {
    match expression {
        Expression::Inline(inline) => inline_into(inline, lang, intl, args, out),
        Expression::Select { selector, variants } => {
            let value = match selector {
                InlineExpression::VariableReference { id } => arg(args, id.name),
                _ => None,
            };
            let category = match value {
                Some(Arg::Number(n)) => Some((intl.plural)(lang, *n)),
                _ => None,
            };
            let matches = |key: &VariantKey<&str>| match (key, value) {
                (VariantKey::NumberLiteral { value: k }, Some(Arg::Number(n))) => {
                    k.parse::<f64>().is_ok_and(|k| k == *n)
                }
                (VariantKey::Identifier { name }, Some(Arg::Text(text))) => *name == text,
                (VariantKey::Identifier { name }, Some(Arg::Number(_))) => {
                    category.as_deref() == Some(*name)
                }
                _ => false,
            };
            // An exact number first, then the plural category (as Fluent does), else the
            // default variant.
            let exact = variants
                .iter()
                .find(|v| matches!(v.key, VariantKey::NumberLiteral { .. }) && matches(&v.key));
            let chosen = exact
                .or_else(|| variants.iter().find(|v| matches(&v.key)))
                .or_else(|| variants.iter().find(|v| v.default));
            if let Some(variant) = chosen {
                resolve(&variant.value, lang, intl, args, out);
            }
        }
    }
}

fn inline_into(
    inline: &InlineExpression<&str>,
    lang: Lang,
    intl: Intl,
    args: &[(&str, Arg<'_>)],
    out: &mut String,
) {
    match inline {
        InlineExpression::VariableReference { id } => match arg(args, id.name) {
            Some(Arg::Text(text)) => out.push_str(&isolate(lang, text)),
            Some(Arg::Number(n)) => out.push_str(&(intl.number)(lang, *n)),
            // As Fluent shows a missing value (the generated methods pass every one).
            None => {
                out.push('{');
                out.push('$');
                out.push_str(id.name);
                out.push('}');
            }
        },
        InlineExpression::StringLiteral { value } | InlineExpression::NumberLiteral { value } => {
            out.push_str(value);
        }
        InlineExpression::Placeable { expression } => {
            expression_into(expression, lang, intl, args, out);
        }
        // The files use none of these (the catalog test refuses them).
        _ => {}
    }
}
