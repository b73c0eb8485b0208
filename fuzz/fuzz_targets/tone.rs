//! The tone analyser: any text in any language gets a report, never a panic, and every span it
//! points at lies on character boundaries of that text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skolebro_domain::tone::analyse;
use skolebro_domain::Lang;

fuzz_target!(|data: &[u8]| {
    let Some((&l, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let lang = match l % 3 {
        0 => Lang::Da,
        1 => Lang::Nb,
        _ => Lang::En,
    };
    let report = analyse(text, lang);
    assert!(
        report.lix.is_finite() && report.lix >= 0.0,
        "{}",
        report.lix
    );
    for advice in &report.advice {
        if let Some(span) = advice.span {
            assert!(span.slice(text).is_some(), "{span:?} in {text:?}");
        }
    }
});
