//! Messages between school and home (MSG-1, MSG-4): kinds, limits, and who a reply reaches.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::people::{PersonId, UnknownValue};
use crate::text::TextProblem;

/// Subjects are one line.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// A message body: a long letter fits; a pasted book does not.
pub const MAX_BODY_CHARS: usize = 10_000;
/// Recipients of one new conversation: a whole school's guardians fit.
pub const MAX_RECIPIENTS: usize = 5_000;

/// What kind of message a conversation carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    #[default]
    Ordinary,
    /// Praise and good news, counted apart so the school sees the balance (MSG-4).
    Praise,
    /// Never quoted in a notification or e-mail: only "you have a message" (MSG-1).
    Sensitive,
}

impl MessageKind {
    pub const ALL: [MessageKind; 3] = [
        MessageKind::Ordinary,
        MessageKind::Praise,
        MessageKind::Sensitive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Ordinary => "ordinary",
            MessageKind::Praise => "praise",
            MessageKind::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MessageKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MessageKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue::new("message kind", s))
    }
}

/// A subject: one trimmed line.
pub fn subject(input: &str) -> Result<String, TextProblem> {
    crate::text::single_line(input, MAX_SUBJECT_CHARS)
}

/// A body: trimmed, not empty, line breaks and tabs kept, other control characters refused.
pub fn body(input: &str) -> Result<String, TextProblem> {
    let t = input.trim();
    if t.is_empty() {
        return Err(TextProblem::Empty);
    }
    if t.chars().count() > MAX_BODY_CHARS {
        return Err(TextProblem::TooLong(MAX_BODY_CHARS));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(TextProblem::Control);
    }
    Ok(t.replace("\r\n", "\n"))
}

/// A recipient as far as families go: a guardian with their children, a pupil (their own
/// family), or staff (no family).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Household {
    Staff,
    Guardian { children: Vec<PersonId> },
    Pupil { id: PersonId },
}

/// How many families a set of recipients spans. Guardians who share a child are one family; a
/// pupil belongs to the family of their guardians. Staff are not a family.
pub fn families(recipients: &[Household]) -> usize {
    // Union-find over the children: every guardian joins their children into one family.
    let mut parent: HashMap<PersonId, PersonId> = HashMap::new();
    fn find(parent: &mut HashMap<PersonId, PersonId>, x: PersonId) -> PersonId {
        let p = *parent.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let root = find(parent, p);
        parent.insert(x, root);
        root
    }
    let mut any_family = false;
    for r in recipients {
        match r {
            Household::Staff => {}
            Household::Pupil { id } => {
                any_family = true;
                find(&mut parent, *id);
            }
            Household::Guardian { children } => {
                any_family = true;
                let Some((first, rest)) = children.split_first() else {
                    continue;
                };
                let a = find(&mut parent, *first);
                for c in rest {
                    let b = find(&mut parent, *c);
                    if a != b {
                        parent.insert(b, a);
                    }
                }
            }
        }
    }
    let keys: Vec<PersonId> = parent.keys().copied().collect();
    let mut roots: Vec<PersonId> = keys.into_iter().map(|k| find(&mut parent, k)).collect();
    roots.sort();
    roots.dedup();
    // A guardian without children on record is still someone's family.
    roots.len().max(usize::from(any_family))
}

/// Where a reply goes (MSG-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyRoute {
    /// Into the conversation: everyone in it reads the reply.
    Everyone,
    /// To the one who started the conversation alone, in a private side conversation: a letter
    /// to many families must not become a reply-all flood.
    StarterAlone,
}

/// Where a reply by `author` goes in a conversation started by `starter` that spans
/// `families` families and may have been opened to all by its starter.
pub fn reply_route(
    author: PersonId,
    starter: PersonId,
    families: usize,
    open_to_all: bool,
) -> ReplyRoute {
    if author == starter || open_to_all || families <= 1 {
        ReplyRoute::Everyone
    } else {
        ReplyRoute::StarterAlone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(children: &[i64]) -> Household {
        Household::Guardian {
            children: children.iter().map(|c| PersonId(*c)).collect(),
        }
    }

    #[test]
    fn families_join_through_shared_children() {
        assert_eq!(families(&[]), 0);
        assert_eq!(families(&[Household::Staff, Household::Staff]), 0);
        // Two parents of one child: one family.
        assert_eq!(families(&[g(&[1]), g(&[1])]), 1);
        // Two households of one child are still one family for the child.
        assert_eq!(families(&[g(&[1, 2]), g(&[2])]), 1);
        // Parents of different children: two families.
        assert_eq!(families(&[g(&[1]), g(&[2])]), 2);
        // A pupil with their own guardian: one family.
        assert_eq!(
            families(&[g(&[1]), Household::Pupil { id: PersonId(1) }]),
            1
        );
        assert_eq!(
            families(&[g(&[1]), Household::Pupil { id: PersonId(3) }]),
            2
        );
        // Siblings chain families together.
        assert_eq!(families(&[g(&[1]), g(&[2]), g(&[1, 2])]), 1);
        assert_eq!(families(&[g(&[])]), 1);
    }

    #[test]
    fn replies_to_many_families_go_to_the_starter_alone() {
        let (starter, parent) = (PersonId(1), PersonId(2));
        assert_eq!(
            reply_route(parent, starter, 25, false),
            ReplyRoute::StarterAlone
        );
        assert_eq!(reply_route(parent, starter, 25, true), ReplyRoute::Everyone);
        assert_eq!(reply_route(parent, starter, 1, false), ReplyRoute::Everyone);
        assert_eq!(
            reply_route(starter, starter, 25, false),
            ReplyRoute::Everyone
        );
    }

    #[test]
    fn bodies_keep_lines_and_refuse_control_characters() {
        assert_eq!(body("  Hej\r\nmed dig \n"), Ok("Hej\nmed dig".into()));
        assert_eq!(body("  "), Err(TextProblem::Empty));
        assert_eq!(body("a\u{0}b"), Err(TextProblem::Control));
        let long = "x".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(body(&long), Err(TextProblem::TooLong(MAX_BODY_CHARS)));
        assert!(body(&"æ".repeat(MAX_BODY_CHARS)).is_ok());
        assert_eq!(subject("a\nb"), Err(TextProblem::Control));
    }

    #[test]
    fn kinds_round_trip() {
        for k in MessageKind::ALL {
            assert_eq!(k.as_str().parse::<MessageKind>(), Ok(k));
        }
        assert!("urgent".parse::<MessageKind>().is_err());
    }
}
