//! The demo school: a deterministic, realistic school to try skolebro with and to test and
//! measure against. The same options give the same school, row for row.
//!
//! Logins: `leader1`; `teacher1`..; `guardian1`..; `pupil1`... `teacher1` is contact teacher of
//! the first class; `guardian1`, `guardian2`, … are the first guardians of `pupil1`, `pupil2`, …
//! in the first class. The first class has a conference round with `teacher1` on the next two
//! working days, open for booking (its dates are the only part that depends on the day the
//! demo is made). The first class also holds the special cases every feature must handle:
//! `guardian3` has protected contact details (PEO-3); `pupil4`'s parents live in two households
//! and the second has information-only access (PEO-2); `guardian5` needs an interpreter (PEO-4).
//! In the other classes a few pupils' parents share custody from two households (full access
//! in both; household 2 for the second parent).
//! The first class has an event a week ahead with answers open; the first class of grade 3 or
//! up has two homework entries for tomorrow (MSG-6).

use std::collections::HashMap;

use jiff::civil::Time;
use skolebro_domain::calendar::is_working_day;
use skolebro_domain::conferences::{generate_slots, DayWindow, Form, SlotPlan};
use skolebro_domain::profile::{profile, school_year};
use skolebro_domain::{ClassId, Country, PersonId, SchoolId};
use sqlx::Row;

use crate::auth::hash_password;
use crate::conferences::NewRound;
use crate::db::{insert_rows, Val};
use crate::rng::Rng;
use crate::{now, Result, Store, StoreError};

/// What the demo school should look like.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub pupils: u32,
    pub country: Country,
    pub password: String,
}

/// Where a demo school goes in a database of many (`skolebro-bench seed --scale`): school 1 is
/// the demo school as `create_demo` makes it; school `n > 1` gets the same kind of school with
/// logins prefixed `s{n}-` (`s2-guardian1`, `s2-teacher1`, …), its own seed and name, and may
/// share a database with others.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// The school's number; 0 and 1 both mean the demo school itself.
    pub number: u32,
    /// An argon2 hash of the shared password, computed once for all schools.
    pub password_hash: Option<String>,
    /// Staff per school instead of 1.3 per class (a Danish school has about 80 for 500 pupils).
    pub teachers: Option<u32>,
    /// Leave out `ANALYZE` (the caller runs it once after the last school).
    pub skip_statistics: bool,
}

impl Placement {
    /// The login prefix: empty for the demo school, `s{n}-` for the others.
    pub fn prefix(&self) -> String {
        if self.number > 1 {
            format!("s{}-", self.number)
        } else {
            String::new()
        }
    }
}

/// What was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub school_id: SchoolId,
    pub school_name: String,
    pub classes: u32,
    pub teachers: u32,
    pub pupils: u32,
    pub guardians: u32,
}

struct Names {
    school: &'static str,
    girls: &'static [&'static str],
    boys: &'static [&'static str],
    women: &'static [&'static str],
    men: &'static [&'static str],
    families: &'static [&'static str],
    streets: &'static [&'static str],
    town: &'static str,
    phone_prefix: &'static str,
    mail_domain: &'static str,
}

const DK: Names = Names {
    school: "Egebjerg Skole",
    girls: &[
        "Ida", "Freja", "Clara", "Alma", "Ella", "Karla", "Agnes", "Sofie", "Emma", "Ellen",
        "Olivia", "Lærke", "Asta", "Liva", "Esther",
    ],
    boys: &[
        "William", "Noah", "Oscar", "Lucas", "Carl", "Alfred", "Emil", "Valdemar", "Aksel",
        "Malthe", "Magnus", "Viggo", "Arthur", "Otto", "Villads",
    ],
    women: &[
        "Mette", "Anne", "Camilla", "Louise", "Maria", "Pernille", "Katrine", "Signe", "Line",
        "Stine", "Sara", "Trine", "Helle", "Fatima", "Amira",
    ],
    men: &[
        "Anders",
        "Mads",
        "Jesper",
        "Thomas",
        "Rasmus",
        "Søren",
        "Martin",
        "Jens",
        "Michael",
        "Christian",
        "Henrik",
        "Morten",
        "Peter",
        "Ahmed",
        "Omar",
    ],
    families: &[
        "Jensen",
        "Nielsen",
        "Hansen",
        "Pedersen",
        "Andersen",
        "Christensen",
        "Larsen",
        "Sørensen",
        "Rasmussen",
        "Jørgensen",
        "Petersen",
        "Madsen",
        "Kristensen",
        "Olsen",
        "Thomsen",
        "Møller",
        "Poulsen",
        "Johansen",
        "Knudsen",
        "Mortensen",
        "Yilmaz",
        "Hussein",
        "Nowak",
    ],
    streets: &[
        "Egebjergvej",
        "Skolevej",
        "Møllegade",
        "Bøgevænget",
        "Kirkestræde",
        "Strandvejen",
        "Lindevej",
        "Åbrinken",
    ],
    town: "8000 Aarhus C",
    phone_prefix: "+45",
    mail_domain: "example.dk",
};

const NO: Names = Names {
    school: "Solbakken skole",
    girls: &[
        "Nora", "Emma", "Ella", "Maja", "Olivia", "Sofie", "Ingrid", "Leah", "Frida", "Astrid",
        "Selma", "Tiril", "Hedda", "Sara", "Aurora",
    ],
    boys: &[
        "Jakob", "Emil", "Noah", "Oliver", "Filip", "William", "Lucas", "Liam", "Henrik", "Aksel",
        "Magnus", "Johannes", "Ludvig", "Isak", "Tobias",
    ],
    women: &[
        "Kari",
        "Ingrid",
        "Marianne",
        "Hilde",
        "Silje",
        "Camilla",
        "Ida",
        "Kristin",
        "Linn",
        "Tonje",
        "Anette",
        "Randi",
        "Marte",
        "Amina",
        "Agnieszka",
    ],
    men: &[
        "Ole", "Lars", "Knut", "Per", "Jon", "Espen", "Bjørn", "Trond", "Geir", "Eirik", "Anders",
        "Håkon", "Kjetil", "Yusuf", "Tomasz",
    ],
    families: &[
        "Hansen",
        "Johansen",
        "Olsen",
        "Larsen",
        "Andersen",
        "Pedersen",
        "Nilsen",
        "Kristiansen",
        "Jensen",
        "Karlsen",
        "Johnsen",
        "Pettersen",
        "Eriksen",
        "Berg",
        "Haugen",
        "Hagen",
        "Johannessen",
        "Andreassen",
        "Jacobsen",
        "Dahl",
        "Ali",
        "Kowalski",
        "Nguyen",
    ],
    streets: &[
        "Skoleveien",
        "Solbakken",
        "Kirkegata",
        "Storgata",
        "Fjordveien",
        "Bjørkelia",
        "Granåsen",
        "Sjøgata",
    ],
    town: "6509 Kristiansund",
    phone_prefix: "+47",
    mail_domain: "example.no",
};

/// A person about to be written, keyed for the id look-up after the bulk insert.
struct NewPerson {
    key: String,
    given: String,
    family: String,
    username: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    protected: bool,
    home_language: Option<&'static str>,
    interpreter: Option<&'static str>,
    birth_date: Option<String>,
    roles: &'static [&'static str],
}

impl Store {
    /// Whether the database holds no school yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM school")
            .fetch_one(self.reader())
            .await?;
        Ok(n == 0)
    }

    /// Creates the demo school. Refuses when the database already holds a school, so that a
    /// real school is never mixed with invented people. `progress(done, total)` is called as
    /// rows are written.
    pub async fn create_demo(
        &self,
        options: &DemoOptions,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<DemoSummary> {
        self.create_demo_school(options, &Placement::default(), progress)
            .await
    }

    /// Creates a demo school in its place among many (see [`Placement`]). School 1 is refused
    /// when the database already holds a school, like [`Store::create_demo`].
    pub async fn create_demo_school(
        &self,
        options: &DemoOptions,
        place: &Placement,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<DemoSummary> {
        let number = place.number.max(1);
        let pre = place.prefix();
        if number == 1 && !self.is_empty().await? {
            return Err(StoreError::Conflict(
                "the database already holds a school".into(),
            ));
        }
        if options.pupils == 0 {
            return Err(StoreError::Invalid(
                "a demo school needs at least one pupil".into(),
            ));
        }
        let prof = profile(options.country);
        let names = match options.country {
            Country::Dk => &DK,
            Country::No => &NO,
        };
        let mut rng = Rng(0x5EED_0000
            + options.pupils as u64
            + (number as u64 - 1).wrapping_mul(0x1_0000_0000));
        let school_name = if number == 1 {
            names.school.to_owned()
        } else {
            format!("{} {number}", names.school)
        };
        let today = crate::clock::now()
            .to_zoned(
                jiff::tz::TimeZone::get(prof.time_zone)
                    .map_err(|e| StoreError::Other(e.to_string()))?,
            )
            .date();
        let year = school_year(today);
        let year_start: i16 = year[..4].parse().unwrap_or(2026);

        // Classes: the same number in every grade, about 24 pupils each.
        let grades: Vec<u8> = (prof.grades.0..=prof.grades.1).collect();
        let per_grade = options.pupils.div_ceil(24 * grades.len() as u32).max(1);
        let class_count = per_grade * grades.len() as u32;
        let per_class = options.pupils.div_ceil(class_count);
        let letters = [
            "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P",
        ];
        let mut classes = Vec::new(); // (name, grade)
        for &g in &grades {
            for i in 0..per_grade {
                let letter = match letters.get(i as usize) {
                    Some(l) => l.to_string(),
                    None => format!("{}", i + 1),
                };
                let name = match options.country {
                    Country::Dk => format!("{g}.{letter}"),
                    Country::No => format!("{g}{letter}"),
                };
                classes.push((name, g));
            }
        }

        // One hash for every demo account: the demo shares one password anyway, and hashing
        // tens of thousands of times would take minutes.
        let password = options.password.clone();
        let hash = match &place.password_hash {
            Some(h) => h.clone(),
            None => tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(|e| StoreError::Other(e.to_string()))??,
        };

        let mut persons: Vec<NewPerson> = Vec::new();
        let teachers = place
            .teachers
            .unwrap_or((class_count * 13).div_ceil(10))
            .max(2);
        let address = |rng: &mut Rng| {
            format!(
                "{} {}, {}",
                rng.pick(names.streets),
                1 + rng.next_u64() % 120,
                names.town
            )
        };
        let phone = |rng: &mut Rng, n: u64| {
            format!(
                "{} {:02} {:02} {:02} {:02}",
                names.phone_prefix,
                20 + (n * 7 + rng.next_u64()) % 80,
                rng.next_u64() % 100,
                rng.next_u64() % 100,
                rng.next_u64() % 100
            )
        };
        persons.push(NewPerson {
            key: "demo:leader:1".into(),
            given: rng.pick(names.women).to_string(),
            family: rng.pick(names.families).to_string(),
            username: format!("{pre}leader1"),
            email: Some(format!("{pre}leader1@{}", names.mail_domain)),
            phone: Some(phone(&mut rng, 0)),
            address: None,
            protected: false,
            home_language: None,
            interpreter: None,
            birth_date: None,
            roles: &["leader", "staff"],
        });
        for t in 1..=teachers {
            let woman = rng.chance(70);
            persons.push(NewPerson {
                key: format!("demo:teacher:{t}"),
                given: rng
                    .pick(if woman { names.women } else { names.men })
                    .to_string(),
                family: rng.pick(names.families).to_string(),
                username: format!("{pre}teacher{t}"),
                email: Some(format!("{pre}teacher{t}@{}", names.mail_domain)),
                phone: Some(phone(&mut rng, t as u64)),
                address: None,
                protected: false,
                home_language: None,
                interpreter: None,
                birth_date: None,
                roles: &["staff"],
            });
        }

        // Pupils, class by class, and their families. A family is (surname, guardians); about
        // one pupil in ten is the younger sibling of a pupil three classes further on.
        struct Family {
            guardians: Vec<(usize, &'static str, i64)>, // (index into persons, access, household)
        }
        let mut families: Vec<Family> = Vec::new();
        let mut pupil_family: Vec<usize> = Vec::new();
        let mut pupil_class: Vec<usize> = Vec::new();
        let mut pupil_index: Vec<usize> = Vec::new();
        let first_guardian_base = persons.len();
        let mut second_guardians: Vec<NewPerson> = Vec::new();
        // (family, second idx, access, household)
        let mut second_of: Vec<(usize, usize, &'static str, i64)> = Vec::new();
        let mut guardian_no = 0u32;
        let mut surname_of_family: Vec<String> = Vec::new();
        for p in 0..options.pupils {
            let class = (p / per_class) as usize;
            let pupil_no = p + 1;
            let sibling_of =
                (pupil_no > 3 * per_class && p % 10 == 7).then(|| (p - 3 * per_class) as usize);
            let family = match sibling_of {
                Some(older) => pupil_family[older],
                None => {
                    // The family's first guardian is numbered in pupil order, so `guardianN`
                    // is a guardian of `pupilN` wherever there are no siblings before.
                    guardian_no += 1;
                    let surname = rng.pick(names.families).to_string();
                    let special = (p < per_class).then_some(pupil_no);
                    let protected = special == Some(3) || (p > per_class && p % 97 == 3);
                    let interpreter = (special == Some(5) || (p > per_class && p % 41 == 5))
                        .then_some(match options.country {
                            Country::Dk => "arabisk",
                            Country::No => "somali",
                        });
                    let woman = rng.chance(60);
                    let addr = address(&mut rng);
                    persons.push(NewPerson {
                        key: format!("demo:guardian:{guardian_no}"),
                        given: rng
                            .pick(if woman { names.women } else { names.men })
                            .to_string(),
                        family: surname.clone(),
                        username: format!("{pre}guardian{guardian_no}"),
                        email: Some(format!("{pre}guardian{guardian_no}@{}", names.mail_domain)),
                        phone: Some(phone(&mut rng, guardian_no as u64)),
                        address: Some(addr.clone()),
                        protected,
                        home_language: interpreter.map(|_| match options.country {
                            Country::Dk => "ar",
                            Country::No => "so",
                        }),
                        interpreter,
                        birth_date: None,
                        roles: &["guardian"],
                    });
                    families.push(Family {
                        guardians: vec![(persons.len() - 1, "full", 1)],
                    });
                    let f = families.len() - 1;
                    // A second guardian in most families. Two households: the pupil's parents
                    // live apart, in a second household; `pupil4`'s second parent keeps
                    // information-only access, the others share custody (full access in both
                    // homes), so that conferences can be booked apart (CON-1).
                    let two_households = special == Some(4) || (p > per_class && p % 53 == 9);
                    if two_households || rng.chance(85) || special.is_some() {
                        second_guardians.push(NewPerson {
                            key: String::new(),
                            given: rng
                                .pick(if woman { names.men } else { names.women })
                                .to_string(),
                            family: if two_households {
                                rng.pick(names.families).to_string()
                            } else {
                                surname.clone()
                            },
                            username: String::new(),
                            email: None,
                            phone: None,
                            address: Some(if two_households {
                                address(&mut rng)
                            } else {
                                addr
                            }),
                            // A protected address protects the whole household.
                            protected: protected && !two_households,
                            home_language: None,
                            interpreter: None,
                            birth_date: None,
                            roles: &["guardian"],
                        });
                        second_of.push((
                            f,
                            second_guardians.len() - 1,
                            if special == Some(4) { "info" } else { "full" },
                            if two_households { 2 } else { 1 },
                        ));
                    }
                    surname_of_family.push(surname);
                    f
                }
            };
            pupil_family.push(family);
            pupil_class.push(class);
            let grade = classes[class].1;
            let girl = rng.chance(50);
            persons.push(NewPerson {
                key: format!("demo:pupil:{pupil_no}"),
                given: rng
                    .pick(if girl { names.girls } else { names.boys })
                    .to_string(),
                family: surname_of_family[family].clone(),
                username: format!("{pre}pupil{pupil_no}"),
                email: None,
                phone: None,
                address: None,
                protected: false,
                home_language: None,
                interpreter: None,
                birth_date: Some(format!(
                    "{}-{:02}-{:02}",
                    year_start - 6 - grade as i16 + prof.grades.0 as i16,
                    1 + rng.next_u64() % 12,
                    1 + rng.next_u64() % 28
                )),
                roles: &["pupil"],
            });
            pupil_index.push(persons.len() - 1);
        }
        debug_assert!(first_guardian_base < persons.len());
        // Second guardians are numbered after all first guardians.
        for (f, s, access, household) in second_of {
            guardian_no += 1;
            let mut g = std::mem::replace(
                &mut second_guardians[s],
                NewPerson {
                    key: String::new(),
                    given: String::new(),
                    family: String::new(),
                    username: String::new(),
                    email: None,
                    phone: None,
                    address: None,
                    protected: false,
                    home_language: None,
                    interpreter: None,
                    birth_date: None,
                    roles: &[],
                },
            );
            g.key = format!("demo:guardian:{guardian_no}");
            g.username = format!("{pre}guardian{guardian_no}");
            g.email = Some(format!("{pre}guardian{guardian_no}@{}", names.mail_domain));
            g.phone = Some(phone(&mut rng, guardian_no as u64));
            persons.push(g);
            families[f]
                .guardians
                .push((persons.len() - 1, access, household));
        }

        let total = (persons.len() * 3 + options.pupils as usize * 3) as u64;
        let mut done = 0u64;
        progress(done, total);

        let t = now();
        let mut tx = self.write.begin().await?;
        let school_id: i64 = sqlx::query_scalar(
            "INSERT INTO school (name, country, time_zone, locale, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&school_name)
        .bind(options.country.as_str())
        .bind(prof.time_zone)
        .bind(prof.locale.as_str())
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        let class_rows: Vec<Vec<Val>> = classes
            .iter()
            .map(|(name, g)| {
                vec![
                    school_id.into(),
                    name.clone().into(),
                    (*g as i64).into(),
                    year.clone().into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "class",
            &["school_id", "name", "grade", "school_year"],
            &class_rows,
        )
        .await?;
        let class_ids: Vec<i64> = {
            let rows = sqlx::query("SELECT id, name FROM class WHERE school_id = $1")
                .bind(school_id)
                .fetch_all(&mut *tx)
                .await?;
            let by_name: HashMap<String, i64> = rows
                .iter()
                .map(|r| Ok((r.try_get::<String, _>("name")?, r.try_get::<i64, _>("id")?)))
                .collect::<Result<_>>()?;
            classes.iter().map(|(n, _)| by_name[n]).collect()
        };

        for chunk in persons.chunks(2000) {
            let rows: Vec<Vec<Val>> = chunk
                .iter()
                .map(|p| {
                    vec![
                        school_id.into(),
                        p.key.clone().into(),
                        p.given.clone().into(),
                        p.family.clone().into(),
                        p.email.clone().into(),
                        p.phone.clone().into(),
                        p.address.clone().into(),
                        (p.protected as i64).into(),
                        p.home_language.into(),
                        p.interpreter.into(),
                        p.birth_date.clone().into(),
                        t.into(),
                    ]
                })
                .collect();
            insert_rows(
                &mut tx,
                "person",
                &[
                    "school_id",
                    "external_key",
                    "given_name",
                    "family_name",
                    "email",
                    "phone",
                    "address",
                    "contact_protected",
                    "home_language",
                    "interpreter_language",
                    "birth_date",
                    "created_at",
                ],
                &rows,
            )
            .await?;
            done += chunk.len() as u64;
            progress(done, total);
        }
        let ids: HashMap<String, i64> =
            sqlx::query("SELECT id, external_key FROM person WHERE school_id = $1")
                .bind(school_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>("external_key")?,
                        r.try_get::<i64, _>("id")?,
                    ))
                })
                .collect::<Result<_>>()?;
        let id_of = |i: usize| ids[&persons[i].key];

        for chunk in (0..persons.len()).collect::<Vec<_>>().chunks(2000) {
            let accounts: Vec<Vec<Val>> = chunk
                .iter()
                .map(|&i| {
                    vec![
                        id_of(i).into(),
                        persons[i].username.clone().into(),
                        hash.clone().into(),
                        t.into(),
                    ]
                })
                .collect();
            insert_rows(
                &mut tx,
                "account",
                &[
                    "person_id",
                    "username",
                    "password_hash",
                    "password_changed_at",
                ],
                &accounts,
            )
            .await?;
            let members: Vec<Vec<Val>> = chunk
                .iter()
                .flat_map(|&i| persons[i].roles.iter().map(move |r| (i, *r)))
                .map(|(i, r)| vec![school_id.into(), id_of(i).into(), r.into()])
                .collect();
            insert_rows(
                &mut tx,
                "membership",
                &["school_id", "person_id", "role"],
                &members,
            )
            .await?;
            done += 2 * chunk.len() as u64;
            progress(done, total);
        }

        // Staff: teacher k is contact teacher of class k; the rest teach subjects in five
        // classes each; every contact teacher also teaches the next class.
        let mut staff: HashMap<(usize, i64), bool> = HashMap::new();
        for t_no in 1..=teachers as usize {
            let person = id_of(t_no); // persons[0] is the leader
            if t_no <= class_ids.len() {
                staff.insert((t_no - 1, person), true);
                if class_ids.len() > 1 {
                    staff
                        .entry((t_no % class_ids.len(), person))
                        .or_insert(false);
                }
            } else {
                for k in 0..5 {
                    let c = (t_no * 7 + k * 3) % class_ids.len();
                    staff.entry((c, person)).or_insert(false);
                }
            }
        }
        let mut staff_rows: Vec<_> = staff.into_iter().collect();
        staff_rows.sort();
        let staff_rows: Vec<Vec<Val>> = staff_rows
            .into_iter()
            .map(|((c, p), contact)| {
                vec![
                    school_id.into(),
                    class_ids[c].into(),
                    p.into(),
                    (contact as i64).into(),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            "class_staff",
            &["school_id", "class_id", "person_id", "contact_teacher"],
            &staff_rows,
        )
        .await?;

        let mut enrolments = Vec::new();
        let mut guardianships = Vec::new();
        for p in 0..options.pupils as usize {
            let pupil = id_of(pupil_index[p]);
            enrolments.push(vec![
                school_id.into(),
                class_ids[pupil_class[p]].into(),
                pupil.into(),
            ]);
            for (g, access, household) in &families[pupil_family[p]].guardians {
                guardianships.push(vec![
                    school_id.into(),
                    id_of(*g).into(),
                    pupil.into(),
                    (*access).into(),
                    (*household).into(),
                ]);
            }
        }
        insert_rows(
            &mut tx,
            "enrolment",
            &["school_id", "class_id", "pupil_id"],
            &enrolments,
        )
        .await?;
        done += options.pupils as u64;
        progress(done, total);
        insert_rows(
            &mut tx,
            "guardianship",
            &[
                "school_id",
                "guardian_id",
                "pupil_id",
                "access",
                "household",
            ],
            &guardianships,
        )
        .await?;
        tx.commit().await?;

        // One conference round for the first class, so that the demo shows bookable slots:
        // its contact teacher (`teacher1`) meets families on the next two working days,
        // 14:00-16:00; bookings close at 08:00 on the first day.
        let tz = jiff::tz::TimeZone::get(prof.time_zone)
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let mut days = Vec::new();
        let mut day = today;
        while days.len() < 2 {
            day = day
                .tomorrow()
                .map_err(|e| StoreError::Other(e.to_string()))?;
            if is_working_day(day) {
                days.push(DayWindow {
                    date: day,
                    start: Time::constant(14, 0, 0, 0),
                    end: Time::constant(16, 0, 0, 0),
                });
            }
        }
        let deadline = tz
            .to_ambiguous_zoned(days[0].date.to_datetime(Time::constant(8, 0, 0, 0)))
            .compatible()
            .map_err(|e| StoreError::Other(e.to_string()))?
            .timestamp();
        let plan = SlotPlan {
            days,
            slot_minutes: 15,
            break_minutes: 5,
        };
        let slots = generate_slots(&plan, &tz).map_err(|e| StoreError::Other(e.to_string()))?;
        self.create_round(&NewRound {
            school_id: SchoolId(school_id),
            class_id: ClassId(class_ids[0]),
            title: match options.country {
                Country::Dk => "Skole-hjem-samtaler",
                Country::No => "Foreldresamtaler",
            },
            form: Form::School,
            slot_minutes: plan.slot_minutes,
            break_minutes: plan.break_minutes,
            with_pupil: true,
            booking_deadline: deadline.as_second(),
            created_by: PersonId(id_of(1)),
            staff: &[PersonId(id_of(1))],
            slots: &slots,
            pupil_id: None,
            from_booking_id: None,
            households_apart: false,
            notices: &[],
        })
        .await?;
        self.demo_calendar(
            SchoolId(school_id),
            ClassId(class_ids[0]),
            PersonId(id_of(1)),
            options.country,
            &tz,
            today,
        )
        .await?;

        // A parent meeting of the first class, planned by `teacher1` with `guardian2` as the
        // class's parent representative, and two themes proposed by `guardian1` and `guardian5`.
        let mut guardians = Vec::new();
        for name in ["guardian2", "guardian1", "guardian5"] {
            if let Some(id) = self.person_by_username(&format!("{pre}{name}")).await? {
                guardians.push(id);
            }
        }
        if let [rep, proposers @ ..] = guardians.as_slice() {
            self.demo_meeting(
                SchoolId(school_id),
                ClassId(class_ids[0]),
                PersonId(id_of(1)),
                *rep,
                proposers,
                options.country == Country::Dk,
            )
            .await?;
        }

        // Two posts so that the school looks alive (MSG-5): one from the leader to the whole
        // school, one from the first class's contact teacher asking for acknowledgement.
        let (school_post, class_post) = match options.country {
            Country::Dk => (
                (
                    "Velkommen til det nye skoleår",
                    "Kære alle. Skolen har åbent fra kl. 7.30. Husk madpakke og drikkedunk. \
                     Vi glæder os til et godt år sammen.",
                ),
                (
                    "Tur i skoven på fredag",
                    "Vi tager i skoven på fredag. Husk tøj efter vejret og gummistøvler. \
                     Bekræft venligst, at I har læst beskeden.",
                ),
            ),
            Country::No => (
                (
                    "Velkommen til nytt skoleår",
                    "Kjære alle. Skolen åpner kl. 7.30. Husk matpakke og drikkeflaske. \
                     Vi gleder oss til et godt år sammen.",
                ),
                (
                    "Tur i skogen på fredag",
                    "Vi drar på tur i skogen på fredag. Husk klær etter været og støvler. \
                     Bekreft at dere har lest meldingen.",
                ),
            ),
        };
        let at = now();
        for (author, audience, (title, body), acknowledge) in [
            (id_of(0), crate::posts::Audience::School, school_post, false),
            (
                id_of(1),
                crate::posts::Audience::Class(ClassId(class_ids[0])),
                class_post,
                true,
            ),
        ] {
            self.create_post(&crate::posts::NewPost {
                announce: false,
                images: &[],
                school_id: SchoolId(school_id),
                author_id: PersonId(author),
                audience,
                title,
                body,
                acknowledge,
                emergency: false,
                publish_at: at,
                created_at: at,
            })
            .await?;
        }

        if !place.skip_statistics {
            self.refresh_statistics().await?;
        }
        progress(total, total);

        Ok(DemoSummary {
            school_id: SchoolId(school_id),
            school_name,
            classes: class_count,
            teachers,
            pupils: options.pupils,
            guardians: guardian_no,
        })
    }
}
