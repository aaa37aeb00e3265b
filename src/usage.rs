//! The one usage report the viewer sends per opened message or failure screen, when the key
//! server asks for them (`usage_reports` in its `/v1/config`): coarse values only, built from
//! [`waxseal_api::usage::Report`] (see `docs/metrics.md` and the privacy statement).
//!
//! It carries no message id, address, reference code or time of day. It is sent without
//! cookies or referrer, once, and never retried: a report that does not arrive is lost.

use std::cell::Cell;

use waxseal_api::usage::{Browser, Failure, Proof, Report, Size, Source, Speed, Time};

use crate::api::KeyServer;
use crate::i18n::Lang;
use crate::outcome;

/// The browser family and major version in a user agent string; major 0 when not found.
pub fn browser_of(user_agent: &str) -> (Browser, u16) {
    let major_after = |marker: &str| -> u16 {
        user_agent
            .split(marker)
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<u16>().ok())
            .filter(|n| *n <= waxseal_api::usage::MAX_MAJOR)
            .unwrap_or(0)
    };
    if user_agent.contains("Firefox/") {
        (Browser::Firefox, major_after("Firefox/"))
    } else if user_agent.contains("Chrome/") {
        (Browser::Chromium, major_after("Chrome/"))
    } else if user_agent.contains("AppleWebKit/")
        && user_agent.contains("Safari/")
        && ["Macintosh", "iPhone", "iPad", "iPod"]
            .iter()
            .any(|apple| user_agent.contains(apple))
    {
        // Safari's "Version/" is its own; WebKitGTK and WPE browsers (GNOME Web and others on
        // Linux) write one derived from WebKit's build number ("Version/60.5"), which is no
        // Safari version: they count as other browsers.
        (Browser::Safari, major_after("Version/"))
    } else {
        (Browser::Other, 0)
    }
}

/// The report's failure kind for a failure screen the key server can be told about: only
/// failures met after the viewer trusted the envelope's key server.
pub fn failure_of(failure: outcome::Failure) -> Option<Failure> {
    use outcome::Failure as F;
    Some(match failure {
        F::Damaged => Failure::Damaged,
        F::NewerVersion { .. } => Failure::NewerVersion,
        F::TooLarge => Failure::TooLarge,
        F::Expired => Failure::Expired,
        F::Revoked => Failure::Revoked,
        F::OpenLimitReached => Failure::OpenLimitReached,
        F::TooManyTries => Failure::TooManyTries,
        F::ServerError => Failure::ServerError,
        F::UnknownMessage => Failure::UnknownMessage,
        F::SenderMismatch => Failure::SenderMismatch,
        F::NotWaxseal | F::Unreachable | F::Untrusted | F::ConfigUnavailable => return None,
    })
}

/// The language shown, as the report names it: its tag (the pseudo-locale, which no recipient
/// uses, counts as English).
pub fn language_of(lang: Lang) -> String {
    match lang {
        Lang::Pseudo => Lang::En.tag().to_owned(),
        lang => lang.tag().to_owned(),
    }
}

/// The moments of one journey, in milliseconds of the page's clock, kept in memory only.
#[derive(Debug, Default)]
pub struct Timeline {
    source: Cell<Option<Source>>,
    size: Cell<u64>,
    summary_at: Cell<Option<f64>>,
    prompt_at: Cell<Option<f64>>,
    proof: Cell<Option<Proof>>,
    proof_at: Cell<Option<f64>>,
    decrypt_started: Cell<Option<f64>>,
    decrypt_ms: Cell<Option<f64>>,
    /// Whether the key server asked for reports.
    wanted: Cell<bool>,
    /// Whether this journey's report was sent (one per journey).
    sent: Cell<bool>,
}

impl Timeline {
    /// A new journey: an envelope of `size` bytes from `source`, loaded at `now`.
    pub fn start(&self, source: Source, size: u64, now: f64) {
        self.prompt_at.set(None);
        self.proof.set(None);
        self.proof_at.set(None);
        self.decrypt_started.set(None);
        self.decrypt_ms.set(None);
        self.wanted.set(false);
        self.sent.set(false);
        self.source.set(Some(source));
        self.size.set(size);
        self.summary_at.set(Some(now));
    }

    /// The summary is shown at `now` (the viewer trusts the key server).
    pub fn summary(&self, now: f64) {
        self.summary_at.set(Some(now));
    }

    /// The key server asks for reports (its `/v1/config` said so).
    pub fn want(&self, wanted: bool) {
        self.wanted.set(wanted);
    }

    /// The recipient asked to prove the address with `proof` at `now` (the first time counts).
    pub fn prompt(&self, proof: Proof, now: f64) {
        if self.prompt_at.get().is_none() {
            self.prompt_at.set(Some(now));
        }
        self.proof.set(Some(proof));
    }

    /// The proof is given (passcode typed and sent, sign-in or passkey done) at `now`.
    pub fn proved(&self, now: f64) {
        self.proof_at.set(Some(now));
    }

    /// Decryption started at `now`.
    pub fn decrypting(&self, now: f64) {
        if self.decrypt_started.get().is_none() {
            self.decrypt_started.set(Some(now));
        }
    }

    /// Decryption ended at `now`.
    pub fn decrypted(&self, now: f64) {
        if let Some(start) = self.decrypt_started.get() {
            self.decrypt_ms.set(Some(now - start));
        }
    }

    /// The report of this journey, shown at `now` (`failure` for a failure screen), if the key
    /// server wants one and none was sent yet.
    pub fn report(
        &self,
        user_agent: &str,
        language: Lang,
        failure: Option<Failure>,
        now: f64,
    ) -> Option<Report> {
        if !self.wanted.get() || self.sent.get() {
            return None;
        }
        let source = self.source.get()?;
        let (browser, browser_major) = browser_of(user_agent);
        let ms = |from: Option<f64>, to: Option<f64>| match (from, to) {
            (Some(a), Some(b)) if b >= a => Some(Time::of_ms((b - a) as u64)),
            _ => None,
        };
        let rendered = failure.is_none();
        Some(Report {
            browser,
            browser_major,
            language: language_of(language),
            source,
            size: Size::of(self.size.get()),
            proof: self.proof.get(),
            time_to_prompt: ms(self.summary_at.get(), self.prompt_at.get()),
            time_to_render: if rendered {
                ms(self.proof_at.get(), Some(now))
            } else {
                None
            },
            speed: self
                .decrypt_ms
                .get()
                .filter(|_| rendered)
                .map(|d| Speed::of(self.size.get(), d.max(1.0) as u64)),
            failure,
        })
    }

    /// Sends `report` to `server`, once; the answer is not awaited by anyone and never retried.
    pub fn send(&self, server: &KeyServer, report: Report) {
        self.sent.set(true);
        let server = server.clone();
        let body = report_json(&report);
        wasm_bindgen_futures::spawn_local(async move {
            server.send_usage(body).await;
        });
    }
}

/// The report the privacy statement shows as its example.
pub fn example_report() -> Report {
    Report {
        browser: Browser::Firefox,
        browser_major: 153,
        language: "en".to_owned(),
        source: Source::MessageHtml,
        size: Size::To1Mb,
        proof: Some(Proof::Passcode),
        time_to_prompt: Some(Time::To10S),
        time_to_render: Some(Time::Under1S),
        speed: Some(Speed::To1000),
        failure: None,
    }
}

/// The report as JSON text, with exactly its fields. Every value is a fixed word of
/// [`waxseal_api::usage`] (or a language tag of the viewer's own), so none needs escaping.
pub fn report_json(r: &Report) -> String {
    let mut out = format!("{{\"browser_major\":{}", r.browser_major);
    for (name, value) in r.words() {
        let plain = value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        out.push_str(&format!(
            ",\"{name}\":\"{}\"",
            if plain { value } else { "" }
        ));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn browsers_are_named_by_family_and_major_version() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
                (Browser::Firefox, 153),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36",
                (Browser::Chromium, 156),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36 Edg/150.0.0.0",
                (Browser::Chromium, 150),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1",
                (Browser::Safari, 18),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Safari/605.1.15",
                (Browser::Safari, 18),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/60.5 Safari/605.1.15 WebKitGTK 2.50.6",
                (Browser::Other, 0),
            ),
            ("curl/8.0", (Browser::Other, 0)),
        ];
        for (ua, expected) in cases {
            assert_eq!(browser_of(ua), expected, "{ua}");
        }
    }

    #[test]
    fn one_report_per_journey_only_when_wanted() {
        let t = Timeline::default();
        t.start(Source::File, 2_000_000, 1_000.0);
        let ua = "Firefox/153.0";
        assert_eq!(t.report(ua, Lang::Da, None, 9_000.0), None, "not wanted");
        t.want(true);
        t.prompt(Proof::Passcode, 3_500.0);
        t.proved(20_000.0);
        t.decrypting(20_100.0);
        t.decrypted(20_150.0);
        let r = t.report(ua, Lang::ZhHans, None, 20_300.0).unwrap();
        assert_eq!(
            report_json(&r),
            r#"{"browser_major":153,"browser":"firefox","language":"zh-Hans","source":"file","size":"1-to-10-mb","proof":"passcode","time_to_prompt":"1-to-3-s","time_to_render":"under-1-s","speed":"10-to-100-mb-s"}"#
        );
        let parsed: Report = serde_json::from_str(&report_json(&r)).unwrap();
        assert_eq!(parsed, r);
        t.sent.set(true);
        assert_eq!(t.report(ua, Lang::Da, None, 21_000.0), None, "sent once");
    }

    #[test]
    fn a_failure_report_has_no_render_time_or_speed() {
        let t = Timeline::default();
        t.start(Source::MessageHtml, 10, 0.0);
        t.want(true);
        let r = t
            .report("x", Lang::Pseudo, Some(Failure::Expired), 5_000.0)
            .unwrap();
        assert_eq!(
            report_json(&r),
            r#"{"browser_major":0,"browser":"other","language":"en","source":"message-html","size":"under-100-kb","failure":"expired"}"#
        );
    }
}
