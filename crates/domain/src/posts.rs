//! Posts and newsletters (MSG-5) and class photo albums with the families' consent.
//!
//! A post is written once to an audience — a class, a grade, the staff, or the whole school — and
//! read by everyone the audience covers: who sees it is decided when it is read (fan-out on
//! read, see `access::post_scope`), so a post to a 600-pupil school is one row. This module holds
//! the rules a post must meet before it is stored, and the consent rule of photos.

use crate::people::{Access, ClassId, PersonId};

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest text of a post, in characters: a long newsletter fits.
pub const MAX_BODY_CHARS: usize = 20_000;
/// The longest photo caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 300;
/// At most this many images on one post.
pub const MAX_IMAGES: usize = 10;
/// A scheduled time this far in the past is still accepted as "now" (clock skew, a slow form).
pub const SCHEDULE_GRACE_SECS: i64 = 120;
/// How many posts one page of a list shows.
pub const PAGE_SIZE: i64 = 20;

/// Who a post is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Class(ClassId),
    Grade(i64),
    Staff,
    School,
}

impl Audience {
    /// The stored name of the kind.
    pub fn kind(self) -> &'static str {
        match self {
            Audience::Class(_) => "class",
            Audience::Grade(_) => "grade",
            Audience::Staff => "staff",
            Audience::School => "school",
        }
    }

    /// Back from the stored kind and its columns; `None` for a row that does not fit.
    pub fn from_parts(kind: &str, class: Option<i64>, grade: Option<i64>) -> Option<Audience> {
        match (kind, class, grade) {
            ("class", Some(c), _) => Some(Audience::Class(ClassId(c))),
            ("grade", _, Some(g)) => Some(Audience::Grade(g)),
            ("staff", _, _) => Some(Audience::Staff),
            ("school", _, _) => Some(Audience::School),
            _ => None,
        }
    }

    /// Whether the families (guardians and pupils) are among the readers.
    pub fn reaches_families(self) -> bool {
        !matches!(self, Audience::Staff)
    }
}

/// Why a post is refused. Each is answered 422 with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostProblem {
    #[error("the title is empty")]
    TitleEmpty,
    #[error("the title is longer than {MAX_TITLE_CHARS} characters")]
    TitleTooLong,
    #[error("the title must be one line")]
    TitleControl,
    #[error("the text is empty")]
    BodyEmpty,
    #[error("the text is longer than {MAX_BODY_CHARS} characters")]
    BodyTooLong,
    /// A control character other than a line break or tab (PostgreSQL cannot store NUL).
    #[error("the text contains characters that cannot be stored")]
    BodyControl,
    #[error("the scheduled time has passed; choose a time in the future or publish now")]
    ScheduledInPast,
    #[error("the audience must be exactly one of a class, a grade, the staff or the whole school")]
    Audience,
    #[error("no such grade at this school")]
    Grade,
}

/// A post's title and text, trimmed, checked against the limits.
pub fn check_post(title: &str, body: &str) -> Result<(String, String), PostProblem> {
    let title = title.trim();
    if title.is_empty() {
        return Err(PostProblem::TitleEmpty);
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(PostProblem::TitleTooLong);
    }
    if title.chars().any(char::is_control) {
        return Err(PostProblem::TitleControl);
    }
    let body = body.trim();
    if body.is_empty() {
        return Err(PostProblem::BodyEmpty);
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(PostProblem::BodyTooLong);
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(PostProblem::BodyControl);
    }
    Ok((title.to_owned(), body.to_owned()))
}

/// When a post is published: now when no time is asked for; a time in the future as asked; a
/// time in the past (beyond a small grace for clocks and slow forms) is refused.
pub fn publish_time(requested: Option<i64>, now: i64) -> Result<i64, PostProblem> {
    match requested {
        None => Ok(now),
        Some(at) if at < now - SCHEDULE_GRACE_SECS => Err(PostProblem::ScheduledInPast),
        Some(at) => Ok(at.max(now)),
    }
}

/// The keyset cursor of a list of posts, newest first: the last post's publishing time and id.
pub use crate::paging::Cursor;

/// One guardian's answer about photos of a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentAnswer {
    pub access: Access,
    pub consent: bool,
}

/// Whether a pupil's photos may be shown to others: the guardians with custody decide, and a
/// single refusal among them outweighs any consent; without an answer there is no consent.
/// Information-only guardians and guardians without access are not asked.
pub fn consent_given(answers: &[ConsentAnswer]) -> bool {
    let deciding = answers.iter().filter(|a| a.access == Access::Full);
    let mut any_yes = false;
    for a in deciding {
        if !a.consent {
            return false;
        }
        any_yes = true;
    }
    any_yes
}

/// A pupil tagged in a photo, with whether their family consents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub pupil_id: PersonId,
    pub consent: bool,
}

/// Whether a photo of the album is shown to one reader. Every tagged pupil without consent keeps
/// the photo from others; the pupil's own guardians (and the pupil) still see it. The staff who
/// run the album (`manages`) see every photo, marked, so that they can take it down.
pub fn photo_visible(tags: &[Tag], own_children: &[PersonId], me: PersonId, manages: bool) -> bool {
    manages
        || tags
            .iter()
            .all(|t| t.consent || own_children.contains(&t.pupil_id) || t.pupil_id == me)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_text_with_control_characters_is_refused() {
        assert_eq!(check_post("Trip", "a\0b"), Err(PostProblem::BodyControl));
        assert_eq!(
            check_post("Trip", "a\u{1b}[31m"),
            Err(PostProblem::BodyControl)
        );
        assert!(check_post("Trip", "Line one\r\nLine\ttwo").is_ok());
    }

    #[test]
    fn a_post_needs_a_one_line_title_and_a_text_within_limits() {
        assert_eq!(
            check_post("  Juleklip ", " Tag saks med. "),
            Ok(("Juleklip".into(), "Tag saks med.".into()))
        );
        assert_eq!(check_post(" ", "x"), Err(PostProblem::TitleEmpty));
        assert_eq!(check_post("x", "  "), Err(PostProblem::BodyEmpty));
        assert_eq!(
            check_post(&"a".repeat(MAX_TITLE_CHARS + 1), "x"),
            Err(PostProblem::TitleTooLong)
        );
        assert!(check_post(&"æ".repeat(MAX_TITLE_CHARS), "x").is_ok());
        assert_eq!(check_post("a\nb", "x"), Err(PostProblem::TitleControl));
        assert_eq!(
            check_post("x", &"b".repeat(MAX_BODY_CHARS + 1)),
            Err(PostProblem::BodyTooLong)
        );
        // Line breaks belong in a newsletter's text.
        assert!(check_post("x", "line one\nline two").is_ok());
    }

    #[test]
    fn scheduled_times_must_lie_ahead() {
        let now = 1_800_000_000;
        assert_eq!(publish_time(None, now), Ok(now));
        assert_eq!(publish_time(Some(now + 3600), now), Ok(now + 3600));
        // A moment ago is now; an hour ago is refused.
        assert_eq!(publish_time(Some(now - 30), now), Ok(now));
        assert_eq!(
            publish_time(Some(now - 3600), now),
            Err(PostProblem::ScheduledInPast)
        );
        assert_eq!(
            publish_time(Some(now - SCHEDULE_GRACE_SECS - 1), now),
            Err(PostProblem::ScheduledInPast)
        );
    }

    #[test]
    fn audiences_round_trip_through_their_stored_form() {
        for a in [
            Audience::Class(ClassId(7)),
            Audience::Grade(3),
            Audience::Staff,
            Audience::School,
        ] {
            let (class, grade) = match a {
                Audience::Class(c) => (Some(c.0), None),
                Audience::Grade(g) => (None, Some(g)),
                _ => (None, None),
            };
            assert_eq!(Audience::from_parts(a.kind(), class, grade), Some(a));
        }
        assert_eq!(Audience::from_parts("class", None, None), None);
        assert_eq!(Audience::from_parts("town", None, None), None);
        assert!(!Audience::Staff.reaches_families());
        assert!(Audience::Grade(1).reaches_families());
    }

    fn answer(access: Access, consent: bool) -> ConsentAnswer {
        ConsentAnswer { access, consent }
    }

    #[test]
    fn the_custodial_guardians_decide_and_a_refusal_wins() {
        assert!(!consent_given(&[]));
        assert!(consent_given(&[answer(Access::Full, true)]));
        assert!(!consent_given(&[
            answer(Access::Full, true),
            answer(Access::Full, false)
        ]));
        // An information-only guardian neither gives nor withholds consent.
        assert!(!consent_given(&[answer(Access::Info, true)]));
        assert!(consent_given(&[
            answer(Access::Full, true),
            answer(Access::Info, false)
        ]));
    }

    #[test]
    fn a_photo_of_a_pupil_without_consent_is_shown_only_to_the_family() {
        let (a, b) = (PersonId(1), PersonId(2));
        let me = PersonId(99);
        let both = [
            Tag {
                pupil_id: a,
                consent: true,
            },
            Tag {
                pupil_id: b,
                consent: false,
            },
        ];
        assert!(!photo_visible(&both, &[], me, false));
        assert!(!photo_visible(&both, &[a], me, false));
        assert!(photo_visible(&both, &[b], me, false));
        // The pupil sees their own photo.
        assert!(photo_visible(&both, &[], b, false));
        // The album's staff see it, to take it down.
        assert!(photo_visible(&both, &[], me, true));
        // A photo with no one tagged, or only consenting pupils, is for the whole class.
        assert!(photo_visible(&[], &[], me, false));
        assert!(photo_visible(&both[..1], &[], me, false));
    }
}
