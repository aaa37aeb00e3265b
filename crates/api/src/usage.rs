//! The viewer's usage report (`POST /v1/usage`): a fixed set of coarse values, none of which can
//! name a person or a message. The server keeps only daily counters of them.

use serde::{Deserialize, Serialize};

/// The languages a report may name: the viewer's languages.
pub const LANGUAGES: &[&str] = &waxseal_l10n::Lang::TAGS;

/// The largest browser major version a report may carry.
pub const MAX_MAJOR: u16 = 999;

macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value as the report writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }
    };
}

words! {
    /// The browser family, from the browser's own brand list or user agent.
    Browser {
        /// Chrome, Edge, Opera and every other Chromium browser.
        Chromium = "chromium",
        /// Firefox.
        Firefox = "firefox",
        /// Safari and every other browser on an Apple device's WebKit (every browser on an
        /// iPhone or iPad).
        Safari = "safari",
        /// Any other, including the WebKitGTK and WPE browsers of Linux (GNOME Web and others).
        Other = "other",
    }
}

words! {
    /// Where the envelope came from.
    Source {
        /// A `message.html` opened in the browser.
        MessageHtml = "message-html",
        /// A file picked or dropped on the viewer's page.
        File = "file",
    }
}

words! {
    /// How the recipient proved the address.
    Proof {
        /// A passcode mailed to it.
        Passcode = "passcode",
        /// An account provider.
        SignIn = "sign-in",
        /// A passkey.
        Passkey = "passkey",
    }
}

words! {
    /// The envelope's size.
    Size {
        /// Below 100 KB.
        Under100Kb = "under-100-kb",
        /// 100 KB to 1 MB.
        To1Mb = "100-kb-to-1-mb",
        /// 1 to 10 MB.
        To10Mb = "1-to-10-mb",
        /// 10 to 100 MB.
        To100Mb = "10-to-100-mb",
        /// 100 MB or more.
        Over100Mb = "over-100-mb",
    }
}

words! {
    /// A duration.
    Time {
        /// Below a second.
        Under1S = "under-1-s",
        /// 1 to 3 seconds.
        To3S = "1-to-3-s",
        /// 3 to 10 seconds.
        To10S = "3-to-10-s",
        /// 10 to 60 seconds.
        To1Min = "10-to-60-s",
        /// 1 to 10 minutes.
        To10Min = "1-to-10-min",
        /// 10 minutes or more.
        Over10Min = "over-10-min",
    }
}

words! {
    /// Decryption speed.
    Speed {
        /// Below 10 MB/s.
        Under10 = "under-10-mb-s",
        /// 10 to 100 MB/s.
        To100 = "10-to-100-mb-s",
        /// 100 to 1000 MB/s.
        To1000 = "100-to-1000-mb-s",
        /// 1000 MB/s or more.
        Over1000 = "over-1000-mb-s",
    }
}

words! {
    /// The failure screen the recipient met.
    Failure {
        /// The message was altered or damaged.
        Damaged = "damaged",
        /// Made by a newer version of the format.
        NewerVersion = "newer-version",
        /// Beyond the format's limits.
        TooLarge = "too-large",
        /// Past its expiry.
        Expired = "expired",
        /// Revoked by the sender.
        Revoked = "revoked",
        /// Opened as often as allowed.
        OpenLimitReached = "open-limit-reached",
        /// Too many wrong passcodes.
        TooManyTries = "too-many-tries",
        /// The key server failed.
        ServerError = "server-error",
        /// The key server does not know the message.
        UnknownMessage = "unknown-message",
        /// The envelope names another sender than the one registered.
        SenderMismatch = "sender-mismatch",
    }
}

impl Size {
    /// The bucket of `bytes`.
    pub fn of(bytes: u64) -> Self {
        match bytes {
            0..100_000 => Size::Under100Kb,
            100_000..1_000_000 => Size::To1Mb,
            1_000_000..10_000_000 => Size::To10Mb,
            10_000_000..100_000_000 => Size::To100Mb,
            _ => Size::Over100Mb,
        }
    }
}

impl Time {
    /// The bucket of `ms` milliseconds.
    pub fn of_ms(ms: u64) -> Self {
        match ms {
            0..1_000 => Time::Under1S,
            1_000..3_000 => Time::To3S,
            3_000..10_000 => Time::To10S,
            10_000..60_000 => Time::To1Min,
            60_000..600_000 => Time::To10Min,
            _ => Time::Over10Min,
        }
    }
}

impl Speed {
    /// The bucket of `bytes` decrypted in `ms` milliseconds.
    pub fn of(bytes: u64, ms: u64) -> Self {
        // Bytes per millisecond is kB/s; MB/s is that over 1000.
        let mb_s = bytes / ms.max(1) / 1000;
        match mb_s {
            0..10 => Speed::Under10,
            10..100 => Speed::To100,
            100..1000 => Speed::To1000,
            _ => Speed::Over1000,
        }
    }
}

/// One usage report. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The browser family.
    pub browser: Browser,
    /// Its major version; 0 when unknown.
    pub browser_major: u16,
    /// The language the viewer showed (one of [`LANGUAGES`]).
    pub language: String,
    /// Where the envelope came from.
    pub source: Source,
    /// The envelope's size.
    pub size: Size,
    /// How the address was proved, once it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
    /// From the summary screen to the proof being asked for (the recipient choosing an address
    /// and a way to prove it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_prompt: Option<Time>,
    /// From the proof (passcode entered, sign-in or passkey done) to the message shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_render: Option<Time>,
    /// Decryption speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<Speed>,
    /// The failure screen met, for a report of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl Report {
    /// Checks what the types do not: the language and the version's range.
    pub fn check(&self) -> Result<(), String> {
        if !LANGUAGES.contains(&self.language.as_str()) {
            return Err(format!("language must be one of {}", LANGUAGES.join(", ")));
        }
        if self.browser_major > MAX_MAJOR {
            return Err(format!("browser_major must be 0 to {MAX_MAJOR}"));
        }
        Ok(())
    }

    /// Every text field of the report, by name, in order, the ones it lacks left out (that is,
    /// all but `browser_major`).
    pub fn words(&self) -> Vec<(&'static str, &str)> {
        let optional = [
            ("proof", self.proof.map(Proof::as_str)),
            ("time_to_prompt", self.time_to_prompt.map(Time::as_str)),
            ("time_to_render", self.time_to_render.map(Time::as_str)),
            ("speed", self.speed.map(Speed::as_str)),
            ("failure", self.failure.map(Failure::as_str)),
        ];
        let mut out = vec![
            ("browser", self.browser.as_str()),
            ("language", self.language.as_str()),
            ("source", self.source.as_str()),
            ("size", self.size.as_str()),
        ];
        out.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        out
    }

    /// The counters one report adds to: (dimension, value). The browser is counted with its
    /// major version.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let opens = if self.failure.is_some() {
            "failed"
        } else {
            "opened"
        };
        let mut out = vec![("opens", opens.to_owned())];
        out.extend(self.words().into_iter().map(|(dimension, value)| {
            let value = match dimension {
                "browser" if self.browser_major != 0 => format!("{value} {}", self.browser_major),
                _ => value.to_owned(),
            };
            (dimension, value)
        }));
        out
    }
}

/// The heading of a dimension in the usage table.
pub fn heading(dimension: &str) -> &str {
    match dimension {
        "opens" => "Messages opened, and failure screens met",
        "browser" => "Browser (family and major version)",
        "language" => "Language shown",
        "source" => "Where the message came from",
        "size" => "Message size",
        "proof" => "How the address was proved",
        "time_to_prompt" => "Time from the summary to the proof asked",
        "time_to_render" => "Time from the proof to the message shown",
        "speed" => "Decryption speed",
        "failure" => "Failure screens",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_written_as_serde_writes_it() {
        fn check<T: Serialize + Copy>(all: &[T], text: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), text(*v));
            }
        }
        check(Browser::ALL, Browser::as_str);
        check(Source::ALL, Source::as_str);
        check(Proof::ALL, Proof::as_str);
        check(Size::ALL, Size::as_str);
        check(Time::ALL, Time::as_str);
        check(Speed::ALL, Speed::as_str);
        check(Failure::ALL, Failure::as_str);
    }

    #[test]
    fn buckets() {
        assert_eq!(Size::of(99_999), Size::Under100Kb);
        assert_eq!(Size::of(1_048_576), Size::To10Mb);
        assert_eq!(Time::of_ms(999), Time::Under1S);
        assert_eq!(Time::of_ms(600_000), Time::Over10Min);
        assert_eq!(Speed::of(64 << 20, 500), Speed::To1000);
        assert_eq!(Speed::of(1 << 20, 0), Speed::Over1000);
    }

    #[test]
    fn a_report_names_only_its_coarse_values() {
        let r: Report = serde_json::from_str(
            r#"{"browser":"firefox","browser_major":153,"language":"da","source":"file","size":"1-to-10-mb","proof":"passcode","time_to_render":"under-1-s"}"#,
        )
        .unwrap();
        r.check().unwrap();
        assert_eq!(
            r.entries(),
            [
                ("opens", "opened".to_owned()),
                ("browser", "firefox 153".to_owned()),
                ("language", "da".to_owned()),
                ("source", "file".to_owned()),
                ("size", "1-to-10-mb".to_owned()),
                ("proof", "passcode".to_owned()),
                ("time_to_render", "under-1-s".to_owned()),
            ]
        );
        let extra = r#"{"browser":"firefox","browser_major":153,"language":"da","source":"file","size":"1-to-10-mb","message":"x"}"#;
        assert!(serde_json::from_str::<Report>(extra).is_err());
    }
}
