//! Dates, sizes, durations and percentages in the reader's language, through the browser's
//! `Intl` API (no locale data in the WebAssembly module).

use std::cell::RefCell;

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::i18n::Lang;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type DateTimeFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "DateTimeFormat")]
    fn new(locale: &str, options: &Object) -> DateTimeFormat;
    #[wasm_bindgen(method)]
    fn format(this: &DateTimeFormat, date: &Date) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = NumberFormat)]
    #[derive(Clone)]
    type NumberFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "NumberFormat")]
    fn new(locale: &str, options: &Object) -> NumberFormat;
    #[wasm_bindgen(method)]
    fn format(this: &NumberFormat, value: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = PluralRules)]
    type PluralRules;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "PluralRules")]
    fn new(locale: &str) -> PluralRules;
    #[wasm_bindgen(method)]
    fn select(this: &PluralRules, value: f64) -> String;

    #[wasm_bindgen(js_namespace = Intl, js_name = RelativeTimeFormat)]
    type RelativeTimeFormat;
    #[wasm_bindgen(constructor, js_namespace = Intl, js_class = "RelativeTimeFormat")]
    fn new(locale: &str, options: &Object) -> RelativeTimeFormat;
    #[wasm_bindgen(method)]
    fn format(this: &RelativeTimeFormat, value: f64, unit: &str) -> String;
}

fn options(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

/// A point in time (seconds since the Unix epoch) as a medium date and a short time, in the
/// reader's time zone.
pub fn date_time(lang: Lang, unix_seconds: i64) -> String {
    let date = Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0));
    DateTimeFormat::new(
        lang.tag(),
        &options(&[
            ("dateStyle", "medium".into()),
            ("timeStyle", "short".into()),
        ]),
    )
    .format(&date)
}

/// A size in bytes, with a decimal unit (kB, MB, GB) and at most one decimal.
pub fn size(lang: Lang, bytes: u64) -> String {
    let b = bytes as f64;
    let (value, unit) = if b < 1e3 {
        (b, "byte")
    } else if b < 1e6 {
        (b / 1e3, "kilobyte")
    } else if b < 1e9 {
        (b / 1e6, "megabyte")
    } else {
        (b / 1e9, "gigabyte")
    };
    number_format(lang, unit, || {
        options(&[
            ("style", "unit".into()),
            ("unit", unit.into()),
            (
                "unitDisplay",
                if unit == "byte" { "long" } else { "short" }.into(),
            ),
            ("maximumFractionDigits", 1.into()),
        ])
    })
    .format(value)
}

/// A fraction between 0 and 1 as a whole percentage.
pub fn percent(lang: Lang, fraction: f64) -> String {
    number_format(lang, "percent", || {
        options(&[
            ("style", "percent".into()),
            ("maximumFractionDigits", 0.into()),
        ])
    })
    .format(fraction.clamp(0.0, 1.0))
}

thread_local! {
    /// The `Intl.NumberFormat`s made so far, by language and kind. Making one costs far more
    /// than using it, and the progress bar formats a percentage and two sizes at every step.
    static NUMBER_FORMATS: RefCell<Vec<(Lang, &'static str, NumberFormat)>> =
        const { RefCell::new(Vec::new()) };
}

/// The number format of `kind` for `lang`, made with `options` the first time.
fn number_format(lang: Lang, kind: &'static str, options: impl FnOnce() -> Object) -> NumberFormat {
    NUMBER_FORMATS.with_borrow_mut(|made| {
        if let Some((_, _, f)) = made.iter().find(|(l, k, _)| *l == lang && *k == kind) {
            return f.clone();
        }
        let f = NumberFormat::new(lang.tag(), &options());
        made.push((lang, kind, f.clone()));
        f
    })
}

/// Plural categories and numbers for the viewer's texts (`{ $n -> [one] … }`), from the
/// browser's `Intl`.
pub const INTL: waxseal_l10n::Intl = waxseal_l10n::Intl {
    plural: plural_category,
    number,
};

/// The CLDR plural category of `n` in `lang` (`Intl.PluralRules`). Outside a browser (the
/// native unit tests) English's rule.
fn plural_category(lang: Lang, n: f64) -> String {
    if cfg!(target_arch = "wasm32") {
        PluralRules::new(lang.tag()).select(n)
    } else if n == 1.0 {
        "one".to_owned()
    } else {
        "other".to_owned()
    }
}

/// `n` written for `lang` (`Intl.NumberFormat`); outside a browser, as Rust writes it.
pub fn number(lang: Lang, n: f64) -> String {
    if cfg!(target_arch = "wasm32") {
        number_format(lang, "number", Object::new).format(n)
    } else {
        n.to_string()
    }
}

/// A duration, in whole minutes from two minutes on, else in seconds ("10 minutes").
pub fn duration(lang: Lang, seconds: u64) -> String {
    let (value, unit) = minutes_or_seconds(seconds);
    NumberFormat::new(
        lang.tag(),
        &options(&[
            ("style", "unit".into()),
            ("unit", unit.into()),
            ("unitDisplay", "long".into()),
        ]),
    )
    .format(value)
}

/// A moment `seconds` from now ("in 45 seconds").
pub fn relative(lang: Lang, seconds: u64) -> String {
    let (value, unit) = minutes_or_seconds(seconds);
    RelativeTimeFormat::new(lang.tag(), &options(&[("numeric", "always".into())]))
        .format(value, unit)
}

/// Whole minutes (rounded up) from two minutes on, else seconds.
fn minutes_or_seconds(seconds: u64) -> (f64, &'static str) {
    if seconds >= 120 {
        (seconds.div_ceil(60) as f64, "minute")
    } else {
        (seconds as f64, "second")
    }
}

/// Now, in seconds since the Unix epoch.
pub fn now() -> i64 {
    (Date::now() / 1000.0).floor() as i64
}

/// A calendar date (for the privacy statement's "last updated"), without a time.
pub fn calendar_date(lang: Lang, (year, month, day): (u32, u32, u32)) -> String {
    let date = Date::new_with_year_month_day(year, month as i32 - 1, day as i32);
    DateTimeFormat::new(lang.tag(), &options(&[("dateStyle", "long".into())])).format(&date)
}

/// Decodes text in a charset that the viewer's own decoders lack, with the browser's
/// `TextDecoder` (which knows GBK, GB18030, Big5, Shift_JIS, EUC-KR and more).
pub fn decode_charset(label: &str, bytes: &[u8]) -> Option<String> {
    let decoder = web_sys::TextDecoder::new_with_label(label).ok()?;
    decoder.decode_with_u8_array(bytes).ok()
}
