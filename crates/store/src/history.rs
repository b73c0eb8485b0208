//! A message history for measuring: many conversations between staff and families across a
//! school, as two school years of use would leave them, written in one transaction with
//! multi-row inserts (`skolebro-bench messages`, `skolebro-bench seed`).
//!
//! Deterministic like the demo school: the same school and options give the same history. Most
//! conversations are between one family and a teacher of its child's class; some are a teacher's
//! message to every family of a class, some go through the school's leadership. One member of
//! staff and one guardian (the bench uses `teacher1` and `guardian1`) can be put in a few hundred
//! conversations together, so that their inboxes are the long ones that get measured.

use std::collections::{HashMap, HashSet};

use skolebro_domain::{PersonId, SchoolId};
use sqlx::Row;

use crate::db::{insert_rows, Val};
use crate::rng::Rng;
use crate::{Result, Store, StoreError};

/// What history to write.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Messages in all.
    pub messages: u64,
    /// The instant of the latest message; the history spans the two school years before it.
    pub end: i64,
    /// A member of staff and a guardian to put in about one conversation in thirty together.
    pub focus: Option<(PersonId, PersonId)>,
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistorySummary {
    pub threads: u64,
    pub messages: u64,
    pub participants: u64,
}

const DK_SUBJECTS: &[&str] = &[
    "Udflugt til skoven på fredag",
    "Sygdom i dag",
    "Lektier i matematik",
    "Forældremøde i næste uge",
    "Glemt madpakke",
    "Tak for en god skole-hjem-samtale",
    "Fravær på grund af tandlæge",
    "Trivsel i klassen",
    "Svømning i morgen",
    "Spørgsmål om ferie",
    "Ros: flot fremlæggelse",
    "Konflikt i frikvarteret",
];
const DK_SENTENCES: &[&str] = &[
    "Hej, jeg skriver lige angående i morgen.",
    "Husk at pakke tøj til al slags vejr.",
    "Vi går fra skolen kl. 8.15 og er tilbage inden frokost.",
    "Tak for beskeden, det har vi noteret.",
    "Kan vi tage en snak om det i telefonen en af dagene?",
    "Hun har haft det lidt svært i frikvartererne den seneste uge.",
    "Han er syg i dag og bliver hjemme.",
    "Lektierne ligger i ugeplanen, og der er hjælp at hente i lektiecaféen.",
    "Det gik rigtig godt i dag, han var meget engageret.",
    "Vi ser frem til at se jer til forældremødet.",
    "Mange hilsner",
    "Venlig hilsen",
];
const NO_SUBJECTS: &[&str] = &[
    "Tur i skogen på fredag",
    "Syk i dag",
    "Lekser i matematikk",
    "Foreldremøte neste uke",
    "Glemt matpakke",
    "Takk for en god utviklingssamtale",
    "Fravær på grunn av tannlege",
    "Trivsel i klassen",
    "Svømming i morgen",
    "Spørsmål om ferie",
    "Ros: flott framføring",
    "Konflikt i friminuttet",
];
const NO_SENTENCES: &[&str] = &[
    "Hei, jeg skriver angående i morgen.",
    "Husk klær etter vær.",
    "Vi går fra skolen kl. 8.15 og er tilbake før lunsj.",
    "Takk for beskjeden, det har vi notert.",
    "Kan vi ta en prat om det på telefon en av dagene?",
    "Hun har hatt det litt vanskelig i friminuttene den siste uken.",
    "Han er syk i dag og blir hjemme.",
    "Leksene ligger i ukeplanen, og det er hjelp å få i leksehjelpen.",
    "Det gikk veldig bra i dag, han var svært engasjert.",
    "Vi gleder oss til å se dere på foreldremøtet.",
    "Mange hilsener",
    "Vennlig hilsen",
];

/// Two school years.
const SPAN_SECS: i64 = 2 * 365 * 24 * 3600;

struct Class {
    /// (person, contact teacher)
    staff: Vec<(i64, bool)>,
    /// The guardians (full or information access) of each pupil.
    families: Vec<Vec<i64>>,
}

struct NewThread {
    subject: &'static str,
    kind: &'static str,
    starter: i64,
    /// Everyone in it, the starter first.
    people: Vec<i64>,
    families: i64,
    created_at: i64,
    /// (author, body, sent_at), oldest first.
    messages: Vec<(i64, String, i64)>,
}

impl Store {
    /// Writes a message history into a school that has classes, staff and families (such as
    /// the demo school), in one transaction.
    pub async fn create_history(
        &self,
        school_id: SchoolId,
        options: &HistoryOptions,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<HistorySummary> {
        let country: String = sqlx::query_scalar("SELECT country FROM school WHERE id = $1")
            .bind(school_id.0)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound)?;
        let (subjects, sentences) = if country == "no" {
            (NO_SUBJECTS, NO_SENTENCES)
        } else {
            (DK_SUBJECTS, DK_SENTENCES)
        };

        // The school as the history needs it: classes with their staff and families.
        let mut classes: HashMap<i64, Class> = HashMap::new();
        for r in sqlx::query(
            "SELECT class_id, person_id, contact_teacher FROM class_staff WHERE school_id = $1 \
             ORDER BY class_id, contact_teacher DESC, person_id",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        {
            classes
                .entry(r.try_get("class_id")?)
                .or_insert_with(|| Class {
                    staff: Vec::new(),
                    families: Vec::new(),
                })
                .staff
                .push((
                    r.try_get("person_id")?,
                    r.try_get::<i64, _>("contact_teacher")? != 0,
                ));
        }
        let mut family_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in sqlx::query(
            "SELECT pupil_id, guardian_id FROM guardianship WHERE school_id = $1 \
             AND access IN ('full', 'info') ORDER BY pupil_id, guardian_id",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        {
            family_of
                .entry(r.try_get("pupil_id")?)
                .or_default()
                .push(r.try_get("guardian_id")?);
        }
        for r in sqlx::query(
            "SELECT pupil_id, class_id FROM enrolment WHERE school_id = $1 ORDER BY pupil_id",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?
        {
            let pupil: i64 = r.try_get("pupil_id")?;
            if let (Some(class), Some(family)) = (
                classes.get_mut(&r.try_get::<i64, _>("class_id")?),
                family_of.get(&pupil),
            ) {
                class.families.push(family.clone());
            }
        }
        let leaders: Vec<i64> = sqlx::query_scalar(
            "SELECT person_id FROM membership WHERE school_id = $1 AND role = 'leader' \
             ORDER BY person_id",
        )
        .bind(school_id.0)
        .fetch_all(self.reader())
        .await?;
        let mut class_ids: Vec<i64> = classes
            .iter()
            .filter(|(_, c)| !c.staff.is_empty() && !c.families.is_empty())
            .map(|(id, _)| *id)
            .collect();
        class_ids.sort_unstable();
        if class_ids.is_empty() {
            return Err(StoreError::Invalid(
                "a history needs a class with staff and families".into(),
            ));
        }
        // The focus pair: the staff member with the family of one of the guardian's children.
        let focus = options.focus.and_then(|(staff, guardian)| {
            let family = family_of
                .values()
                .filter(|f| f.contains(&guardian.0))
                .min()?
                .clone();
            Some((staff.0, family))
        });

        // The conversations, made in memory first.
        let mut rng = Rng(0x4157_0000 ^ options.seed);
        let start = options.end - SPAN_SECS;
        let mut used_instants: HashSet<i64> = HashSet::new();
        let mut threads: Vec<NewThread> = Vec::new();
        let mut left = options.messages;
        while left > 0 {
            let roll = rng.below(100);
            let class = &classes[rng.pick(&class_ids)];
            let contact = class
                .staff
                .iter()
                .find(|(_, c)| *c)
                .unwrap_or(&class.staff[0])
                .0;
            let (starter, people, families, count) = match (roll, &focus) {
                (0..=2, Some((staff, family))) => {
                    let starter = if rng.below(2) == 0 { *staff } else { family[0] };
                    (starter, pair(*staff, family), 1, 1 + rng.below(12))
                }
                (3..=12, _) => {
                    // One teacher to every family of the class: replies go to the teacher alone,
                    // so the conversation itself stays short.
                    let mut people = vec![contact];
                    for g in class.families.iter().flatten() {
                        if !people.contains(g) {
                            people.push(*g);
                        }
                    }
                    let n = class.families.len() as i64;
                    (contact, people, n, 1 + usize::from(rng.below(5) == 0))
                }
                (13..=15, _) if !leaders.is_empty() => {
                    let leader = *rng.pick(&leaders);
                    let family = rng.pick(&class.families);
                    let starter = if rng.below(2) == 0 { leader } else { family[0] };
                    (starter, pair(leader, family), 1, 1 + rng.below(6))
                }
                _ => {
                    let staff = if rng.below(10) < 6 {
                        contact
                    } else {
                        rng.pick(&class.staff).0
                    };
                    let family = rng.pick(&class.families);
                    let starter = if rng.below(100) < 55 {
                        staff
                    } else {
                        *rng.pick(family)
                    };
                    // Mostly a few messages, now and then a long exchange (1 to 19).
                    let count = 1 + rng.below(6) + rng.below(6) + rng.below(3) * rng.below(5);
                    (starter, pair(staff, family), 1, count)
                }
            };
            let count = (count as u64).min(left);
            left -= count;
            let mut at = start + (rng.next_u64() % SPAN_SECS as u64) as i64;
            while !used_instants.insert(at) {
                at += 1;
            }
            let created_at = at;
            let mut people = people;
            if let Some(i) = people.iter().position(|p| *p == starter) {
                people.swap(0, i);
            }
            let mut messages = Vec::with_capacity(count as usize);
            for i in 0..count {
                // Back and forth between the starter and the others; to many families, only the
                // starter writes here.
                let author = if i % 2 == 0 || families > 1 || people.len() < 2 {
                    starter
                } else {
                    people[1 + rng.below(people.len() - 1)]
                };
                let mut body = String::new();
                for _ in 0..1 + rng.below(3) {
                    if !body.is_empty() {
                        body.push(' ');
                    }
                    body.push_str(sentences[rng.below(sentences.len())]);
                }
                messages.push((author, body, at.min(options.end)));
                // Five minutes to ten hours later.
                at += 60 * (5 + rng.below(600)) as i64;
            }
            let kind = match rng.below(100) {
                0..=9 => "praise",
                10..=14 => "sensitive",
                _ => "ordinary",
            };
            threads.push(NewThread {
                subject: subjects[rng.below(subjects.len())],
                kind,
                starter,
                people,
                families,
                created_at,
                messages,
            });
        }
        threads.sort_by_key(|t| t.created_at);

        let participants: u64 = threads.iter().map(|t| t.people.len() as u64).sum();
        let total = threads.len() as u64 + options.messages + participants;
        let mut done = 0u64;
        progress(done, total);

        let mut tx = self.write.begin().await?;
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM thread")
            .fetch_one(&mut *tx)
            .await?;
        for chunk in threads.chunks(2000) {
            let rows: Vec<Vec<Val>> = chunk
                .iter()
                .map(|t| {
                    let last = t.messages.last().map_or(t.created_at, |m| m.2);
                    vec![
                        school_id.0.into(),
                        t.subject.into(),
                        t.kind.into(),
                        t.starter.into(),
                        t.families.into(),
                        Val::Int(0),
                        t.created_at.into(),
                        last.into(),
                    ]
                })
                .collect();
            insert_rows(
                &mut tx,
                "thread",
                &[
                    "school_id",
                    "subject",
                    "kind",
                    "starter_id",
                    "families",
                    "open_to_all",
                    "created_at",
                    "last_message_at",
                ],
                &rows,
            )
            .await?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        // The new threads' ids, by their (unique) instants of creation.
        let id_of: HashMap<i64, i64> =
            sqlx::query("SELECT id, created_at FROM thread WHERE school_id = $1 AND id > $2")
                .bind(school_id.0)
                .bind(before)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("created_at")?, r.try_get("id")?)))
                .collect::<Result<_>>()?;
        if id_of.len() != threads.len() {
            return Err(StoreError::Other(format!(
                "history: wrote {} threads, found {}",
                threads.len(),
                id_of.len()
            )));
        }

        // Messages in the order they were sent, as a real history lies on disk: one
        // conversation's messages scattered among everyone else's.
        let mut messages: Vec<(i64, &(i64, String, i64))> = threads
            .iter()
            .flat_map(|t| t.messages.iter().map(|m| (id_of[&t.created_at], m)))
            .collect();
        messages.sort_by_key(|(thread, m)| (m.2, *thread));
        for chunk in messages.chunks(5000) {
            let rows: Vec<Vec<Val>> = chunk
                .iter()
                .map(|(thread, (author, body, at))| {
                    vec![
                        school_id.0.into(),
                        (*thread).into(),
                        (*author).into(),
                        body.as_str().into(),
                        (*at).into(),
                    ]
                })
                .collect();
            insert_rows(
                &mut tx,
                "message",
                &["school_id", "thread_id", "author_id", "body", "sent_at"],
                &rows,
            )
            .await?;
            done += chunk.len() as u64;
            progress(done, total);
        }

        // Who takes part, and what they have read: everything, except the last message of the
        // past week for those who did not write it.
        let recent = options.end - 7 * 24 * 3600;
        let mut rows: Vec<Vec<Val>> = Vec::new();
        for t in &threads {
            let id = id_of[&t.created_at];
            let (last_author, last) = t
                .messages
                .last()
                .map_or((t.starter, t.created_at), |m| (m.0, m.2));
            for p in &t.people {
                let unread = last >= recent && *p != last_author;
                rows.push(vec![
                    school_id.0.into(),
                    id.into(),
                    (*p).into(),
                    last.into(),
                    i64::from(unread).into(),
                    if unread { Val::NullInt } else { Val::Int(last) },
                ]);
            }
            if rows.len() >= 5000 {
                write_participants(&mut tx, &rows).await?;
                done += rows.len() as u64;
                progress(done, total);
                rows.clear();
            }
        }
        write_participants(&mut tx, &rows).await?;
        tx.commit().await?;
        progress(total, total);
        Ok(HistorySummary {
            threads: threads.len() as u64,
            messages: options.messages,
            participants,
        })
    }
}

/// A member of staff and a family, the staff member first.
fn pair(staff: i64, family: &[i64]) -> Vec<i64> {
    let mut people = vec![staff];
    people.extend(family.iter().copied().filter(|g| *g != staff));
    people
}

async fn write_participants(tx: &mut sqlx::AnyConnection, rows: &[Vec<Val>]) -> Result<()> {
    insert_rows(
        tx,
        "thread_participant",
        &[
            "school_id",
            "thread_id",
            "person_id",
            "last_message_at",
            "unread",
            "read_at",
        ],
        rows,
    )
    .await
}
