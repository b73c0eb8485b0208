//! Written-tone help (MSG-3): advice on a message before it is sent.
//!
//! Written words lack tone of voice and body language, and the writer does not see how the reader
//! takes them. So before sending, the writer gets advice: is the text easy to read (LIX), does it
//! shout, does a word sound like an accusation, does it greet and close, and — when it touches a
//! hard subject — would a phone call be better? It is advice, never a block: [`analyse`] only
//! reports, and the writer decides.
//!
//! Pure and cheap: one pass over the text to find words and sentences, then a fixed set of short
//! word lists, so the work is linear in the length of the text. Spans are byte ranges that always
//! lie on character boundaries of the analysed text.

use serde::Serialize;

use crate::people::Lang;

/// A text with a LIX above this is hard to read.
pub const HARD_LIX: f64 = 45.0;
/// A text with a LIX above this is very hard to read.
pub const VERY_HARD_LIX: f64 = 55.0;
/// A text with a LIX up to this is easy to read.
pub const EASY_LIX: f64 = 35.0;
/// Readability, greeting and closing advice is given only from this many words on: on a short
/// chat reply, LIX says nothing and a greeting would be stiff.
pub const MIN_WORDS: usize = 8;
/// LIX counts a word of more than this many letters as long.
pub const LIX_LONG_WORD: usize = 6;
/// A word of at least this many letters is pointed out in a hard text.
pub const LONG_WORD: usize = 13;
/// A sentence of more than this many words may be pointed out in a hard text.
pub const LONG_SENTENCE: usize = 15;
const MAX_LONG_SENTENCES: usize = 2;
const MAX_LONG_WORDS: usize = 3;
/// Lines at the end of a text in which a closing is looked for (a signature may take a few).
const CLOSING_LINES: usize = 5;

/// A byte range `start..end` of the analysed text, on character boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The part of `text` this span covers, if it is the text the span came from.
    pub fn slice<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.start..self.end)
    }
}

/// How hard a text is to read, by its LIX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readability {
    /// LIX up to 35.
    Easy,
    /// LIX above 35, up to 45.
    Medium,
    /// LIX above 45, up to 55.
    Hard,
    /// LIX above 55.
    VeryHard,
}

impl Readability {
    /// The level of a LIX value (as shown, i.e. already rounded).
    pub fn from_lix(lix: f64) -> Readability {
        if lix > VERY_HARD_LIX {
            Readability::VeryHard
        } else if lix > HARD_LIX {
            Readability::Hard
        } else if lix > EASY_LIX {
            Readability::Medium
        } else {
            Readability::Easy
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Readability::Easy => "easy",
            Readability::Medium => "medium",
            Readability::Hard => "hard",
            Readability::VeryHard => "very_hard",
        }
    }
}

/// What a piece of advice is about. The web layer shows it as the Fluent text
/// `tone-<kind with - for _>`, with [`Advice::detail`] as `$detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    /// LIX above 45.
    HardToRead,
    /// LIX above 55.
    VeryHardToRead,
    /// One of the longest sentences of a hard text; `detail` is its number of words.
    LongSentence,
    /// One of the longest words of a hard text; `detail` is the word.
    LongWord,
    /// Many capitals; `detail` is the first word in capitals, if any.
    Shouting,
    /// `!!`, or three or more `!`.
    ManyExclamations,
    /// "always", "never", …; `detail` is the words.
    AbsoluteWord,
    /// "your fault", "you must understand", …; `detail` is the words.
    BlamingWord,
    /// The text does not begin with a greeting.
    MissingGreeting,
    /// The text does not end with a closing.
    MissingClosing,
    /// The text touches a hard subject: a phone call may be better; `detail` is the word.
    PhoneInstead,
}

impl AdviceKind {
    pub const ALL: [AdviceKind; 11] = [
        AdviceKind::HardToRead,
        AdviceKind::VeryHardToRead,
        AdviceKind::LongSentence,
        AdviceKind::LongWord,
        AdviceKind::Shouting,
        AdviceKind::ManyExclamations,
        AdviceKind::AbsoluteWord,
        AdviceKind::BlamingWord,
        AdviceKind::MissingGreeting,
        AdviceKind::MissingClosing,
        AdviceKind::PhoneInstead,
    ];

    /// The snake_case name, as serialised: `"phone_instead"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AdviceKind::HardToRead => "hard_to_read",
            AdviceKind::VeryHardToRead => "very_hard_to_read",
            AdviceKind::LongSentence => "long_sentence",
            AdviceKind::LongWord => "long_word",
            AdviceKind::Shouting => "shouting",
            AdviceKind::ManyExclamations => "many_exclamations",
            AdviceKind::AbsoluteWord => "absolute_word",
            AdviceKind::BlamingWord => "blaming_word",
            AdviceKind::MissingGreeting => "missing_greeting",
            AdviceKind::MissingClosing => "missing_closing",
            AdviceKind::PhoneInstead => "phone_instead",
        }
    }

    /// The kind named `name` (the snake_case name).
    pub fn from_name(name: &str) -> Option<AdviceKind> {
        AdviceKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One piece of advice on a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub kind: AdviceKind,
    /// Where in the text, if the advice is about a part of it.
    pub span: Option<Span>,
    /// The word(s) found, or for [`AdviceKind::LongSentence`] the number of words.
    pub detail: Option<String>,
}

/// The advice on one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToneReport {
    /// LIX, rounded to one decimal; 0 for a text without words.
    pub lix: f64,
    /// The level of [`ToneReport::lix`].
    pub level: Readability,
    /// Readability advice first, then the rest in the order of the text. Empty for a blank text.
    pub advice: Vec<Advice>,
}

/// Advice on `text`, written in `lang`. Never panics, linear in the length of the text.
pub fn analyse(text: &str, lang: Lang) -> ToneReport {
    if text.trim().is_empty() {
        return ToneReport {
            lix: 0.0,
            level: Readability::Easy,
            advice: Vec::new(),
        };
    }
    let scan = Scan::new(text);
    let lix = scan.lix();
    let level = Readability::from_lix(lix);
    let mut advice = readability_advice(text, &scan, level);

    // The rest, each with the position it sorts by. The sort is stable, so a missing greeting
    // (at 0) stays first.
    let mut rest: Vec<(usize, Advice)> = Vec::new();
    if scan.words.len() >= MIN_WORDS {
        greeting_and_closing(text, &scan, &mut rest);
    }
    shouting(text, &scan, &mut rest);
    exclamations(text, &mut rest);
    word_lists(text, &scan, lang, &mut rest);
    rest.sort_by_key(|(at, _)| *at);
    advice.extend(rest.into_iter().map(|(_, a)| a));
    ToneReport { lix, level, advice }
}

// ---------------------------------------------------------------------------------------------
// Words and sentences

/// A word: a run of letters (with combining marks, and an apostrophe between letters: "don't").
#[derive(Debug)]
struct Word {
    start: usize,
    end: usize,
    letters: usize,
    upper: usize,
    /// Lower-cased, with ’ as '.
    lower: String,
    /// Only whitespace, and no line break, lies between the previous word and this one.
    joined: bool,
}

impl Word {
    fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.end,
        }
    }
}

/// A sentence with at least one word: from its first word to its end mark.
#[derive(Debug)]
struct Sentence {
    start: usize,
    end: usize,
    words: usize,
}

struct Scan {
    words: Vec<Word>,
    sentences: Vec<Sentence>,
}

fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{300}'..='\u{36F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ':' | '…' | '‼')
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

impl Scan {
    fn new(text: &str) -> Scan {
        let mut words: Vec<Word> = Vec::new();
        let mut sentences: Vec<Sentence> = Vec::new();
        let mut word: Option<Word> = None;
        let mut sentence: Option<Sentence> = None;

        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let end = i + c.len_utf8();
            if c.is_alphabetic() || (word.is_some() && is_mark(c)) {
                let w = word.get_or_insert_with(|| Word {
                    start: i,
                    end,
                    letters: 0,
                    upper: 0,
                    lower: String::new(),
                    joined: false,
                });
                w.end = end;
                if c.is_alphabetic() {
                    w.letters += 1;
                    if c.is_uppercase() {
                        w.upper += 1;
                    }
                }
                w.lower.extend(c.to_lowercase());
                continue;
            }
            if let Some(w) = word.as_mut() {
                if is_apostrophe(c) && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic()) {
                    w.end = end;
                    w.lower.push('\'');
                    continue;
                }
            }
            if let Some(w) = word.take() {
                Self::push_word(text, w, &mut words, &mut sentence);
            }
            if is_terminator(c) {
                if let Some(s) = sentence.as_mut() {
                    s.end = end;
                }
                // A run of marks ends the sentence unless a letter or digit follows at once
                // ("3.b", "kl. 8.30", "bl.a.", "www.skole.dk", "13:30").
                let ends = match chars.peek() {
                    None => true,
                    Some(&(_, n)) => !is_terminator(n) && !n.is_alphanumeric(),
                };
                if ends {
                    sentences.extend(sentence.take());
                }
            } else if is_line_break(c) {
                sentences.extend(sentence.take());
            }
        }
        if let Some(w) = word.take() {
            Self::push_word(text, w, &mut words, &mut sentence);
        }
        sentences.extend(sentence.take());
        Scan { words, sentences }
    }

    fn push_word(text: &str, mut w: Word, words: &mut Vec<Word>, sentence: &mut Option<Sentence>) {
        w.joined = match words.last() {
            Some(prev) => text
                .get(prev.end..w.start)
                .is_some_and(|gap| gap.chars().all(|c| c.is_whitespace() && !is_line_break(c))),
            None => false,
        };
        let s = sentence.get_or_insert(Sentence {
            start: w.start,
            end: w.end,
            words: 0,
        });
        s.words += 1;
        s.end = w.end;
        words.push(w);
    }

    /// LIX = words per sentence + percentage of long words, rounded to one decimal.
    fn lix(&self) -> f64 {
        let words = self.words.len();
        if words == 0 {
            return 0.0;
        }
        let sentences = self.sentences.len().max(1);
        let long = self
            .words
            .iter()
            .filter(|w| w.letters > LIX_LONG_WORD)
            .count();
        let lix = words as f64 / sentences as f64 + 100.0 * long as f64 / words as f64;
        (lix * 10.0).round() / 10.0
    }
}

// ---------------------------------------------------------------------------------------------
// The rules

fn readability_advice(text: &str, scan: &Scan, level: Readability) -> Vec<Advice> {
    let kind = match level {
        Readability::Hard => AdviceKind::HardToRead,
        Readability::VeryHard => AdviceKind::VeryHardToRead,
        Readability::Easy | Readability::Medium => return Vec::new(),
    };
    if scan.words.len() < MIN_WORDS {
        return Vec::new();
    }
    let mut parts: Vec<(usize, Advice)> = Vec::new();

    // The longest sentences and words, kept in short lists so that the work stays linear.
    let mut long_sentences: Vec<&Sentence> = Vec::new();
    for s in scan.sentences.iter().filter(|s| s.words > LONG_SENTENCE) {
        long_sentences.push(s);
        long_sentences.sort_by_key(|s| (std::cmp::Reverse(s.words), s.start));
        long_sentences.truncate(MAX_LONG_SENTENCES);
    }
    for s in long_sentences {
        parts.push((
            s.start,
            Advice {
                kind: AdviceKind::LongSentence,
                span: Some(Span {
                    start: s.start,
                    end: s.end,
                }),
                detail: Some(s.words.to_string()),
            },
        ));
    }

    // A word that is already listed is not listed again. A repeat of a word that dropped out
    // cannot come back either: it ties with the earlier one, and the list only gets longer words.
    let mut long_words: Vec<&Word> = Vec::new();
    for w in scan.words.iter().filter(|w| w.letters >= LONG_WORD) {
        if long_words.iter().any(|l| l.lower == w.lower) {
            continue;
        }
        long_words.push(w);
        long_words.sort_by_key(|w| (std::cmp::Reverse(w.letters), w.start));
        long_words.truncate(MAX_LONG_WORDS);
    }
    for w in long_words {
        parts.push((
            w.start,
            Advice {
                kind: AdviceKind::LongWord,
                span: Some(w.span()),
                detail: text.get(w.start..w.end).map(str::to_owned),
            },
        ));
    }
    parts.sort_by_key(|(at, _)| *at);

    let mut advice = vec![Advice {
        kind,
        span: None,
        detail: None,
    }];
    advice.extend(parts.into_iter().map(|(_, a)| a));
    advice
}

/// Abbreviations that are written in capitals and are not shouting.
const ABBREVIATIONS: &[&str] = &[
    "SFO", "FFO", "AKS", "KKFO", "AULA", "PPR", "PPT", "FAU", "SU", "SMS", "OK", "NB", "PS", "MVH",
    "VH", "KH", "IT", "PC", "TV", "BUP", "NAV", "KRLE", "IOP", "IUP", "UU", "UUV", "ADHD", "ASF",
    "PDF", "GDPR", "CPR", "EU", "USA", "FAQ", "DSB", "NSB", "DLF", "UVM", "STIL", "MGP",
];

fn is_abbreviation(word: &str) -> bool {
    ABBREVIATIONS.contains(&word)
}

fn shouting(text: &str, scan: &Scan, out: &mut Vec<(usize, Advice)>) {
    let mut capital_words = 0usize;
    let mut first: Option<&Word> = None;
    let mut letters = 0usize;
    let mut capitals = 0usize;
    for w in &scan.words {
        letters += w.letters;
        let original = text.get(w.start..w.end).unwrap_or("");
        if is_abbreviation(original) {
            continue;
        }
        capitals += w.upper;
        if w.letters >= 3 && w.upper == w.letters {
            capital_words += 1;
            first.get_or_insert(w);
        }
    }
    let many_capitals = letters >= 20 && capitals * 100 > letters * 30;
    if capital_words >= 2 || many_capitals {
        out.push((
            first.map_or(0, |w| w.start),
            Advice {
                kind: AdviceKind::Shouting,
                span: first.map(Word::span),
                detail: first
                    .and_then(|w| text.get(w.start..w.end))
                    .map(str::to_owned),
            },
        ));
    }
}

fn exclamations(text: &str, out: &mut Vec<(usize, Advice)>) {
    let mut count = 0usize;
    let mut first: Option<usize> = None;
    let mut double: Option<Span> = None;
    let mut run_start: Option<usize> = None;
    let mut run_len = 0usize;
    for (i, c) in text.char_indices() {
        let marks = match c {
            '!' => 1,
            '‼' => 2,
            _ => 0,
        };
        if marks == 0 {
            run_start = None;
            run_len = 0;
            continue;
        }
        count += marks;
        first.get_or_insert(i);
        let start = *run_start.get_or_insert(i);
        run_len += marks;
        if run_len >= 2 {
            let end = i + c.len_utf8();
            match double.as_mut() {
                Some(d) if d.start == start => d.end = end,
                Some(_) => {}
                None => double = Some(Span { start, end }),
            }
        }
    }
    if double.is_some() || count >= 3 {
        out.push((
            double.map_or(first.unwrap_or(0), |d| d.start),
            Advice {
                kind: AdviceKind::ManyExclamations,
                span: double,
                detail: None,
            },
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Word lists. Lower case; words are separated by spaces; a word ending in `*` matches every word
// that begins with it. A phrase matches consecutive words with only whitespace between them.

const ABSOLUTE_DA: &[&str] = &[
    "altid",
    "aldrig",
    "aldrig nogensinde",
    "hver gang",
    "hver eneste gang",
    "hele tiden",
    "ingensinde",
    "ingen sinde",
];
const ABSOLUTE_NB: &[&str] = &[
    "alltid",
    "aldri",
    "aldri noensinne",
    "hver gang",
    "hver eneste gang",
    "hele tiden",
];
const ABSOLUTE_EN: &[&str] = &[
    "always",
    "never",
    "every time",
    "every single time",
    "all the time",
];

const BLAMING_DA: &[&str] = &[
    "din skyld",
    "jeres skyld",
    "din fejl",
    "jeres fejl",
    "du må forstå",
    "i må forstå",
    "du må da forstå",
    "i må da forstå",
    "du skal bare",
    "i skal bare",
    "du burde have",
    "i burde have",
    "det er dit ansvar",
    "det er jeres ansvar",
    "hvorfor har du ikke",
    "hvorfor har i ikke",
];
const BLAMING_NB: &[&str] = &[
    "din skyld",
    "deres skyld",
    "din feil",
    "deres feil",
    "du må forstå",
    "dere må forstå",
    "du må jo forstå",
    "dere må jo forstå",
    "du burde ha",
    "dere burde ha",
    "det er ditt ansvar",
    "det er deres ansvar",
    "hvorfor har du ikke",
    "hvorfor har dere ikke",
];
const BLAMING_EN: &[&str] = &[
    "your fault",
    "you must understand",
    "you need to understand",
    "you have to understand",
    "you should have",
    "you should've",
    "it is your responsibility",
    "it's your responsibility",
    "why didn't you",
    "why haven't you",
    "you people",
];

/// Hard subjects: on these, a phone call may serve better than a message.
const SUBJECTS_DA: &[&str] = &[
    "mobb*",
    "mobning*",
    "fravær*",
    "konflikt*",
    "bekymr*",
    "sygdom*",
    "skilsmisse*",
    "slå",
    "slår",
    "slog",
    "slået",
    "slås",
    "slag",
    "slagsmål*",
    "trist*",
    "ked af det",
    "kede af det",
    "vold",
    "volden",
    "voldelig*",
    "død",
    "døde",
    "døden",
    "dødsfald*",
    "sorg",
    "sorgen",
    "angst*",
    "ensom*",
    "mistrivs*",
    "selvskade*",
    "selvmord*",
    "underretning*",
    "politi",
    "politiet",
    "tyveri*",
    "stjal",
    "stjålet",
];
const SUBJECTS_NB: &[&str] = &[
    "mobb*",
    "fravær*",
    "konflikt*",
    "bekymr*",
    "sykdom*",
    "skilsmiss*",
    "slå",
    "slår",
    "slo",
    "slått",
    "slåss",
    "slåsskamp*",
    "trist*",
    "lei seg",
    "vold",
    "volden",
    "voldelig*",
    "død",
    "døde",
    "døden",
    "dødsfall*",
    "sorg",
    "sorgen",
    "angst*",
    "ensom*",
    "mistrives",
    "mistrivsel*",
    "selvskad*",
    "selvmord*",
    "bekymringsmelding*",
    "barnevern*",
    "politi",
    "politiet",
    "tyveri*",
    "stjal",
    "stjålet",
];
const SUBJECTS_EN: &[&str] = &[
    "bully*",
    "bulli*",
    "absence*",
    "conflict*",
    "concern",
    "concerns",
    "concerned",
    "worried",
    "worry",
    "worries",
    "worrying",
    "illness*",
    "divorc*",
    "violen*",
    "death*",
    "died",
    "passed away",
    "upset",
    "sad",
    "grief",
    "grieving",
    "fight",
    "fights",
    "fighting",
    "anxiety",
    "anxious",
    "lonely",
    "loneliness",
    "self harm",
    "suicid*",
    "police",
    "theft",
    "stole",
    "stolen",
    "social services",
];

/// Friendly turns that contain a listed word but are no accusation and no hard subject:
/// "I er altid velkomne", "tøv aldrig med at ringe", "don't worry".
const FRIENDLY_DA: &[&str] = &[
    "kan altid",
    "altid velkom*",
    "tøv aldrig",
    "aldrig for sent",
    "ikke bekymre",
    "ingen grund til bekymring",
];
const FRIENDLY_NB: &[&str] = &[
    "kan alltid",
    "alltid velkom*",
    "nøl aldri",
    "aldri for sent",
    "ikke bekymre",
    "ingen grunn til bekymring",
];
const FRIENDLY_EN: &[&str] = &[
    "can always",
    "always welcome",
    "never hesitate",
    "never too late",
    "don't worry",
    "no need to worry",
    "not to worry",
];

/// Greetings and closings of every language count in every language: families mix them.
const GREETINGS: &[&str] = &[
    // da
    "hej",
    "hejsa",
    "hejhej",
    "hey",
    "halløj",
    "kære",
    "goddag",
    "god dag",
    "godmorgen",
    "god morgen",
    "god eftermiddag",
    "godaften",
    "god aften",
    "davs",
    // nb
    "hei",
    "heisann",
    "hallo",
    "kjære",
    "god ettermiddag",
    "god kveld",
    "morn",
    // en
    "hi",
    "hello",
    "dear",
    "good morning",
    "good afternoon",
    "good evening",
    "greetings",
];
const CLOSINGS: &[&str] = &[
    // da
    "hilsen",
    "hilsner",
    "mvh",
    "vh",
    "kh",
    "tak",
    "god weekend",
    "vi ses",
    // nb
    "hilsener",
    "hilsninger",
    "takk",
    "god helg",
    "ha det",
    // en
    "regards",
    "best",
    "thanks",
    "thank you",
    "sincerely",
    "cheers",
    "yours",
    "see you",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum ListKind {
    Advice(AdviceKind),
    Friendly,
}

struct Phrase {
    kind: ListKind,
    /// Index in the combined list, to give each phrase once.
    id: usize,
    words: Vec<&'static str>,
}

fn phrases(lists: &[(ListKind, &'static [&'static str])]) -> Vec<Phrase> {
    let mut out = Vec::new();
    for (kind, list) in lists {
        for phrase in *list {
            out.push(Phrase {
                kind: *kind,
                id: out.len(),
                words: phrase.split_whitespace().collect(),
            });
        }
    }
    out
}

fn word_matches(word: &Word, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => word.lower.starts_with(stem),
        None => word.lower == pattern,
    }
}

/// The longest phrase that matches at word `at`, and how many words it takes.
fn longest_match<'p>(
    words: &[Word],
    at: usize,
    phrases: &'p [Phrase],
) -> Option<(&'p Phrase, usize)> {
    let mut best: Option<(&Phrase, usize)> = None;
    for phrase in phrases {
        let n = phrase.words.len();
        if n == 0 || best.is_some_and(|(_, len)| len >= n) {
            continue;
        }
        let Some(candidate) = words.get(at..at + n) else {
            continue;
        };
        let matches = candidate
            .iter()
            .zip(&phrase.words)
            .enumerate()
            .all(|(k, (w, p))| (k == 0 || w.joined) && word_matches(w, p));
        if matches {
            best = Some((phrase, n));
        }
    }
    best
}

fn word_lists(text: &str, scan: &Scan, lang: Lang, out: &mut Vec<(usize, Advice)>) {
    use AdviceKind::{AbsoluteWord, BlamingWord, PhoneInstead};
    let (absolute, blaming, subjects, friendly) = match lang {
        Lang::Da => (ABSOLUTE_DA, BLAMING_DA, SUBJECTS_DA, FRIENDLY_DA),
        Lang::Nb => (ABSOLUTE_NB, BLAMING_NB, SUBJECTS_NB, FRIENDLY_NB),
        Lang::En => (ABSOLUTE_EN, BLAMING_EN, SUBJECTS_EN, FRIENDLY_EN),
    };
    let phrases = phrases(&[
        (ListKind::Advice(BlamingWord), blaming),
        (ListKind::Advice(AbsoluteWord), absolute),
        (ListKind::Advice(PhoneInstead), subjects),
        (ListKind::Friendly, friendly),
    ]);
    let mut given = vec![false; phrases.len()];
    let mut subject_found = false;
    let words = &scan.words;
    let mut at = 0;
    while at < words.len() {
        let Some((phrase, n)) = longest_match(words, at, &phrases) else {
            at += 1;
            continue;
        };
        let span = Span {
            start: words[at].start,
            end: words[at + n - 1].end,
        };
        at += n;
        let ListKind::Advice(kind) = phrase.kind else {
            continue;
        };
        if kind == PhoneInstead {
            if subject_found {
                continue;
            }
            subject_found = true;
        } else if std::mem::replace(&mut given[phrase.id], true) {
            continue;
        }
        out.push((
            span.start,
            Advice {
                kind,
                span: Some(span),
                detail: span.slice(text).map(str::to_owned),
            },
        ));
    }
}

/// The byte ranges of the lines that hold more than whitespace.
fn non_empty_lines(text: &str) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if is_line_break(c) {
            if text.get(start..i).is_some_and(|l| !l.trim().is_empty()) {
                lines.push((start, i));
            }
            start = i + c.len_utf8();
        }
    }
    if text.get(start..).is_some_and(|l| !l.trim().is_empty()) {
        lines.push((start, text.len()));
    }
    lines
}

fn greeting_and_closing(text: &str, scan: &Scan, out: &mut Vec<(usize, Advice)>) {
    let lines = non_empty_lines(text);
    let Some(&(first_start, first_end)) = lines.first() else {
        return;
    };
    let greetings = phrases(&[(ListKind::Friendly, GREETINGS)]);
    let closings = phrases(&[(ListKind::Friendly, CLOSINGS)]);
    let words = &scan.words;

    // The first line must begin with a greeting (after any emoji or punctuation).
    let first = words.partition_point(|w| w.start < first_start);
    let greets = words.get(first).is_some_and(|w| {
        w.start < first_end
            && text
                .get(first_start..w.start)
                .is_some_and(|before| !before.chars().any(char::is_alphanumeric))
            && longest_match(words, first, &greetings).is_some()
    });
    if !greets {
        out.push((
            0,
            Advice {
                kind: AdviceKind::MissingGreeting,
                span: None,
                detail: None,
            },
        ));
    }

    // One of the last lines must hold a closing.
    let tail_start = lines
        .get(lines.len().saturating_sub(CLOSING_LINES))
        .map_or(first_start, |&(start, _)| start);
    let from = words.partition_point(|w| w.start < tail_start);
    let closes = (from..words.len()).any(|at| longest_match(words, at, &closings).is_some());
    if !closes {
        out.push((
            text.len(),
            Advice {
                kind: AdviceKind::MissingClosing,
                span: None,
                detail: None,
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kinds(text: &str, lang: Lang) -> Vec<AdviceKind> {
        analyse(text, lang).advice.iter().map(|a| a.kind).collect()
    }

    fn has(text: &str, lang: Lang, kind: AdviceKind) -> bool {
        kinds(text, lang).contains(&kind)
    }

    fn details(text: &str, lang: Lang, kind: AdviceKind) -> Vec<String> {
        analyse(text, lang)
            .advice
            .into_iter()
            .filter(|a| a.kind == kind)
            .filter_map(|a| a.detail)
            .collect()
    }

    /// A sentence of `words` words of which `long` have 7 letters and the rest 3, ending in ".".
    fn sentence(words: usize, long: usize) -> String {
        let mut s: Vec<&str> = Vec::new();
        for i in 0..words {
            s.push(if i < long { "skolens" } else { "hej" });
        }
        format!("{}.", s.join(" "))
    }

    // --- LIX ---------------------------------------------------------------------------------

    #[test]
    fn blank_text_has_no_advice() {
        for text in ["", "   ", "\n\n\t ", "\u{2028}"] {
            let r = analyse(text, Lang::Da);
            assert_eq!(r.lix, 0.0);
            assert_eq!(r.level, Readability::Easy);
            assert!(r.advice.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn text_without_words_has_lix_zero() {
        let r = analyse("… 😊 12:30 – 42", Lang::Da);
        assert_eq!(r.lix, 0.0);
        assert!(r.advice.is_empty());
    }

    #[test]
    fn lix_is_words_per_sentence_plus_percentage_of_long_words() {
        // 20 words in 1 sentence, 5 long: 20 + 25 = 45.
        assert_eq!(analyse(&sentence(20, 5), Lang::Da).lix, 45.0);
        // 2 sentences of 10 words, 3 long: 10 + 15 = 25.
        let text = format!("{} {}", sentence(10, 3), sentence(10, 0));
        assert_eq!(analyse(&text, Lang::Da).lix, 25.0);
        // Rounded to one decimal: 7 words, 1 sentence, 1 long: 7 + 14.2857 = 21.3.
        assert_eq!(analyse(&sentence(7, 1), Lang::Da).lix, 21.3);
    }

    #[test]
    fn long_word_is_more_than_six_letters() {
        // "skolen" has 6 letters, "skolens" 7.
        let six = "skolen skolen skolen skolen skolen skolen skolen skolen.";
        assert_eq!(analyse(six, Lang::Da).lix, 8.0);
        let seven = "skolens skolens skolens skolens skolens skolens skolens skolens.";
        assert_eq!(analyse(seven, Lang::Da).lix, 108.0);
    }

    #[test]
    fn letters_are_unicode_and_digits_are_not_words() {
        // "børnehaveklasse" 15 letters; "123" is no word.
        let r = analyse("Åse går i børnehaveklasse 123.", Lang::Da);
        // 4 words, 1 sentence, 1 long: 4 + 25.
        assert_eq!(r.lix, 29.0);
    }

    #[test]
    fn sentences_end_at_marks_followed_by_space_and_at_line_breaks() {
        // 4 sentences of 2 words: ". ", "! ", "?\n", ":" at the end.
        let r = analyse("Hej Anne. Tak igen! Kommer du?\nHusk dette:", Lang::Da);
        assert_eq!(r.lix, 2.0);
        // A line without a mark is a sentence of its own.
        let r = analyse("Kære alle\nVi ses", Lang::Da);
        assert_eq!(r.lix, 2.0);
        // "3.b", "kl. 8.30" and "13:30" do not end a sentence inside them.
        let r = analyse(
            "Klasse 3.b mødes kl. 8.30 og går hjem 13:30 i dag.",
            Lang::Da,
        );
        // Words: Klasse b mødes kl | og går hjem i dag -> 9 words in 2 sentences ("kl. " ends one).
        assert_eq!(r.lix, 4.5);
    }

    #[test]
    fn readability_levels_and_boundaries() {
        assert_eq!(Readability::from_lix(35.0), Readability::Easy);
        assert_eq!(Readability::from_lix(35.1), Readability::Medium);
        assert_eq!(Readability::from_lix(45.0), Readability::Medium);
        assert_eq!(Readability::from_lix(45.1), Readability::Hard);
        assert_eq!(Readability::from_lix(55.0), Readability::Hard);
        assert_eq!(Readability::from_lix(55.1), Readability::VeryHard);
    }

    #[test]
    fn lix_exactly_45_is_not_hard_but_45_1_is() {
        // 20 words, 1 sentence, 5 long: 20 + 25 = 45.0.
        let at = sentence(20, 5);
        let r = analyse(&at, Lang::Da);
        assert_eq!((r.lix, r.level), (45.0, Readability::Medium));
        assert!(!has(&at, Lang::Da, AdviceKind::HardToRead));
        // 37 words, 1 sentence, 3 long: 37 + 8.11 = 45.1.
        let above = sentence(37, 3);
        let r = analyse(&above, Lang::Da);
        assert_eq!((r.lix, r.level), (45.1, Readability::Hard));
        assert_eq!(r.advice[0].kind, AdviceKind::HardToRead);
        assert!(!has(&above, Lang::Da, AdviceKind::VeryHardToRead));
        // The level follows the rounded value that is shown: 114 words in 3 sentences, 8 long,
        // is 45.02, shown and judged as 45.0.
        let rounded = format!(
            "{} {} {}",
            sentence(38, 8),
            sentence(38, 0),
            sentence(38, 0)
        );
        let r = analyse(&rounded, Lang::Da);
        assert_eq!((r.lix, r.level), (45.0, Readability::Medium));
    }

    #[test]
    fn lix_exactly_55_is_hard_but_55_1_is_very_hard() {
        // 20 words, 1 sentence, 7 long: 20 + 35 = 55.0.
        let at = sentence(20, 7);
        let r = analyse(&at, Lang::Da);
        assert_eq!((r.lix, r.level), (55.0, Readability::Hard));
        assert!(has(&at, Lang::Da, AdviceKind::HardToRead));
        // 49 words, 1 sentence, 3 long: 49 + 6.12 = 55.1.
        let above = sentence(49, 3);
        let r = analyse(&above, Lang::Da);
        assert_eq!((r.lix, r.level), (55.1, Readability::VeryHard));
        let k = kinds(&above, Lang::Da);
        assert_eq!(k[0], AdviceKind::VeryHardToRead);
        assert!(!k.contains(&AdviceKind::HardToRead));
    }

    #[test]
    fn short_texts_get_no_readability_advice() {
        // 2 words, both long: LIX 102, but only 2 words.
        let r = analyse("Forældremøde udskydes.", Lang::Da);
        assert_eq!((r.lix, r.level), (102.0, Readability::VeryHard));
        assert!(r.advice.is_empty(), "{:?}", r.advice);
        // 7 words is still short, 8 is not.
        assert!(kinds(&sentence(7, 7), Lang::Da).is_empty());
        assert_eq!(
            kinds(&sentence(8, 8), Lang::Da)[0],
            AdviceKind::VeryHardToRead
        );
    }

    #[test]
    fn a_hard_text_points_out_its_longest_sentences() {
        // Sentences of 16, 30, 25 and 10 words, all long words: the 30 and the 25 are shown, in
        // the order of the text, with their number of words.
        let text = [
            sentence(16, 16),
            sentence(30, 30),
            sentence(25, 25),
            sentence(10, 10),
        ]
        .join(" ");
        let r = analyse(&text, Lang::Da);
        let long: Vec<&Advice> = r
            .advice
            .iter()
            .filter(|a| a.kind == AdviceKind::LongSentence)
            .collect();
        assert_eq!(long.len(), 2);
        assert_eq!(long[0].detail.as_deref(), Some("30"));
        assert_eq!(long[1].detail.as_deref(), Some("25"));
        let first = long[0].span.and_then(|s| s.slice(&text)).unwrap_or("");
        assert_eq!(first, sentence(30, 30));
        assert!(long[0].span < long[1].span);
    }

    #[test]
    fn long_sentences_need_more_than_15_words() {
        // 15 words with 10 long: LIX 15 + 66.7, hard, but no sentence is long.
        let text = sentence(15, 10);
        assert!(has(&text, Lang::Da, AdviceKind::VeryHardToRead));
        assert!(!has(&text, Lang::Da, AdviceKind::LongSentence));
        let text = sentence(16, 10);
        assert_eq!(details(&text, Lang::Da, AdviceKind::LongSentence), ["16"]);
    }

    #[test]
    fn a_hard_text_points_out_up_to_three_of_its_longest_words() {
        // 12 letters is not long enough, 13 is; repeated words are shown once.
        let text = "Skoleudvalget (13) og forvaltningen (12) behandler \
                    forældresamarbejdspolitikken, skolebestyrelsesmedlemmer og \
                    kommunalbestyrelsen samt forældresamarbejdspolitikken og undervisningsmiljøet.";
        let r = analyse(text, Lang::Da);
        assert_eq!(r.level, Readability::VeryHard);
        let words = details(text, Lang::Da, AdviceKind::LongWord);
        assert_eq!(
            words,
            [
                "forældresamarbejdspolitikken",
                "skolebestyrelsesmedlemmer",
                "undervisningsmiljøet"
            ]
        );
        for a in r.advice.iter().filter(|a| a.kind == AdviceKind::LongWord) {
            assert_eq!(a.span.and_then(|s| s.slice(text)), a.detail.as_deref());
        }
        // An easy text does not point out its words.
        let easy = "Hej alle. Vi har skolebestyrelsesmøde i morgen. Vi ses. Hilsen Ida.";
        assert!(!has(easy, Lang::Da, AdviceKind::LongWord));
    }

    #[test]
    fn readability_advice_comes_first() {
        let text = "ALTID det samme!! Forvaltningsmæssige overvejelser vedrørende \
                    skolebestyrelsesmedlemmernes kompetenceområder nødvendiggør yderligere \
                    undersøgelser.";
        let k = kinds(text, Lang::Da);
        assert_eq!(k[0], AdviceKind::VeryHardToRead);
        assert_eq!(k[1], AdviceKind::LongWord);
        let rest = &k[k
            .iter()
            .rposition(|k| *k == AdviceKind::LongWord)
            .unwrap_or(0)
            + 1..];
        assert_eq!(
            rest,
            [
                AdviceKind::MissingGreeting,
                AdviceKind::AbsoluteWord,
                AdviceKind::ManyExclamations,
                AdviceKind::MissingClosing
            ]
        );
    }

    // --- Shouting and exclamations ----------------------------------------------------------

    #[test]
    fn one_word_in_capitals_is_emphasis_two_are_shouting() {
        let one = "Hej alle, husk at det er VIGTIGT at aflevere sedlen til os i denne uge.";
        assert!(!has(one, Lang::Da, AdviceKind::Shouting));
        let two = "Hej alle, husk at det er MEGET VIGTIGT at aflevere sedlen til os i denne uge.";
        assert_eq!(details(two, Lang::Da, AdviceKind::Shouting), ["MEGET"]);
        // Words of two letters do not count.
        let short = "Hej, det er OK og NU er det fint med mig og min familie.";
        assert!(!has(short, Lang::Da, AdviceKind::Shouting));
    }

    #[test]
    fn abbreviations_are_not_shouting() {
        let text = "Hej, SFO og PPR og AULA og FAU og KRLE er bare forkortelser i teksten.";
        assert!(!has(text, Lang::Da, AdviceKind::Shouting));
    }

    #[test]
    fn many_capitals_are_shouting() {
        // 22 letters, 12 capitals: shouting, with no word in capitals to show.
        let text = "HeJ MoR, HvOr Er TaSkEn iDaG";
        let r = analyse(text, Lang::Da);
        let a = r.advice.iter().find(|a| a.kind == AdviceKind::Shouting);
        assert!(a.is_some_and(|a| a.span.is_none() && a.detail.is_none()));
        // Exactly 30 % is not "more than 30 %": 20 letters, 6 capitals; 7 are.
        assert!(!has(
            "HeJ MoR HvOr er tasken nu",
            Lang::Da,
            AdviceKind::Shouting
        ));
        assert!(has(
            "HeJ MoR HvOr Er tasken nu",
            Lang::Da,
            AdviceKind::Shouting
        ));
        // Fewer than 20 letters: never by the share.
        assert!(!has("HeJ MoR HvOr Er TaS", Lang::Da, AdviceKind::Shouting));
    }

    #[test]
    fn exclamations() {
        assert!(!has(
            "Tak! Fint! Dejligt.",
            Lang::Da,
            AdviceKind::ManyExclamations
        ));
        assert!(has(
            "Tak! Fint! Dejligt!",
            Lang::Da,
            AdviceKind::ManyExclamations
        ));
        let text = "Tak for i dag!!! Vi ses";
        let r = analyse(text, Lang::Da);
        let a = r
            .advice
            .iter()
            .find(|a| a.kind == AdviceKind::ManyExclamations);
        assert_eq!(
            a.and_then(|a| a.span).and_then(|s| s.slice(text)),
            Some("!!!")
        );
        assert!(has("Hov‼", Lang::Da, AdviceKind::ManyExclamations));
    }

    // --- Word lists ---------------------------------------------------------------------------

    #[test]
    fn absolute_words_are_whole_words_in_any_case() {
        let text = "Hun kommer ALTID for sent, og hver  gang siger I det samme.";
        let r = analyse(text, Lang::Da);
        let found: Vec<_> = r
            .advice
            .iter()
            .filter(|a| a.kind == AdviceKind::AbsoluteWord)
            .map(|a| {
                (
                    a.detail.clone().unwrap_or_default(),
                    a.span.and_then(|s| s.slice(text)),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("ALTID".to_owned(), Some("ALTID")),
                ("hver  gang".to_owned(), Some("hver  gang"))
            ]
        );
        // Not inside other words, not across punctuation.
        assert!(!has(
            "Altidens aldrigheder.",
            Lang::Da,
            AdviceKind::AbsoluteWord
        ));
        assert!(!has("Hver, gang.", Lang::Da, AdviceKind::AbsoluteWord));
    }

    #[test]
    fn a_listed_word_is_given_once_and_the_longest_phrase_wins() {
        let text = "Aldrig nogensinde. Aldrig. Aldrig.";
        assert_eq!(
            details(text, Lang::Da, AdviceKind::AbsoluteWord),
            ["Aldrig nogensinde", "Aldrig"]
        );
    }

    #[test]
    fn friendly_turns_are_not_absolute() {
        for (text, lang) in [
            (
                "I er altid velkomne til at ringe, og tøv aldrig med at spørge.",
                Lang::Da,
            ),
            ("Dere kan alltid ringe meg.", Lang::Nb),
            (
                "You are always welcome, never hesitate to ask, and don't worry.",
                Lang::En,
            ),
        ] {
            let k = kinds(text, lang);
            assert!(!k.contains(&AdviceKind::AbsoluteWord), "{text}");
            assert!(!k.contains(&AdviceKind::PhoneInstead), "{text}");
        }
    }

    #[test]
    fn blaming_words_per_language() {
        assert_eq!(
            details(
                "Det er din skyld, og I må forstå det.",
                Lang::Da,
                AdviceKind::BlamingWord
            ),
            ["din skyld", "I må forstå"]
        );
        assert_eq!(
            details(
                "Det er deres feil. Dere må forstå det.",
                Lang::Nb,
                AdviceKind::BlamingWord
            ),
            ["deres feil", "Dere må forstå"]
        );
        assert_eq!(
            details(
                "It is your fault. Why didn't you call?",
                Lang::En,
                AdviceKind::BlamingWord
            ),
            ["your fault", "Why didn't you"]
        );
        // Each language has its own lists.
        assert!(!has("It is your fault.", Lang::Da, AdviceKind::BlamingWord));
        assert!(has("Du gør det aldri.", Lang::Nb, AdviceKind::AbsoluteWord));
        assert!(!has(
            "Du gør det aldri.",
            Lang::Da,
            AdviceKind::AbsoluteWord
        ));
        // "Du skal" alone is an everyday instruction, not an accusation.
        assert!(!has(
            "Du skal huske madpakke.",
            Lang::Da,
            AdviceKind::BlamingWord
        ));
    }

    #[test]
    fn curly_and_straight_apostrophes_are_the_same() {
        assert!(has(
            "Why didn’t you say so?",
            Lang::En,
            AdviceKind::BlamingWord
        ));
        assert!(!has(
            "Don’t worry about it.",
            Lang::En,
            AdviceKind::PhoneInstead
        ));
    }

    #[test]
    fn a_hard_subject_suggests_phoning_once_with_the_first_word() {
        let text = "Vi har set en konflikt i klassen, og Ida bliver mobbet.";
        let r = analyse(text, Lang::Da);
        let phone: Vec<&Advice> = r
            .advice
            .iter()
            .filter(|a| a.kind == AdviceKind::PhoneInstead)
            .collect();
        assert_eq!(phone.len(), 1);
        assert_eq!(phone[0].detail.as_deref(), Some("konflikt"));
        assert_eq!(phone[0].span.and_then(|s| s.slice(text)), Some("konflikt"));
        assert_eq!(
            details(
                "Hun var ked af det i dag.",
                Lang::Da,
                AdviceKind::PhoneInstead
            ),
            ["ked af det"]
        );
        assert_eq!(
            details(
                "Han ble mobbet i friminuttet.",
                Lang::Nb,
                AdviceKind::PhoneInstead
            ),
            ["mobbet"]
        );
        assert_eq!(
            details(
                "She was bullied at lunch.",
                Lang::En,
                AdviceKind::PhoneInstead
            ),
            ["bullied"]
        );
        // A sick day is an everyday notice, no hard subject; an illness is.
        assert!(!has(
            "Ida er syg i dag.",
            Lang::Da,
            AdviceKind::PhoneInstead
        ));
        assert!(has(
            "Ida har en alvorlig sygdom.",
            Lang::Da,
            AdviceKind::PhoneInstead
        ));
        // "concerning" as "about" is no worry.
        assert!(!has(
            "A note concerning the trip.",
            Lang::En,
            AdviceKind::PhoneInstead
        ));
        // Stems only match from the start of a word.
        assert!(!has("En tovholder.", Lang::Da, AdviceKind::PhoneInstead));
    }

    // --- Greeting and closing ----------------------------------------------------------------

    #[test]
    fn greeting_and_closing_only_from_eight_words() {
        let seven = "Det passer fint med os på fredag.";
        assert!(kinds(seven, Lang::Da).is_empty());
        let eight = "Det passer fint med os på fredag eftermiddag.";
        assert_eq!(
            kinds(eight, Lang::Da),
            [AdviceKind::MissingGreeting, AdviceKind::MissingClosing]
        );
    }

    #[test]
    fn greeting_on_the_first_line_and_closing_on_the_last_lines() {
        let text = "\n  Kære forældre\n\nDer er forældremøde torsdag kl. 19 i klassen.\n\n\
                    Venlig hilsen\nAnne Hansen\nKlasselærer, 3.b\nSkovvejens Skole\nTlf. 12 34 56 78\n";
        assert!(
            kinds(text, Lang::Da).is_empty(),
            "{:?}",
            kinds(text, Lang::Da)
        );
        // A greeting later than the first line does not count.
        let late = "Forældremøde\nHej alle, der er forældremøde torsdag kl. 19.\nMvh Anne";
        assert_eq!(kinds(late, Lang::Da), [AdviceKind::MissingGreeting]);
        // A closing higher up than the last five lines does not count.
        let early = "Hej alle\nTak for sidst.\na\nb\nc\nd\ne\nVi har forældremøde torsdag.";
        assert_eq!(kinds(early, Lang::Da), [AdviceKind::MissingClosing]);
        // Leading emoji or punctuation before the greeting is fine; greetings match whole words.
        let emoji = "🌞 Hej alle! Der er forældremøde torsdag kl. 19. Hilsen Anne";
        assert!(kinds(emoji, Lang::Da).is_empty());
        let not = "Hejre og hejrer er fugle, der står i søen. Hilsen Anne";
        assert_eq!(kinds(not, Lang::Da), [AdviceKind::MissingGreeting]);
    }

    #[test]
    fn greetings_and_closings_of_every_language_count() {
        let text = "Hei Anne, we will come to the meeting on Thursday. Mvh Ole";
        assert!(kinds(text, Lang::En).is_empty());
        let text = "Good morning, vi kommer gerne til mødet på torsdag. Best, Ole";
        assert!(kinds(text, Lang::Da).is_empty());
    }

    // --- Names, order, robustness -------------------------------------------------------------

    #[test]
    fn kind_names_are_the_serde_names() {
        // serde's `snake_case` puts `_` before every capital after the first and lowers them.
        fn snake(name: &str) -> String {
            let mut out = String::new();
            for (i, c) in name.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    out.push('_');
                }
                out.extend(c.to_lowercase());
            }
            out
        }
        for kind in AdviceKind::ALL {
            assert_eq!(kind.as_str(), snake(&format!("{kind:?}")));
            assert_eq!(AdviceKind::from_name(kind.as_str()), Some(kind));
        }
        for level in [
            Readability::Easy,
            Readability::Medium,
            Readability::Hard,
            Readability::VeryHard,
        ] {
            assert_eq!(level.as_str(), snake(&format!("{level:?}")));
        }
        assert_eq!(AdviceKind::PhoneInstead.as_str(), "phone_instead");
        assert_eq!(AdviceKind::from_name("nope"), None);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let texts = [
            "!!!???...:::",
            "’’’ ' ' 'a' a'",
            "e\u{301}\u{301}\u{301} \u{301}a",
            "İSTANBUL İSTANBUL ǅemal",
            "👨‍👩‍👧 HEJ 👍🏽 MOR!! 😊",
            "\r\n\r\n\u{2028}\u{2029}\u{85}",
            "漢字かな交じり文。テスト！",
            "مرحبا بالعالم. كيف حالك؟",
        ];
        for text in texts {
            for lang in Lang::ALL {
                check_spans(text, &analyse(text, lang));
            }
        }
    }

    #[test]
    fn a_megabyte_of_text_is_handled() {
        let unit = "Kære forældre, vi har ALTID haft det SJOVT i klassen!! Ærø-tur på fredag 😊.\n";
        let text = unit.repeat(1_000_000 / unit.len() + 1);
        assert!(text.len() > 1_000_000);
        let r = analyse(&text, Lang::Da);
        check_spans(&text, &r);
        // Each listed word is given once, however often it appears.
        assert!(r.advice.len() < 10, "{:?}", r.advice);
        let one_word = "a".repeat(1_000_000);
        check_spans(&one_word, &analyse(&one_word, Lang::En));
        let marks = "!.".repeat(500_000);
        check_spans(&marks, &analyse(&marks, Lang::Nb));
    }

    fn check_spans(text: &str, report: &ToneReport) {
        assert!(report.lix.is_finite() && report.lix >= 0.0);
        for a in &report.advice {
            if let Some(s) = a.span {
                assert!(s.start < s.end && s.end <= text.len(), "{a:?}");
                assert!(
                    text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                    "{a:?}"
                );
                assert!(s.slice(text).is_some());
            }
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_are_on_char_boundaries(text in "\\PC*", lang in 0..3usize) {
            let lang = Lang::ALL[lang];
            check_spans(&text, &analyse(&text, lang));
        }

        #[test]
        fn never_panics_on_wordy_text(
            text in "([A-ZÆØÅa-zæøå’'!?.:…\n ]|HEJ|ALTID|aldrig|din skyld|mobbet|Hej|Mvh|😊|\u{301}){0,200}",
            lang in 0..3usize,
        ) {
            let lang = Lang::ALL[lang];
            let report = analyse(&text, lang);
            check_spans(&text, &report);
            // Readability advice comes first, the rest in the order of the text.
            let readability = [
                AdviceKind::HardToRead,
                AdviceKind::VeryHardToRead,
                AdviceKind::LongSentence,
                AdviceKind::LongWord,
            ];
            let first_other = report
                .advice
                .iter()
                .position(|a| !readability.contains(&a.kind))
                .unwrap_or(report.advice.len());
            prop_assert!(report.advice[first_other..].iter().all(|a| !readability.contains(&a.kind)));
        }
    }
}
