//! The tone help (MSG-3) on realistic messages from teachers and parents, in each language.
//!
//! The samples live in `tests/tone_corpus/<lang>.txt`. A file holds blocks after lines `---`
//! (anything before the first is a comment). A block begins with header lines:
//!
//! ```text
//! name: a short name
//! expect: kind1, kind2        (the exact set of advice kinds, or "none")
//! lix>45                      (optional: lix>N or lix<N)
//! ```
//!
//! and the rest of the block is the message.

use std::collections::BTreeSet;

use skolebro_domain::tone::{analyse, AdviceKind};
use skolebro_domain::Lang;

struct Sample {
    /// `file:line "name"`, line of the first header.
    name: String,
    expect: BTreeSet<String>,
    lix_above: Option<f64>,
    lix_below: Option<f64>,
    text: String,
}

fn parse(file: &str, source: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut blocks: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (n, line) in source.lines().enumerate() {
        if line == "---" {
            blocks.extend(current.take());
            current = Some((n + 2, Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    blocks.extend(current);

    for (line, lines) in blocks {
        let mut name = format!("{file}:{line}");
        let mut expect: Option<BTreeSet<String>> = None;
        let mut lix_above = None;
        let mut lix_below = None;
        let mut body = lines.as_slice();
        while let Some((first, rest)) = body.split_first() {
            if let Some(n) = first.strip_prefix("name:") {
                name = format!("{file}:{line} \"{}\"", n.trim());
            } else if let Some(e) = first.strip_prefix("expect:") {
                let e = e.trim();
                let kinds = if e == "none" {
                    BTreeSet::new()
                } else {
                    e.split(',').map(|k| k.trim().to_owned()).collect()
                };
                for k in &kinds {
                    assert!(
                        AdviceKind::from_name(k).is_some(),
                        "{file}:{line}: unknown advice kind {k:?}"
                    );
                }
                expect = Some(kinds);
            } else if let Some(n) = first.strip_prefix("lix>") {
                lix_above = Some(n.trim().parse::<f64>().expect("lix>N"));
            } else if let Some(n) = first.strip_prefix("lix<") {
                lix_below = Some(n.trim().parse::<f64>().expect("lix<N"));
            } else {
                break;
            }
            body = rest;
        }
        let text = body.join("\n").trim_matches('\n').to_owned();
        assert!(!text.trim().is_empty(), "{name}: no message");
        samples.push(Sample {
            expect: expect.unwrap_or_else(|| panic!("{name}: no expect: line")),
            name,
            lix_above,
            lix_below,
            text,
        });
    }
    samples
}

fn check(lang: Lang, source: &str) -> (usize, Vec<String>) {
    let file = format!("tone_corpus/{}.txt", lang.as_str());
    let samples = parse(&file, source);
    let mut failures = Vec::new();
    for s in &samples {
        let report = analyse(&s.text, lang);
        let got: BTreeSet<String> = report
            .advice
            .iter()
            .map(|a| a.kind.as_str().to_owned())
            .collect();
        let advice: Vec<String> = report
            .advice
            .iter()
            .map(|a| match &a.detail {
                Some(d) => format!("{}({d})", a.kind.as_str()),
                None => a.kind.as_str().to_owned(),
            })
            .collect();
        if got != s.expect {
            failures.push(format!(
                "{}: expected {:?}, got {:?}\n    advice: {advice:?}",
                s.name, s.expect, got
            ));
        }
        if s.lix_above.is_some_and(|n| report.lix <= n)
            || s.lix_below.is_some_and(|n| report.lix >= n)
        {
            failures.push(format!(
                "{}: LIX {} is not {}",
                s.name,
                report.lix,
                match (s.lix_above, s.lix_below) {
                    (Some(a), _) if report.lix <= a => format!("above {a}"),
                    (_, Some(b)) => format!("below {b}"),
                    _ => String::new(),
                }
            ));
        }
    }
    (samples.len(), failures)
}

fn run(lang: Lang, source: &str) {
    let (count, failures) = check(lang, source);
    assert!(
        count >= 8,
        "{}: only {count} samples, want at least 8",
        lang.as_str()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} {} samples failed:\n  {}",
        failures.len(),
        lang.as_str(),
        failures.join("\n  ")
    );
}

#[test]
fn danish_samples() {
    run(Lang::Da, include_str!("tone_corpus/da.txt"));
}

#[test]
fn norwegian_samples() {
    run(Lang::Nb, include_str!("tone_corpus/nb.txt"));
}

#[test]
fn english_samples() {
    run(Lang::En, include_str!("tone_corpus/en.txt"));
}

/// Every kind of advice occurs somewhere in the corpus, so that each rule is seen on real text.
#[test]
fn the_corpus_covers_every_kind() {
    let mut seen = BTreeSet::new();
    for (lang, source) in [
        (Lang::Da, include_str!("tone_corpus/da.txt")),
        (Lang::Nb, include_str!("tone_corpus/nb.txt")),
        (Lang::En, include_str!("tone_corpus/en.txt")),
    ] {
        for s in parse(lang.as_str(), source) {
            seen.extend(s.expect);
        }
    }
    let missing: Vec<&str> = AdviceKind::ALL
        .iter()
        .map(|k| k.as_str())
        .filter(|k| !seen.contains(*k))
        .collect();
    assert!(missing.is_empty(), "no sample expects {missing:?}");
}

/// The parser itself: headers, "none", and a message that keeps its inner blank lines.
#[test]
fn the_format_parses() {
    let source = "comment\n---\nname: a\nexpect: none\nlix<35\nHi\n\nthere\n---\nexpect: shouting, long_word\nText\n";
    let samples = parse("t", source);
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].name, "t:3 \"a\"");
    assert!(samples[0].expect.is_empty());
    assert_eq!(samples[0].lix_below, Some(35.0));
    assert_eq!(samples[0].text, "Hi\n\nthere");
    assert_eq!(samples[1].expect.len(), 2);
    assert_eq!(samples[1].text, "Text");
}
