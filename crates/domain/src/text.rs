//! Limits on text that people type, so that over-long input gets a clear answer.

/// Names of persons and classes.
pub const MAX_NAME_CHARS: usize = 100;
/// Usernames.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Why a piece of text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("empty")]
    Empty,
    #[error("longer than {0} characters")]
    TooLong(usize),
    #[error("contains control characters")]
    Control,
}

/// A trimmed text of several lines, at most `max` characters; `None` when empty. Line breaks
/// and tabs are kept, other control characters refused.
pub fn multi_line(input: &str, max: usize) -> Result<Option<String>, TextProblem> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(TextProblem::TooLong(max));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextProblem::Control);
    }
    Ok(Some(t.replace("\r\n", "\n")))
}

/// A trimmed single-line text of at most `max` characters.
/// Whether `c` changes the direction text is shown in (marks, embeddings, overrides, isolates)
/// or is an invisible byte-order mark: in a file name, `faktura\u{202E}fdp.exe` is shown as
/// `fakturaexe.pdf`. Joiners (U+200C, U+200D) are not among them: Persian and emoji need them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

pub fn single_line(input: &str, max: usize) -> Result<String, TextProblem> {
    let t = input.trim();
    if t.is_empty() {
        return Err(TextProblem::Empty);
    }
    if t.chars().count() > max {
        return Err(TextProblem::TooLong(max));
    }
    if t.chars().any(char::is_control) {
        return Err(TextProblem::Control);
    }
    Ok(t.to_owned())
}

/// A username: lower-case letters, digits, `.`, `-`, `_`.
pub fn username(input: &str) -> Result<String, TextProblem> {
    let t = single_line(input, MAX_USERNAME_CHARS)?.to_lowercase();
    if t.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        Ok(t)
    } else {
        Err(TextProblem::Control)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_known_and_joiners_are_not() {
        assert!("a\u{202E}b".chars().any(is_bidi_control));
        assert!("\u{2067}x\u{2069}"
            .chars()
            .all(|c| c == 'x' || is_bidi_control(c)));
        assert!(!"می\u{200C}خواهم".chars().any(is_bidi_control));
        assert!(!"Ærø".chars().any(is_bidi_control));
    }

    #[test]
    fn single_line_rules() {
        assert_eq!(single_line("  Ida  ", 10), Ok("Ida".into()));
        assert_eq!(single_line("   ", 10), Err(TextProblem::Empty));
        assert_eq!(single_line("Åse Ødegård", 11), Ok("Åse Ødegård".into()));
        assert_eq!(
            single_line("Åse Ødegård", 10),
            Err(TextProblem::TooLong(10))
        );
        assert_eq!(single_line("a\nb", 10), Err(TextProblem::Control));
    }

    #[test]
    fn usernames_are_folded_and_plain() {
        assert_eq!(username("Guardian1"), Ok("guardian1".into()));
        assert!(username("a b").is_err());
        assert!(username("<script>").is_err());
    }
    #[test]
    fn several_lines_keep_their_breaks() {
        assert_eq!(multi_line("  a\r\nb ", 10), Ok(Some("a\nb".into())));
        assert_eq!(multi_line("   ", 10), Ok(None));
        assert!(multi_line("a\u{7}", 10).is_err());
        assert!(multi_line("abcdef", 5).is_err());
    }
}
