//! Every language's files, compiled in, for the key server, the CLI and the mail gateway.

use std::sync::OnceLock;

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;

use crate::format::{bundle, format};
use crate::{Arg, Lang};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The text of one of a language's files (`"viewer"`, `"carrier"` or `"mail"`), as compiled in.
pub fn source(lang: Lang, file: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(tag, name, _)| *tag == lang.tag() && *name == file)
        .map(|(_, _, text)| *text)
}

/// Builds every language's bundle now, so that the first mail does not wait for it (a server
/// calls this as it starts).
pub fn warm_up() {
    bundles();
}

/// One bundle per language, of its carrier and mail files.
fn bundles() -> &'static [FluentBundle<FluentResource>] {
    static BUNDLES: OnceLock<Vec<FluentBundle<FluentResource>>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        Lang::WITH_PSEUDO
            .iter()
            .map(|&lang| {
                let text = ["carrier", "mail"]
                    .iter()
                    .filter_map(|file| source(lang, file))
                    .collect::<Vec<_>>()
                    .join("\n");
                // The files are checked by the tests, so a broken one is a build that never
                // shipped.
                bundle(lang, text).expect("the compiled-in Fluent files parse")
            })
            .collect()
    })
}

/// Message `id` of the carrier or mail files in `lang`, with `args` filled in (see
/// [`Arg`]); the English text if the language lacks it (the tests make sure none does).
pub fn text(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let index = |l: Lang| Lang::WITH_PSEUDO.iter().position(|x| *x == l).unwrap_or(0);
    let all = bundles();
    format(&all[index(lang)], lang, id, args)
        .or_else(|| format(&all[0], Lang::En, id, args))
        .unwrap_or_else(|| panic!("no message {id:?} in the carrier or mail files"))
}
