//! `skolebro-bench seed --scale school|municipality|country`: many demo schools in one database,
//! each with a school year of use behind it, deterministic and written with bulk inserts.
//!
//! The model (docs/performance.md explains the numbers):
//! - schools of `pupils` pupils in classes of about 24, 1.7 guardians a pupil (the demo
//!   school's families: one pupil in ten is a sibling, 85 % of families have a second guardian),
//!   staff at the Danish ratio of 90,000 to 550,000 pupils (one leader, the rest teachers);
//! - messages: 15 a pupil (conversations between families and teachers, class letters, the
//!   leadership), from the message history generator;
//! - posts: two a week to every class and one a week to the whole school, for 40 school weeks;
//! - absence: four illness reports a pupil in the past year, of one to three school days each
//!   (eight days a pupil, 4 % of 200 school days);
//! - conferences: one round a class this autumn with a 15-minute slot for every pupil, all
//!   booked by a guardian.
//!
//! School 1 is the demo school with its usual logins (`guardian1`, `teacher1`, `leader1`);
//! school n > 1 has the same logins prefixed `s{n}-` (`s2-guardian1`). Every generated person
//! has an account with the same password, hashed once with argon2id and shared by all rows.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::{Date, Time};
use skolebro_domain::{Country, SchoolId};
use skolebro_store::demo::{DemoOptions, Placement};
use skolebro_store::history::HistoryOptions;
use skolebro_store::rng::Rng;
use skolebro_store::Store;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// One school of 600 pupils.
    School,
    /// 50 schools of 600 pupils: 30,000 pupils.
    Municipality,
    /// 1,100 schools of 500 pupils: 550,000 pupils, about 950,000 guardians, 90,000 staff.
    Country,
}

/// The per-school volumes of a scale.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub schools: u32,
    pub pupils: u32,
    pub messages_per_pupil: u64,
    pub class_posts_per_week: u32,
    pub school_posts_per_week: u32,
    pub weeks: u32,
    pub absence_reports_per_pupil: u32,
}

impl Scale {
    pub fn model(self) -> Model {
        let (schools, pupils) = match self {
            Scale::School => (1, 600),
            Scale::Municipality => (50, 600),
            Scale::Country => (1_100, 500),
        };
        Model {
            schools,
            pupils,
            messages_per_pupil: 15,
            class_posts_per_week: 2,
            school_posts_per_week: 1,
            weeks: 40,
            absence_reports_per_pupil: 4,
        }
    }
}

/// Staff of a school of `pupils`, leader included: Denmark's 90,000 staff for 550,000 pupils.
pub fn staff_for(pupils: u32) -> u32 {
    ((pupils as u64 * 90_000).div_ceil(550_000) as u32).max(3)
}

/// A value for a bulk insert.
#[derive(Debug, Clone)]
enum V {
    I(i64),
    T(String),
    S(&'static str),
    Null,
}

/// Multi-row inserts of at most about 3,000 parameters a statement.
async fn insert(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<V>],
) -> Result<(), String> {
    let per = (3000 / columns.len()).max(1);
    for chunk in rows.chunks(per) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (r, _) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    V::I(i) => q.bind(*i),
                    V::T(t) => q.bind(t.clone()),
                    V::S(s) => q.bind(*s),
                    V::Null => q.bind(None::<i64>),
                };
            }
        }
        q.execute(&mut *conn)
            .await
            .map_err(|e| format!("insert into {table}: {e}"))?;
    }
    Ok(())
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// What the seed made, for the report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub schools: u64,
    pub pupils: u64,
    pub guardians: u64,
    pub staff: u64,
    pub messages: u64,
    pub posts: u64,
    pub absence_reports: u64,
    pub absence_days: u64,
    pub bookings: u64,
}

/// The school days of the year before `today` (weekdays outside July).
fn past_school_days(today: Date) -> Vec<Date> {
    let mut days = Vec::new();
    let mut day = today;
    for _ in 0..365 {
        day = match day.yesterday() {
            Ok(d) => d,
            Err(_) => break,
        };
        if skolebro_domain::calendar::is_working_day(day) && day.month() != 7 {
            days.push(day);
        }
    }
    days.reverse();
    days
}

fn instant(tz: &jiff::tz::TimeZone, day: Date, hour: i8, minute: i8) -> Result<i64, String> {
    Ok(tz
        .to_ambiguous_zoned(day.to_datetime(Time::new(hour, minute, 0, 0).map_err(e)?))
        .compatible()
        .map_err(e)?
        .timestamp()
        .as_second())
}

pub async fn seed_scale(url: &str, scale: Scale, password: &str) -> Result<Totals, String> {
    let model = scale.model();
    let store = Store::connect(url).await.map_err(e)?;
    store.migrate().await.map_err(e)?;
    if !store.is_empty().await.map_err(e)? {
        return Err("the database already holds a school; seed a new one".into());
    }
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
        .await
        .map_err(e)?;
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || skolebro_store::auth::hash_password(&pw))
        .await
        .map_err(e)?
        .map_err(e)?;
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").map_err(e)?;
    let today = jiff::Zoned::now().with_time_zone(tz.clone()).date();
    let days = past_school_days(today);
    let end = skolebro_store::now() - 3600;

    let bar = ProgressBar::new(model.schools as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} schools, eta {eta} {msg}",
        )
        .map_err(e)?
        .progress_chars("=> "),
    );
    let mut totals = Totals::default();
    for number in 1..=model.schools {
        let place = Placement {
            number,
            password_hash: Some(hash.clone()),
            teachers: Some(staff_for(model.pupils) - 1),
            skip_statistics: true,
        };
        let demo = store
            .create_demo_school(
                &DemoOptions {
                    pupils: model.pupils,
                    country: Country::Dk,
                    password: password.to_owned(),
                },
                &place,
                &|_, _| {},
            )
            .await
            .map_err(e)?;
        totals.schools += 1;
        totals.pupils += demo.pupils as u64;
        totals.guardians += demo.guardians as u64;
        totals.staff += demo.teachers as u64 + 1;
        let pre = place.prefix();
        let focus = match (
            store
                .person_by_username(&format!("{pre}teacher1"))
                .await
                .map_err(e)?,
            store
                .person_by_username(&format!("{pre}guardian1"))
                .await
                .map_err(e)?,
        ) {
            (Some(t), Some(g)) if number == 1 => Some((t, g)),
            _ => None,
        };
        let h = store
            .create_history(
                demo.school_id,
                &HistoryOptions {
                    messages: model.messages_per_pupil * model.pupils as u64,
                    end,
                    focus,
                    seed: number as u64,
                },
                &|_, _| {},
            )
            .await
            .map_err(e)?;
        totals.messages += h.messages;
        let year = school_year_of(&mut conn, demo.school_id).await?;
        let made =
            school_year(&mut conn, demo.school_id, &year, &model, &days, &tz, number).await?;
        totals.posts += made.posts;
        totals.absence_reports += made.absence_reports;
        totals.absence_days += made.absence_days;
        totals.bookings += made.bookings;
        bar.set_message(format!(
            "{} pupils, {} messages, {} posts, {} absence days",
            totals.pupils, totals.messages, totals.posts, totals.absence_days
        ));
        bar.inc(1);
    }
    bar.finish();
    let t = Instant::now();
    if store.backend() == skolebro_store::Backend::Postgres {
        sqlx::query("VACUUM ANALYZE")
            .execute(&mut conn)
            .await
            .map_err(e)?;
    } else {
        store.refresh_statistics().await.map_err(e)?;
    }
    println!("statistics in {:.1} s", t.elapsed().as_secs_f64());
    drop(conn);
    store.close().await;
    Ok(totals)
}

async fn school_year_of(
    conn: &mut sqlx::AnyConnection,
    school: SchoolId,
) -> Result<String, String> {
    sqlx::query_scalar("SELECT school_year FROM class WHERE school_id = $1 LIMIT 1")
        .bind(school.0)
        .fetch_one(&mut *conn)
        .await
        .map_err(e)
}

#[derive(Default)]
struct Made {
    posts: u64,
    absence_reports: u64,
    absence_days: u64,
    bookings: u64,
}

const POST_TITLES: &[&str] = &[
    "Ugeplan",
    "Tur i skoven på fredag",
    "Husk idrætstøj",
    "Nyt fra klassen",
    "Forældremøde",
    "Lektiecafé",
    "Motionsdag",
    "Julefrokost i klassen",
    "Fotografering",
    "Billeder fra ugen",
];
const POST_BODY: &str = "Kære forældre. Her er nyt fra klassen: vi har arbejdet med dansk og \
    matematik i ugen, og på fredag går vi en tur. Husk tøj efter vejret, madpakke og drikkedunk. \
    Skriv gerne til os, hvis I har spørgsmål. Venlig hilsen klassens lærere";

/// Posts, absence and conferences of a school year, in one transaction.
async fn school_year(
    conn: &mut sqlx::AnyConnection,
    school: SchoolId,
    year: &str,
    model: &Model,
    days: &[Date],
    tz: &jiff::tz::TimeZone,
    number: u32,
) -> Result<Made, String> {
    let mut rng = Rng(0xB0_0000 + number as u64);
    let mut made = Made::default();
    let s = school.0;
    let classes: Vec<(i64, i64)> = sqlx::query(
        "SELECT id, grade FROM class WHERE school_id = $1 AND school_year = $2 ORDER BY id",
    )
    .bind(s)
    .bind(year)
    .fetch_all(&mut *conn)
    .await
    .map_err(e)?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("grade")?)))
    .collect::<Result<_, sqlx::Error>>()
    .map_err(e)?;
    let contact: HashMap<i64, i64> = sqlx::query(
        "SELECT class_id, person_id FROM class_staff WHERE school_id = $1 AND contact_teacher = 1",
    )
    .bind(s)
    .fetch_all(&mut *conn)
    .await
    .map_err(e)?
    .iter()
    .map(|r| Ok((r.try_get("class_id")?, r.try_get("person_id")?)))
    .collect::<Result<_, sqlx::Error>>()
    .map_err(e)?;
    let leader: i64 = sqlx::query_scalar(
        "SELECT person_id FROM membership WHERE school_id = $1 AND role = 'leader' ORDER BY person_id LIMIT 1",
    )
    .bind(s)
    .fetch_one(&mut *conn)
    .await
    .map_err(e)?;
    let pupils: Vec<(i64, i64)> = sqlx::query(
        "SELECT pupil_id, class_id FROM enrolment WHERE school_id = $1 ORDER BY pupil_id",
    )
    .bind(s)
    .fetch_all(&mut *conn)
    .await
    .map_err(e)?
    .iter()
    .map(|r| Ok((r.try_get("pupil_id")?, r.try_get("class_id")?)))
    .collect::<Result<_, sqlx::Error>>()
    .map_err(e)?;
    let mut guardian: HashMap<i64, i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT pupil_id, guardian_id FROM guardianship WHERE school_id = $1 AND access = 'full' \
         ORDER BY pupil_id, guardian_id",
    )
    .bind(s)
    .fetch_all(&mut *conn)
    .await
    .map_err(e)?
    {
        let p: i64 = r.try_get("pupil_id").map_err(e)?;
        let g: i64 = r.try_get("guardian_id").map_err(e)?;
        guardian.entry(p).or_insert(g);
    }
    if days.is_empty() {
        return Ok(made);
    }

    let mut tx = <sqlx::AnyConnection as sqlx::Connection>::begin(&mut *conn)
        .await
        .map_err(e)?;

    // Posts: two a week to every class, one a week to the whole school, on school days.
    let mut posts = Vec::new();
    let n_days = days.len();
    let post = |author: i64,
                audience: &'static str,
                class: Option<i64>,
                week: u32,
                rng: &mut Rng|
     -> Result<Vec<V>, String> {
        let day = days[((week as usize * 5 + rng.below(5)) * n_days / (model.weeks as usize * 5))
            .min(n_days - 1)];
        let at = instant(tz, day, 7 + rng.below(9) as i8, rng.below(60) as i8)?;
        Ok(vec![
            V::I(s),
            V::I(author),
            V::S(audience),
            class.map_or(V::Null, V::I),
            V::Null,
            V::S(POST_TITLES[rng.below(POST_TITLES.len())]),
            V::S(POST_BODY),
            V::I(0),
            V::I(0),
            V::I(0),
            V::I(at),
            V::I(at),
        ])
    };
    for week in 0..model.weeks {
        for _ in 0..model.school_posts_per_week {
            posts.push(post(leader, "school", None, week, &mut rng)?);
        }
        for (class, _) in &classes {
            let author = contact.get(class).copied().unwrap_or(leader);
            for _ in 0..model.class_posts_per_week {
                posts.push(post(author, "class", Some(*class), week, &mut rng)?);
            }
        }
    }
    posts.sort_by_key(|row| match row[10] {
        V::I(at) => at,
        _ => 0,
    });
    made.posts = posts.len() as u64;
    insert(
        &mut tx,
        "post",
        &[
            "school_id",
            "author_id",
            "audience",
            "class_id",
            "grade",
            "title",
            "body",
            "acknowledge",
            "emergency",
            "pinned",
            "publish_at",
            "created_at",
        ],
        &posts,
    )
    .await?;

    // Absence: illness reports of one to three school days, never two on the same day.
    let mut reports = Vec::new();
    let mut report_days: Vec<(i64, Vec<Date>)> = Vec::new();
    for (pupil, _) in &pupils {
        let Some(&by) = guardian.get(pupil) else {
            continue;
        };
        let mut taken = HashSet::new();
        for _ in 0..model.absence_reports_per_pupil {
            let len = 1 + rng.below(3);
            let start = rng.below(n_days.saturating_sub(len).max(1));
            let span: Vec<Date> = days[start..(start + len).min(n_days)].to_vec();
            if span.iter().any(|d| taken.contains(d)) {
                continue;
            }
            taken.extend(span.iter().copied());
            let at = instant(tz, span[0], 7, rng.below(45) as i8)?;
            reports.push(vec![
                V::I(s),
                V::I(*pupil),
                V::I(by),
                V::T(span[0].to_string()),
                V::T(span[span.len() - 1].to_string()),
                V::S("illness"),
                V::I(at),
            ]);
            report_days.push((*pupil, span));
        }
    }
    insert(
        &mut tx,
        "absence_report",
        &[
            "school_id",
            "pupil_id",
            "reported_by",
            "from_day",
            "to_day",
            "reason",
            "created_at",
        ],
        &reports,
    )
    .await?;
    made.absence_reports = reports.len() as u64;
    let ids: HashMap<(i64, String), i64> =
        sqlx::query("SELECT id, pupil_id, from_day FROM absence_report WHERE school_id = $1")
            .bind(s)
            .fetch_all(&mut *tx)
            .await
            .map_err(e)?
            .iter()
            .map(|r| {
                Ok((
                    (r.try_get("pupil_id")?, r.try_get("from_day")?),
                    r.try_get("id")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(e)?;
    let mut day_rows = Vec::new();
    for (pupil, span) in &report_days {
        let report = ids.get(&(*pupil, span[0].to_string())).copied();
        for d in span {
            day_rows.push(vec![
                V::I(s),
                V::I(*pupil),
                V::T(d.to_string()),
                V::I(2),
                V::S("illness"),
                report.map_or(V::Null, V::I),
            ]);
        }
    }
    made.absence_days = day_rows.len() as u64;
    insert(
        &mut tx,
        "absence_day",
        &[
            "school_id",
            "pupil_id",
            "day",
            "half_days",
            "reason",
            "report_id",
        ],
        &day_rows,
    )
    .await?;

    // Conferences: a round a class some six weeks ago, a slot and a booking for every pupil.
    let title = "Skole-hjem-samtaler (efterår)";
    let round_day = days[n_days.saturating_sub(30)];
    let created = instant(tz, days[n_days.saturating_sub(45)], 9, 0)?;
    let deadline = instant(tz, round_day, 8, 0)?;
    let rounds: Vec<Vec<V>> = classes
        .iter()
        .filter_map(|(c, _)| contact.get(c).map(|t| (c, t)))
        .map(|(c, t)| {
            vec![
                V::I(s),
                V::I(*c),
                V::S(title),
                V::S("school"),
                V::I(15),
                V::I(0),
                V::I(1),
                V::I(deadline),
                V::I(*t),
                V::I(created),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "conference_round",
        &[
            "school_id",
            "class_id",
            "title",
            "form",
            "slot_minutes",
            "break_minutes",
            "with_pupil",
            "booking_deadline",
            "created_by",
            "created_at",
        ],
        &rounds,
    )
    .await?;
    let round_of: HashMap<i64, i64> = sqlx::query(
        "SELECT id, class_id FROM conference_round WHERE school_id = $1 AND title = $2",
    )
    .bind(s)
    .bind(title)
    .fetch_all(&mut *tx)
    .await
    .map_err(e)?
    .iter()
    .map(|r| Ok((r.try_get("class_id")?, r.try_get("id")?)))
    .collect::<Result<_, sqlx::Error>>()
    .map_err(e)?;
    let staff_rows: Vec<Vec<V>> = round_of
        .iter()
        .filter_map(|(c, r)| contact.get(c).map(|t| vec![V::I(s), V::I(*r), V::I(*t)]))
        .collect();
    insert(
        &mut tx,
        "conference_round_staff",
        &["school_id", "round_id", "person_id"],
        &staff_rows,
    )
    .await?;
    let mut slot_rows = Vec::new();
    let mut slot_of_pupil: Vec<(i64, i64, i64)> = Vec::new(); // (round, starts_at, pupil)
    let mut next_in_round: HashMap<i64, i64> = HashMap::new();
    let first = instant(tz, round_day, 14, 0)?;
    for (pupil, class) in &pupils {
        let Some(&round) = round_of.get(class) else {
            continue;
        };
        let k = next_in_round.entry(round).or_insert(0);
        let starts = first + *k * 15 * 60;
        *k += 1;
        slot_rows.push(vec![
            V::I(s),
            V::I(round),
            V::I(starts),
            V::I(starts + 15 * 60),
        ]);
        slot_of_pupil.push((round, starts, *pupil));
    }
    insert(
        &mut tx,
        "conference_slot",
        &["school_id", "round_id", "starts_at", "ends_at"],
        &slot_rows,
    )
    .await?;
    let mut slot_ids: HashMap<(i64, i64), i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT s.id, s.round_id, s.starts_at FROM conference_slot s \
         JOIN conference_round r ON r.id = s.round_id WHERE r.school_id = $1 AND r.title = $2",
    )
    .bind(s)
    .bind(title)
    .fetch_all(&mut *tx)
    .await
    .map_err(e)?
    {
        slot_ids.insert(
            (
                r.try_get("round_id").map_err(e)?,
                r.try_get("starts_at").map_err(e)?,
            ),
            r.try_get("id").map_err(e)?,
        );
    }
    let bookings: Vec<Vec<V>> = slot_of_pupil
        .iter()
        .filter_map(|(round, starts, pupil)| {
            let slot = slot_ids.get(&(*round, *starts))?;
            let by = guardian.get(pupil)?;
            Some(vec![
                V::I(s),
                V::I(*round),
                V::I(*slot),
                V::I(*pupil),
                V::I(*by),
                V::I(created + 86_400),
            ])
        })
        .collect();
    made.bookings = bookings.len() as u64;
    insert(
        &mut tx,
        "conference_booking",
        &[
            "school_id",
            "round_id",
            "slot_id",
            "pupil_id",
            "booked_by",
            "booked_at",
        ],
        &bookings,
    )
    .await?;
    tx.commit().await.map_err(e)?;
    Ok(made)
}
