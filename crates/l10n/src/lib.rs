//! Every text waxseal shows or mails, in every language it speaks.
//!
//! The texts are [Project Fluent](https://projectfluent.org) files, one folder per language
//! under `locales/` (see `docs/translating.md`):
//! - `viewer.ftl`: the viewer, its privacy statement and the sign-in window's page;
//! - `carrier.ftl`: message.html's own text (before the viewer starts, or where it cannot) and
//!   the mail gateway's notification around it;
//! - `mail.ftl`: the key server's passcode mail and the mail that carries a secure reply.
//!
//! [`Lang`] is the one list of languages for all of them, with the choice of language from a
//! browser's preferences ([`Lang::negotiate`], [`Lang::from_accept_language`]) or from the
//! recipients' domains ([`Lang::guess`]). With the feature `embed` every file is compiled in and
//! [`text`] formats a message; with `viewer`, [`viewer::Strings`] holds the viewer's texts,
//! filled from the one `viewer.ftl` the viewer fetched and checked against [`viewer_digest`].

mod arg;
pub use arg::Arg;

#[cfg(feature = "embed")]
mod format;

#[cfg(feature = "viewer")]
mod resolve;
#[cfg(feature = "viewer")]
pub use resolve::Intl;

#[cfg(feature = "embed")]
mod catalog;
#[cfg(feature = "embed")]
pub use catalog::{source, text, warm_up};

/// The viewer's texts as a Rust type (generated from `locales/en/viewer.ftl`).
#[cfg(feature = "viewer")]
pub mod viewer {
    include!(concat!(env!("OUT_DIR"), "/viewer_strings.rs"));
}

include!(concat!(env!("OUT_DIR"), "/digests.rs"));

/// The SHA-256 of a language's `viewer.ftl` as built, lower-case hex: the viewer fetches the file
/// and uses it only if it matches (like its other files' integrity hashes).
pub fn viewer_digest(lang: Lang) -> &'static str {
    VIEWER_DIGESTS
        .iter()
        .find(|(tag, _)| *tag == lang.tag())
        .map(|(_, digest)| *digest)
        .expect("every language has a viewer.ftl (checked by the build)")
}

/// A UTC date and time as `YYYY-MM-DD HH:MM UTC`: the one date format of `message.html` and
/// the mails, which reads the same in every language (the viewer formats dates with the
/// browser's `Intl`, in the reader's language and time zone).
pub fn utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rem = seconds % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), valid for the Unix era.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// A language waxseal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Chinese in simplified script.
    ZhHans,
    /// Chinese in traditional script.
    ZhHant,
    /// Danish.
    Da,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// Portuguese as written in Brazil.
    PtBr,
    /// Italian.
    It,
    /// Dutch.
    Nl,
    /// Swedish.
    Sv,
    /// Norwegian Bokmål.
    Nb,
    /// Finnish.
    Fi,
    /// Polish.
    Pl,
    /// Japanese.
    Ja,
    /// Korean.
    Ko,
    /// Arabic (written right to left).
    Ar,
    /// The pseudo-locale `en-XA`: English with accented letters and 30 % longer, generated from
    /// the English files to find texts that bypass them and layouts that break with longer text.
    /// It is never offered in a language switch; a browser set to `en-XA` gets it.
    Pseudo,
}

impl Lang {
    /// Every language offered, in the order a language switch lists them.
    pub const ALL: [Lang; 17] = [
        Lang::En,
        Lang::ZhHans,
        Lang::ZhHant,
        Lang::Da,
        Lang::De,
        Lang::Fr,
        Lang::Es,
        Lang::PtBr,
        Lang::It,
        Lang::Nl,
        Lang::Sv,
        Lang::Nb,
        Lang::Fi,
        Lang::Pl,
        Lang::Ja,
        Lang::Ko,
        Lang::Ar,
    ];

    /// The tags of [`Lang::ALL`], in that order.
    pub const TAGS: [&'static str; 17] = {
        let mut tags = [""; 17];
        let mut i = 0;
        while i < Lang::ALL.len() {
            tags[i] = Lang::ALL[i].tag();
            i += 1;
        }
        tags
    };

    /// Every language with files: [`Lang::ALL`] and the pseudo-locale.
    pub const WITH_PSEUDO: [Lang; 18] = {
        let mut all = [Lang::Pseudo; 18];
        let mut i = 0;
        while i < Lang::ALL.len() {
            all[i] = Lang::ALL[i];
            i += 1;
        }
        all
    };

    /// The BCP 47 tag: the folder under `locales/`, `<html lang>`, `Content-Language` and `Intl`.
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::Da => "da",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::PtBr => "pt-BR",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::Sv => "sv",
            Lang::Nb => "nb",
            Lang::Fi => "fi",
            Lang::Pl => "pl",
            Lang::Ja => "ja",
            Lang::Ko => "ko",
            Lang::Ar => "ar",
            Lang::Pseudo => "en-XA",
        }
    }

    /// The language's name in itself, for a language switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhHans => "简体中文",
            Lang::ZhHant => "繁體中文",
            Lang::Da => "Dansk",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::Es => "Español",
            Lang::PtBr => "Português (Brasil)",
            Lang::It => "Italiano",
            Lang::Nl => "Nederlands",
            Lang::Sv => "Svenska",
            Lang::Nb => "Norsk bokmål",
            Lang::Fi => "Suomi",
            Lang::Pl => "Polski",
            Lang::Ja => "日本語",
            Lang::Ko => "한국어",
            Lang::Ar => "العربية",
            Lang::Pseudo => "Ƥšéûđô",
        }
    }

    /// Whether the language is written right to left (`dir="rtl"`).
    pub fn rtl(self) -> bool {
        self == Lang::Ar
    }

    /// `"rtl"` or `"ltr"`, for the `dir` attribute.
    pub fn dir(self) -> &'static str {
        if self.rtl() { "rtl" } else { "ltr" }
    }

    /// The language for one tag from a browser, a switch or `Accept-Language` (`da-DK`,
    /// `zh_TW`, `pt`), or `None` when waxseal does not speak it. Chinese goes by script or
    /// region (Taiwan, Hong Kong and Macao write traditional characters); any Portuguese gets
    /// Brazilian Portuguese; Norwegian (`no`, `nb`, `nn`) gets Bokmål.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        if tag == "en-xa" {
            return Some(Lang::Pseudo);
        }
        let mut subtags = tag.split('-');
        let primary = subtags.next().unwrap_or("");
        Some(match primary {
            "en" => Lang::En,
            "zh" => {
                if subtags.any(|s| matches!(s, "hant" | "tw" | "hk" | "mo")) {
                    Lang::ZhHant
                } else {
                    Lang::ZhHans
                }
            }
            "da" => Lang::Da,
            "de" => Lang::De,
            "fr" => Lang::Fr,
            "es" => Lang::Es,
            "pt" => Lang::PtBr,
            "it" => Lang::It,
            "nl" => Lang::Nl,
            "sv" => Lang::Sv,
            "nb" | "no" | "nn" => Lang::Nb,
            "fi" => Lang::Fi,
            "pl" => Lang::Pl,
            "ja" => Lang::Ja,
            "ko" => Lang::Ko,
            "ar" => Lang::Ar,
            _ => return None,
        })
    }

    /// The first of a browser's preferred languages (`navigator.languages`, in order) that
    /// waxseal speaks, else English.
    pub fn negotiate<S: AsRef<str>>(preferred: impl IntoIterator<Item = S>) -> Lang {
        preferred
            .into_iter()
            .find_map(|tag| Lang::from_tag(tag.as_ref()))
            .unwrap_or_default()
    }

    /// The language for an `Accept-Language`-style list (`da-DK,da;q=0.9,en;q=0.8`): the
    /// spoken language with the highest weight, the first of equals; English without one.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::En;
        };
        let mut best: Option<(u32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, |q| {
                    q.trim()
                        .parse::<f32>()
                        .map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u32)
                });
            if weight == 0 {
                continue;
            }
            if let Some(lang) = Lang::from_tag(tag)
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The language for mail to these recipients when nobody chose one: the language of the
    /// country every recipient's domain belongs to (`.dk` Danish, `.tw` traditional Chinese,
    /// `.br` Portuguese, `.sa` Arabic…), else English (recipients in several countries, or
    /// under `.com`, `.org`, and countries with several languages such as `.ch` or `.be`).
    pub fn guess(recipients: &[String]) -> Lang {
        let mut langs = recipients.iter().map(|r| {
            let domain = r.rsplit('@').next().unwrap_or("").trim_end_matches('.');
            let tld = domain.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
            Lang::of_country_domain(&tld)
        });
        let Some(Some(first)) = langs.next() else {
            return Lang::En;
        };
        if langs.all(|l| l == Some(first)) {
            first
        } else {
            Lang::En
        }
    }

    /// The language of a country-code top-level domain, for [`Lang::guess`].
    fn of_country_domain(tld: &str) -> Option<Lang> {
        Some(match tld {
            "dk" => Lang::Da,
            "cn" => Lang::ZhHans,
            "tw" | "hk" | "mo" => Lang::ZhHant,
            "de" | "at" => Lang::De,
            "fr" => Lang::Fr,
            "es" | "mx" | "ar" | "cl" | "co" | "pe" => Lang::Es,
            "br" => Lang::PtBr,
            "it" => Lang::It,
            "nl" => Lang::Nl,
            "se" => Lang::Sv,
            "no" => Lang::Nb,
            "fi" => Lang::Fi,
            "pl" => Lang::Pl,
            "jp" => Lang::Ja,
            "kr" => Lang::Ko,
            "sa" | "ae" | "eg" | "qa" | "kw" | "bh" | "om" | "jo" => Lang::Ar,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    /// A tag for settings and command lines, read as [`Lang::from_tag`] reads it (`zh` is
    /// simplified Chinese, `pt` Brazilian Portuguese); an error lists the tags.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_tag(s).ok_or_else(|| {
            format!(
                "unknown language {s:?}: use one of {}",
                Lang::TAGS.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_gets_the_first_language_it_prefers_that_waxseal_speaks() {
        assert_eq!(Lang::negotiate(["da-DK", "en-US"]), Lang::Da);
        assert_eq!(Lang::negotiate(["sw", "zh-Hans-CN", "en"]), Lang::ZhHans);
        assert_eq!(Lang::negotiate(["zh_TW"]), Lang::ZhHant);
        assert_eq!(Lang::negotiate(["zh-Hant"]), Lang::ZhHant);
        assert_eq!(Lang::negotiate(["zh-HK"]), Lang::ZhHant);
        assert_eq!(Lang::negotiate(["zh"]), Lang::ZhHans);
        assert_eq!(Lang::negotiate(["pt-PT"]), Lang::PtBr);
        assert_eq!(Lang::negotiate(["no"]), Lang::Nb);
        assert_eq!(Lang::negotiate(["ar-EG"]), Lang::Ar);
        assert_eq!(Lang::negotiate(["EN-gb", "da"]), Lang::En);
        assert_eq!(Lang::negotiate(["sw", "tr"]), Lang::En);
        assert_eq!(Lang::negotiate(["en-XA"]), Lang::Pseudo);
        assert_eq!(Lang::negotiate(Vec::<String>::new()), Lang::En);
        for lang in Lang::WITH_PSEUDO {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
            assert_eq!(lang.tag().parse::<Lang>(), Ok(lang));
        }
    }

    #[test]
    fn accept_language_goes_by_weight() {
        assert_eq!(
            Lang::from_accept_language(Some("da-DK,da;q=0.9,en;q=0.8")),
            Lang::Da
        );
        assert_eq!(
            Lang::from_accept_language(Some("sw;q=1, ja;q=0.5, ko;q=0.7")),
            Lang::Ko
        );
        assert_eq!(Lang::from_accept_language(Some("de;q=0, fr")), Lang::Fr);
        assert_eq!(Lang::from_accept_language(Some("")), Lang::En);
        assert_eq!(Lang::from_accept_language(None), Lang::En);
    }

    #[test]
    fn mail_is_guessed_from_the_recipients_country_only_when_they_agree() {
        let guess = |r: &[&str]| Lang::guess(&r.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(guess(&["a@firma.dk", "b@Kommune.DK"]), Lang::Da);
        assert_eq!(guess(&["a@example.com.tw"]), Lang::ZhHant);
        assert_eq!(guess(&["a@example.com.br"]), Lang::PtBr);
        assert_eq!(guess(&["a@gov.sa"]), Lang::Ar);
        assert_eq!(guess(&["a@firma.dk", "b@firma.de"]), Lang::En);
        assert_eq!(guess(&["a@example.ch"]), Lang::En);
        assert_eq!(guess(&["a@example.com"]), Lang::En);
        assert_eq!(guess(&[]), Lang::En);
    }

    #[test]
    fn dates_in_mails_are_iso_and_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_790_604_800), "2026-09-28 14:13 UTC");
        assert_eq!(utc(1_796_076_000), "2026-11-30 22:00 UTC");
    }

    #[test]
    fn an_unknown_tag_names_the_known_ones() {
        let err = "xx".parse::<Lang>().unwrap_err();
        assert!(err.starts_with("unknown language \"xx\": use one of en, zh-Hans, zh-Hant, da,"));
    }
}
