//! The electronic contact book of a class (MSG-7): the guardians of the class with the contact
//! details each chose to share. Protected details (PEO-3) never appear: not on the page, not in
//! the CSV export, not in the vCard file, whatever the guardian chose.

/// What a guardian chose to share with the other families of their children's classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sharing {
    pub email: bool,
    pub phone: bool,
    pub address: bool,
}

/// A guardian's stored contact details.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Details {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// The details the contact book shows: only what was shared, and nothing of a person with name
/// and address protection. A protected guardian looks exactly like one who shares nothing, so
/// the book does not reveal the protection either.
pub fn shown(protected: bool, sharing: Sharing, details: &Details) -> Details {
    if protected {
        return Details::default();
    }
    let keep = |on: bool, v: &Option<String>| {
        if on {
            v.clone().filter(|s| !s.trim().is_empty())
        } else {
            None
        }
    };
    Details {
        email: keep(sharing.email, &details.email),
        phone: keep(sharing.phone, &details.phone),
        address: keep(sharing.address, &details.address),
    }
}

/// A cell for a CSV file that spreadsheets open: a cell starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be read as a formula, so it is prefixed with an apostrophe
/// (OWASP, CSV injection).
pub fn csv_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

/// A text value in a vCard (RFC 6350 §3.4): backslash, comma and semicolon escaped, line
/// breaks as `\n`, other control characters dropped.
pub fn vcard_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 6350 §3.2), never inside a character; ends it with
/// CRLF.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// One vCard 4.0 for a guardian of the contact book, with only the shown details.
pub fn vcard(given: &str, family: &str, details: &Details) -> String {
    let mut card = String::new();
    card.push_str("BEGIN:VCARD\r\n");
    card.push_str("VERSION:4.0\r\n");
    card.push_str(&fold_line(&format!(
        "N:{};{};;;",
        vcard_text(family),
        vcard_text(given)
    )));
    card.push_str(&fold_line(&format!(
        "FN:{}",
        vcard_text(&format!("{given} {family}"))
    )));
    if let Some(email) = &details.email {
        card.push_str(&fold_line(&format!("EMAIL:{}", vcard_text(email))));
    }
    if let Some(phone) = &details.phone {
        card.push_str(&fold_line(&format!("TEL;VALUE=text:{}", vcard_text(phone))));
    }
    if let Some(address) = &details.address {
        // The whole address in the street component: we do not parse addresses.
        card.push_str(&fold_line(&format!("ADR:;;{};;;;", vcard_text(address))));
    }
    card.push_str("END:VCARD\r\n");
    card
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> Details {
        Details {
            email: Some("a@example.org".into()),
            phone: Some("+45 12 34 56 78".into()),
            address: Some("Skolevej 1".into()),
        }
    }

    #[test]
    fn only_shared_details_are_shown_and_protected_ones_never() {
        let all = Sharing {
            email: true,
            phone: true,
            address: true,
        };
        assert_eq!(shown(false, all, &details()), details());
        assert_eq!(shown(true, all, &details()), Details::default());
        let phone_only = Sharing {
            phone: true,
            ..Sharing::default()
        };
        let d = shown(false, phone_only, &details());
        assert_eq!(d.email, None);
        assert_eq!(d.address, None);
        assert_eq!(d.phone.as_deref(), Some("+45 12 34 56 78"));
        assert_eq!(
            shown(false, Sharing::default(), &details()),
            Details::default()
        );
    }

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+45 1234"), "'+45 1234");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Anna"), "Anna");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn vcard_text_is_escaped_and_lines_folded() {
        assert_eq!(vcard_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(vcard_text("x\r\ny\u{7}"), "x\\ny");
        let long = format!("FN:{}", "æ".repeat(60));
        let folded = fold_line(&long);
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
        let card = vcard(
            "Anna;X",
            "Berg",
            &Details {
                email: None,
                phone: Some("12".into()),
                address: None,
            },
        );
        assert!(card.contains("N:Berg;Anna\\;X;;;\r\n"));
        assert!(card.contains("TEL;VALUE=text:12\r\n"));
        assert!(!card.contains("EMAIL"));
        assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    }
}
