//! Booking night (CON-1, issue #6): every family of a school tries to book a conference in the
//! same minute. `seed --booking-night` opens a round for every class (its contact teacher, one
//! evening a week ahead, enough ten-minute slots for the class); the `booking` journey of `load`
//! has each signed-in guardian fetch the free times and book one of the first few (families
//! want the early ones, so they collide), retrying after a conflict. Afterwards every booking
//! that was acknowledged is read back: none lost, no slot held twice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use jiff::civil::Time;
use skolebro_domain::conferences::{self as rules, DayWindow, Form, SlotPlan};
use skolebro_domain::{ClassId, SchoolId};
use skolebro_store::conferences::NewRound;
use skolebro_store::Store;

use crate::load::{Journey, Outcome, User, WorkerLog};
use crate::stats::summarize;

/// Opens a round for every class of the school; returns how many rounds and slots.
pub async fn open_rounds(store: &Store, school_id: SchoolId) -> Result<(usize, usize), String> {
    let school = store.school(school_id).await.map_err(|e| e.to_string())?;
    let tz = jiff::tz::TimeZone::get(&school.time_zone).map_err(|e| e.to_string())?;
    let today = jiff::Zoned::now().with_time_zone(tz.clone()).date();
    let classes = store
        .school_classes(school_id, None, 10_000)
        .await
        .map_err(|e| e.to_string())?;
    let (mut rounds, mut slots_total) = (0, 0);
    for class in classes {
        let Some(detail) = store
            .class_detail(school_id, class.id)
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let Some(teacher) = detail.staff.first().map(|s| s.person.id) else {
            continue;
        };
        // Enough ten-minute slots for the class, in the evenings from a week ahead; a teacher
        // of several classes gets the next evening for the next class.
        let needed = detail.pupils.len().max(1) as i64;
        let hours = ((needed * 10 + 59) / 60).clamp(1, 6) as i8;
        let mut created = false;
        for offset in 7..40 {
            let day =
                skolebro_domain::calendar::add_working_days(today, offset, &Default::default());
            let plan = SlotPlan {
                days: vec![DayWindow {
                    date: day,
                    start: Time::new(14, 0, 0, 0).map_err(|e| e.to_string())?,
                    end: Time::new(14 + hours, 0, 0, 0).map_err(|e| e.to_string())?,
                }],
                slot_minutes: 10,
                break_minutes: 0,
            };
            let slots = rules::generate_slots(&plan, &tz).map_err(|e| e.to_string())?;
            let deadline = rules::default_deadline(day, &tz).ok_or("no deadline")?;
            let made = store
                .create_round(&NewRound {
                    school_id,
                    class_id: ClassId(class.id.0),
                    title: "Skole-hjem-samtaler",
                    form: Form::School,
                    slot_minutes: 10,
                    break_minutes: 0,
                    with_pupil: true,
                    booking_deadline: deadline.as_second(),
                    created_by: teacher,
                    staff: &[teacher],
                    slots: &slots,
                    pupil_id: None,
                    from_booking_id: None,
                    households_apart: false,
                    notices: &[],
                })
                .await;
            match made {
                Ok(_) => {
                    rounds += 1;
                    slots_total += slots.len();
                    created = true;
                    break;
                }
                Err(skolebro_store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.to_string()),
            }
        }
        if !created {
            return Err(format!("no free evening for the teacher of {}", class.name));
        }
    }
    Ok((rounds, slots_total))
}

/// The free slots offered to a family, first round first, and whether the child is booked.
async fn offered(user: &User, base: &str, child: i64) -> Result<(Vec<i64>, bool), String> {
    let response = user
        .client
        .get(format!("{base}/api/v1/pupils/{child}/conference-slots"))
        .bearer_auth(&user.token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("conference-slots: {}", response.status()));
    }
    let rounds: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    let mut free = Vec::new();
    let mut booked = false;
    for round in rounds.as_array().into_iter().flatten() {
        if round["pupil_id"].is_i64() {
            continue; // a need-based conference is not part of the night
        }
        if round["booking_id"].is_i64() {
            booked = true;
        }
        free.extend(
            round["slots"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["id"].as_i64()),
        );
    }
    Ok((free, booked))
}

/// One family's evening: fetch the times, book one of the first few, again after a conflict.
async fn book_one(user: &User, base: &str, log: &mut WorkerLog) -> Option<i64> {
    let child = user.child_id?;
    for attempt in 0..8u64 {
        let started = Instant::now();
        let listed = offered(user, base, child).await;
        log.latencies.push(started.elapsed());
        let (free, booked) = match listed {
            Ok(x) => x,
            Err(e) => {
                log.errors += 1;
                log.first_error.get_or_insert(e);
                return None;
            }
        };
        if booked || free.is_empty() {
            return None;
        }
        // Families want the first times: pick among the first five, by who they are.
        let pick = free[((user.person_id as u64 + attempt) % 5.min(free.len() as u64)) as usize];
        let started = Instant::now();
        let response = user
            .client
            .post(format!("{base}/api/v1/conference-slots/{pick}/booking"))
            .bearer_auth(&user.token)
            .json(&serde_json::json!({"pupil": child}))
            .send()
            .await;
        log.latencies.push(started.elapsed());
        match response {
            Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                log.journeys += 1;
                return Some(pick);
            }
            Ok(r) if r.status() == reqwest::StatusCode::CONFLICT => log.conflicts += 1,
            Ok(r) => {
                log.errors += 1;
                log.first_error
                    .get_or_insert(format!("POST booking of slot {pick}: {}", r.status()));
                return None;
            }
            Err(e) => {
                log.errors += 1;
                log.first_error.get_or_insert(format!("POST booking: {e}"));
                return None;
            }
        }
    }
    None
}

async fn booking_worker(users: Vec<Arc<User>>, base: String) -> (WorkerLog, Vec<(Arc<User>, i64)>) {
    let mut log = WorkerLog::default();
    let mut made = Vec::new();
    for user in users {
        if let Some(slot) = book_one(&user, &base, &mut log).await {
            made.push((user, slot));
        }
    }
    (log, made)
}

/// Every family books at once; then every acknowledged booking is read back.
pub async fn run_booking_night(
    concurrency: usize,
    base: &str,
    users: &[Arc<User>],
) -> Result<Outcome, String> {
    let workers = concurrency.max(1);
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..workers {
        let share: Vec<Arc<User>> = users.iter().skip(i).step_by(workers).cloned().collect();
        set.spawn(booking_worker(share, base.to_owned()));
    }
    let mut all = WorkerLog::default();
    let mut made = Vec::new();
    while let Some(done) = set.join_next().await {
        let (log, m) = done.map_err(|e| e.to_string())?;
        all.absorb(log);
        made.extend(m);
    }
    let elapsed = start.elapsed();
    // No slot twice, none lost: each acknowledged booking is the family's booked slot now.
    let distinct: HashSet<i64> = made.iter().map(|(_, s)| *s).collect();
    let mut lost = 0;
    for (user, slot) in &made {
        let child = user.child_id.unwrap_or_default();
        let response = user
            .client
            .get(format!("{base}/api/v1/pupils/{child}/conference-slots"))
            .bearer_auth(&user.token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let rounds: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
        let holds = rounds
            .as_array()
            .into_iter()
            .flatten()
            .any(|r| r["booked_slot_id"].as_i64() == Some(*slot));
        if !holds {
            lost += 1;
        }
    }
    println!(
        "  booking night: {} families booked in {:.1} s ({:.0} bookings/s), {} conflicts retried, \
         {} distinct slots for {} bookings (double bookings: {}), lost: {}",
        made.len(),
        elapsed.as_secs_f64(),
        made.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        all.conflicts,
        distinct.len(),
        made.len(),
        made.len() - distinct.len(),
        lost
    );
    if lost > 0 || distinct.len() != made.len() {
        all.errors += 1;
        all.first_error.get_or_insert(format!(
            "{lost} lost, {} double",
            made.len() - distinct.len()
        ));
    }
    Ok(Outcome {
        journey: Journey::Booking,
        steps: 2,
        requests: all.latencies.len() as u64,
        journeys: all.journeys,
        elapsed,
        latency: summarize(all.latencies),
        errors: all.errors,
        first_error: all.first_error,
    })
}
