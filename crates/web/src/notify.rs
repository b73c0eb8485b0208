//! Notifications (MSG-8): each person's choices (a settings page and the API), the school's
//! outbox for leaders, and the worker that sends from the outbox: e-mail over SMTP, SMS through
//! a gateway with a daily budget per school. The rules (instant / digest / off, contact hours,
//! emergencies, no content for sensitive messages, backoff) are `skolebro_domain::notify`.
//!
//! The worker's step is [`Worker::run_once`] at a given instant; the server runs it every few
//! seconds ([`spawn`]) and tests run it at the instant they choose.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use skolebro_domain::contact_hours::ContactHours;
use skolebro_domain::notify::{self as rules, Delivery, NotifyKind, Preference, Route};
use skolebro_domain::profile::profile;
use skolebro_domain::{may, Action, Lang, Resource, SchoolId};
use skolebro_store::notify::{DueNotice, OutboxCounts, OutboxRow, SMS};
use skolebro_store::{Store, StoreError};
use utoipa::ToSchema;

use crate::i18n::Tr;
use crate::viewer::{html, Chrome, CsrfForm, Rendered, SignedIn, Viewer};
use crate::{AppState, WebError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/notifications",
            get(settings_page).post(save_settings),
        )
        .route(
            "/api/v1/me/notifications",
            get(api_preferences).put(api_set_preferences),
        )
        .route("/notifications/outbox", get(outbox_page))
        .route("/api/v1/notifications/outbox", get(api_outbox))
}

// ---------------------------------------------------------------------------------------------
// Sending: SMTP, SMS, the worker.

/// An SMS gateway (MSG-8). A real provider plugs in here; the demo logs.
pub trait SmsGateway: Send + Sync {
    /// Sends `text` to `phone`; an error is retried like a failed e-mail.
    fn send<'a>(
        &'a self,
        phone: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// The demo gateway: writes each SMS to the log (the number shortened), sends nothing.
#[derive(Debug, Default)]
pub struct LoggingSms;

impl SmsGateway for LoggingSms {
    fn send<'a>(
        &'a self,
        phone: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let tail: String = phone
                .chars()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            tracing::info!(to = %format!("…{tail}"), chars = text.chars().count(), "SMS (logging gateway)");
            Ok(())
        })
    }
}

/// E-mail over SMTP to a relay: `smtp://HOST[:PORT]` (port 25 by default). Plain SMTP only: a
/// local relay or a smart host on the same network carries mail further.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let uri: axum::http::Uri = smtp_url
            .parse()
            .map_err(|e| format!("the SMTP URL {smtp_url:?} cannot be read: {e}"))?;
        if uri.scheme_str() != Some("smtp") {
            return Err(format!(
                "the SMTP URL must start with smtp:// (plain SMTP to a relay), not {smtp_url:?}"
            ));
        }
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("the SMTP URL {smtp_url:?} names no host"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(uri.port_u16().unwrap_or(25))
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("the sender address {from:?} is not valid: {e}"))?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(|_| SendError::BadAddress)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| SendError::Temporary(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| SendError::Temporary(e.to_string()))
    }
}

enum SendError {
    /// The address cannot receive mail: recorded, not retried.
    BadAddress,
    /// The server is down or refused for now: retried with backoff.
    Temporary(String),
}

/// How the worker is set up.
pub struct WorkerConfig {
    /// `None`: mail stays in the outbox until a server is configured (logged once).
    pub mailer: Option<Mailer>,
    pub sms: Arc<dyn SmsGateway>,
    /// The address people open skolebro at, for the links in notices.
    pub public_url: String,
}

/// The outbox worker.
pub struct Worker {
    store: Store,
    config: WorkerConfig,
    told_no_smtp: AtomicBool,
}

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Mails and SMS accepted by the server or gateway (a digest counts once).
    pub sent: usize,
    pub held: usize,
    pub skipped: usize,
    pub failed: usize,
}

/// Notices claimed per round; a step takes rounds until the due ones are done.
const BATCH: i64 = 200;
const MAX_ROUNDS: usize = 50;
/// How long a claim holds: a worker that stopped mid-send frees its rows after this.
const LEASE_SECS: i64 = 300;

struct SchoolFacts {
    tz: TimeZone,
    hours: ContactHours,
    locale: Lang,
}

impl Worker {
    pub fn new(store: Store, config: WorkerConfig) -> Worker {
        Worker {
            store,
            config,
            told_no_smtp: AtomicBool::new(false),
        }
    }

    async fn school_facts(&self, id: SchoolId) -> Result<SchoolFacts, StoreError> {
        let school = self.store.school(id).await?;
        let settings = self.store.messaging_settings(id).await?;
        let hours = settings
            .contact_hours
            .as_deref()
            .and_then(|h| ContactHours::parse(h).ok())
            .unwrap_or_else(|| ContactHours::default_for(profile(school.country)));
        Ok(SchoolFacts {
            tz: TimeZone::get(&school.time_zone).unwrap_or(TimeZone::UTC),
            hours,
            locale: school.locale,
        })
    }

    /// One step at `now`: writes the notices of event and meeting reminders that have come due, then routes
    /// every due notice (skip, hold, send), sends instant ones one by one and each person's due
    /// digest items as one mail, and marks each sent right after the server accepted it. Failed
    /// sends are retried later with backoff.
    pub async fn run_once(&self, now: Timestamp) -> Result<TickReport, StoreError> {
        let mut report = TickReport::default();
        self.store
            .announce_due_reminders(now.as_second(), BATCH)
            .await?;
        self.store
            .announce_due_meeting_reminders(now.as_second(), BATCH)
            .await?;
        self.store
            .announce_due_posts(now.as_second(), BATCH)
            .await?;
        let channel = if self.config.mailer.is_some() {
            None
        } else {
            if !self.told_no_smtp.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "no SMTP server configured (--smtp-url): e-mail notifications stay in the outbox"
                );
            }
            Some(SMS)
        };
        let mut schools: HashMap<SchoolId, SchoolFacts> = HashMap::new();
        for _ in 0..MAX_ROUNDS {
            let due = self
                .store
                .claim_due(now.as_second(), BATCH, LEASE_SECS, channel)
                .await?;
            let claimed = due.len();
            for n in &due {
                if let std::collections::hash_map::Entry::Vacant(slot) = schools.entry(n.school_id)
                {
                    slot.insert(self.school_facts(n.school_id).await?);
                }
            }
            let mut digests: BTreeMap<i64, Vec<&DueNotice>> = BTreeMap::new();
            for n in &due {
                let Some(facts) = schools.get(&n.school_id) else {
                    continue;
                };
                let sms = n.channel == SMS;
                let route = rules::route(
                    &rules::RouteFacts {
                        preference: n.preference,
                        emergency: n.emergency,
                        has_address: if sms {
                            n.phone.is_some()
                        } else {
                            n.email.is_some()
                        },
                        staff: n.staff,
                        contact_hours: facts.hours,
                        time_zone: &facts.tz,
                        in_digest: n.digest,
                    },
                    now,
                );
                match route {
                    Route::Skip(reason) => {
                        self.store.mark_skipped(&[n.id], reason.as_str()).await?;
                        report.skipped += 1;
                    }
                    Route::HoldUntil { at, digest } => {
                        self.store.hold(&[n.id], at.as_second(), digest).await?;
                        report.held += 1;
                    }
                    Route::SendInDigest => digests.entry(n.person_id.0).or_default().push(n),
                    Route::Send if sms => self.send_sms(n, facts, now, &mut report).await?,
                    Route::Send => {
                        let tr = Tr::new(n.language.unwrap_or(facts.locale));
                        let (subject, body) = self.single_mail(&tr, n);
                        self.deliver(&[n], &subject, body, now, &mut report).await?;
                    }
                }
            }
            for items in digests.values() {
                let Some(first) = items.first() else { continue };
                let locale = schools.get(&first.school_id).map_or(Lang::Da, |f| f.locale);
                let tr = Tr::new(first.language.unwrap_or(locale));
                let (subject, body) = self.digest_mail(&tr, items);
                self.deliver(items, &subject, body, now, &mut report)
                    .await?;
            }
            if (claimed as i64) < BATCH {
                break;
            }
        }
        Ok(report)
    }

    fn url(&self, link: &str) -> String {
        format!("{}{}", self.config.public_url.trim_end_matches('/'), link)
    }

    fn single_mail(&self, tr: &Tr, n: &DueNotice) -> (String, String) {
        let footer = tr.t1(
            "notify-mail-footer",
            "url",
            self.url("/settings/notifications"),
        );
        let open = tr.t1("notify-mail-open", "url", self.url(&n.link));
        if n.sensitive {
            let text = tr.t("notify-mail-sensitive");
            return (text.clone(), format!("{text}\n\n{open}\n\n-- \n{footer}\n"));
        }
        let kind = tr.t(&format!("notify-kind-{}", n.kind.as_str()));
        let subject = format!("{kind}: {}", n.subject);
        let subject = if n.emergency {
            format!("{} {subject}", tr.t("notify-mail-emergency"))
        } else {
            subject
        };
        (
            subject,
            format!("{}\n\n{}\n\n{open}\n\n-- \n{footer}\n", n.subject, n.body),
        )
    }

    fn digest_mail(&self, tr: &Tr, items: &[&DueNotice]) -> (String, String) {
        let subject = tr.t1("notify-digest-subject", "count", items.len());
        let mut body = format!("{}\n\n", tr.t1("notify-digest-intro", "count", items.len()));
        for n in items {
            let kind = tr.t(&format!("notify-kind-{}", n.kind.as_str()));
            let title = if n.sensitive {
                tr.t("notify-mail-sensitive")
            } else {
                n.subject.clone()
            };
            body.push_str(&format!("* {kind}: {title}\n  {}\n\n", self.url(&n.link)));
        }
        body.push_str(&format!(
            "-- \n{}\n",
            tr.t1(
                "notify-mail-footer",
                "url",
                self.url("/settings/notifications")
            )
        ));
        (subject, body)
    }

    /// Sends one mail covering `items` (all to the same person) and records the outcome.
    async fn deliver(
        &self,
        items: &[&DueNotice],
        subject: &str,
        body: String,
        now: Timestamp,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = items.iter().map(|n| n.id).collect();
        let (Some(mailer), Some(to)) = (
            self.config.mailer.as_ref(),
            items.first().and_then(|n| n.email.as_deref()),
        ) else {
            // Not reached (routing checks the address, and without a relay no mail is
            // claimed); should it be, the notices go back to wait rather than stay claimed.
            let digest = items.iter().any(|n| n.digest);
            return self.store.hold(&ids, now.as_second(), digest).await;
        };
        match mailer.send(to, subject, body).await {
            Ok(()) => {
                self.store.mark_sent(&ids, now.as_second()).await?;
                report.sent += 1;
            }
            Err(SendError::BadAddress) => {
                self.store
                    .mark_skipped(&ids, rules::REASON_BAD_ADDRESS)
                    .await?;
                report.skipped += items.len();
            }
            Err(SendError::Temporary(e)) => {
                let attempts = items.iter().map(|n| n.attempts).max().unwrap_or(0) + 1;
                tracing::warn!(error = %e, attempts, "sending a notification failed; it will be retried");
                self.store
                    .mark_failed_attempt(
                        &ids,
                        attempts,
                        rules::retry_at(attempts, now).as_second(),
                        &e,
                    )
                    .await?;
                report.failed += items.len();
            }
        }
        Ok(())
    }

    async fn send_sms(
        &self,
        n: &DueNotice,
        facts: &SchoolFacts,
        now: Timestamp,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let Some(phone) = n.phone.as_deref() else {
            return self
                .store
                .mark_skipped(&[n.id], rules::SkipReason::NoAddress.as_str())
                .await;
        };
        let day = now.to_zoned(facts.tz.clone()).date().to_string();
        let budget = self.store.sms_daily_budget(n.school_id).await?;
        if !self.store.take_sms(n.school_id, &day, budget).await? {
            self.store
                .mark_skipped(&[n.id], rules::REASON_SMS_BUDGET)
                .await?;
            report.skipped += 1;
            return Ok(());
        }
        let tr = Tr::new(n.language.unwrap_or(facts.locale));
        let text = if n.sensitive {
            tr.t("notify-mail-sensitive")
        } else {
            format!("{} {}", n.subject, self.url(&n.link))
        };
        match self.config.sms.send(phone, &rules::sms_text(&text)).await {
            Ok(()) => {
                self.store.mark_sent(&[n.id], now.as_second()).await?;
                report.sent += 1;
            }
            Err(e) => {
                let attempts = n.attempts + 1;
                self.store
                    .mark_failed_attempt(
                        &[n.id],
                        attempts,
                        rules::retry_at(attempts, now).as_second(),
                        &e,
                    )
                    .await?;
                report.failed += 1;
            }
        }
        Ok(())
    }
}

/// Runs the worker every `interval` until `shutdown` turns true; the step in progress finishes
/// first. Pending rows from before a restart are picked up by the first step.
pub fn spawn(
    worker: Arc<Worker>,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(e) = worker.run_once(skolebro_store::clock::now()).await {
                tracing::error!(error = %e, "notification worker step failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("notification worker stopped");
    })
}

// ---------------------------------------------------------------------------------------------
// Preferences: page and API.

/// One kind's choice.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreferenceJson {
    /// `message`, `post`, `event`, `absence` or `conference`.
    #[schema(pattern = r"^(message|post|event|absence|conference)$")]
    pub kind: String,
    /// `instant`, `digest` or `off`.
    #[schema(pattern = r"^(instant|digest|off)$")]
    pub delivery: String,
    /// Hour of the daily digest, 0–23, school time (default 16).
    #[schema(minimum = 0, maximum = 23)]
    pub digest_hour: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreferencesJson {
    pub preferences: Vec<PreferenceJson>,
}

fn to_json(prefs: &[Preference]) -> PreferencesJson {
    PreferencesJson {
        preferences: prefs
            .iter()
            .map(|p| PreferenceJson {
                kind: p.kind.as_str().into(),
                delivery: p.delivery.as_str().into(),
                digest_hour: Some(i64::from(p.digest_hour)),
            })
            .collect(),
    }
}

fn require_own(me: &SignedIn) -> Result<(), WebError> {
    let own = Resource::Profile {
        person_id: me.actor.person_id,
    };
    if may(&me.actor, Action::ChooseNotifications, &own) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

/// Your notification choices per kind: instant, a daily digest at an hour, or off (MSG-8).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notify", security(("bearer" = [])),
    responses((status = 200, body = PreferencesJson), (status = 401)))]
pub async fn api_preferences(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<PreferencesJson>, WebError> {
    let me = viewer.require()?;
    require_own(me)?;
    let prefs = state.store.notify_preferences(me.actor.person_id).await?;
    Ok(Json(to_json(&prefs)))
}

/// Change your choices; kinds not given keep theirs. Emergency posts always come at once.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "notify", security(("bearer" = [])),
    request_body = PreferencesJson,
    responses((status = 200, body = PreferencesJson), (status = 401),
        (status = 422, description = "An unknown kind or delivery, or an hour outside 0–23", content_type = "application/problem+json")))]
pub async fn api_set_preferences(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(req): Json<PreferencesJson>,
) -> Result<Json<PreferencesJson>, WebError> {
    let me = viewer.require()?;
    require_own(me)?;
    if req.preferences.is_empty() {
        return Err(WebError::Unprocessable("no preferences given".into()));
    }
    if req.preferences.len() > NotifyKind::ALL.len() * 2 {
        return Err(WebError::Unprocessable("too many preferences".into()));
    }
    let prefs = req
        .preferences
        .iter()
        .map(|p| {
            let hour = p.digest_hour.map(|h| h.to_string());
            Preference::parse(&p.kind, &p.delivery, hour.as_deref())
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| WebError::Unprocessable(e.to_string()))?;
    state
        .store
        .set_notify_preferences(me.actor.school_id, me.actor.person_id, &prefs)
        .await?;
    let prefs = state.store.notify_preferences(me.actor.person_id).await?;
    Ok(Json(to_json(&prefs)))
}

struct KindRow {
    kind: &'static str,
    label: String,
    delivery: &'static str,
    hour: u8,
}

#[derive(Template)]
#[template(path = "notify/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    tr: Tr,
    rows: Vec<KindRow>,
    deliveries: Vec<(&'static str, String)>,
    hours: Vec<u8>,
    error: Option<String>,
    saved: bool,
}

fn settings(
    viewer: &Viewer,
    prefs: &[Preference],
    error: Option<String>,
    saved: bool,
) -> SettingsPage {
    let tr = viewer.tr;
    SettingsPage {
        chrome: viewer.chrome(),
        tr,
        rows: prefs
            .iter()
            .map(|p| KindRow {
                kind: p.kind.as_str(),
                label: tr.t(&format!("notify-kind-{}", p.kind.as_str())),
                delivery: p.delivery.as_str(),
                hour: p.digest_hour,
            })
            .collect(),
        deliveries: Delivery::ALL
            .into_iter()
            .map(|d| (d.as_str(), tr.t(&format!("notify-delivery-{}", d.as_str()))))
            .collect(),
        hours: (0..24).collect(),
        error,
        saved,
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn settings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    require_own(me)?;
    let prefs = state.store.notify_preferences(me.actor.person_id).await?;
    html(&settings(&viewer, &prefs, None, q.saved.is_some()))
}

async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    require_own(me)?;
    let mut prefs = Vec::new();
    let mut problem = None;
    for kind in NotifyKind::ALL {
        let Some(delivery) = form.get(&format!("{}_delivery", kind.as_str())) else {
            continue;
        };
        let hour = form.get(&format!("{}_hour", kind.as_str()));
        match Preference::parse(kind.as_str(), delivery, hour.map(String::as_str)) {
            Ok(p) => prefs.push(p),
            Err(e) => {
                problem = Some(e);
                break;
            }
        }
    }
    if let Some(e) = problem {
        let current = state.store.notify_preferences(me.actor.person_id).await?;
        let error = match e {
            rules::PreferenceProblem::Hour => viewer.tr.t("notify-error-hour"),
            _ => viewer.tr.t("notify-error-delivery"),
        };
        let mut response = html(&settings(&viewer, &current, Some(error), false))?;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        response.extensions_mut().insert(Rendered);
        return Ok(response);
    }
    state
        .store
        .set_notify_preferences(me.actor.school_id, me.actor.person_id, &prefs)
        .await?;
    Ok(Redirect::to("/settings/notifications?saved=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// The outbox, for leaders.

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxCountsJson {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
}

/// One notice, without its content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxItemJson {
    pub id: i64,
    pub person_id: i64,
    pub kind: String,
    /// `email` or `sms`.
    pub channel: String,
    /// `pending`, `sending`, `sent`, `failed` or `skipped`.
    pub status: String,
    pub digest: bool,
    pub attempts: i64,
    /// When it is tried next (pending), Unix seconds.
    pub next_attempt_at: i64,
    /// Why it was not sent (`off`, `no_address`, `bad_address`, `sms_budget`), or the mail
    /// server's words on the last failed try.
    pub reason: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxJson {
    pub counts: OutboxCountsJson,
    pub items: Vec<OutboxItemJson>,
    /// Pass as `before` for the next page.
    pub next: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
    before: Option<String>,
}

const OUTBOX_PAGE: i64 = 50;

fn outbox_json(counts: OutboxCounts, rows: Vec<OutboxRow>) -> OutboxJson {
    let next = (rows.len() as i64 == OUTBOX_PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    OutboxJson {
        counts: OutboxCountsJson {
            pending: counts.pending,
            sent: counts.sent,
            failed: counts.failed,
            skipped: counts.skipped,
        },
        items: rows
            .into_iter()
            .map(|r| OutboxItemJson {
                id: r.id,
                person_id: r.person_id.0,
                kind: r.kind,
                channel: r.channel,
                status: r.status,
                digest: r.digest,
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                reason: r.last_error,
                created_at: r.created_at,
                sent_at: r.sent_at,
            })
            .collect(),
        next,
    }
}

/// The leaders' view of the outbox, parsed from the query: status filter and cursor.
async fn load_outbox(
    state: &AppState,
    me: &SignedIn,
    q: &OutboxQuery,
) -> Result<(OutboxCounts, Vec<OutboxRow>), WebError> {
    let school = Resource::School {
        school_id: me.actor.school_id,
    };
    if !may(&me.actor, Action::ViewOutbox, &school) {
        return Err(WebError::NotFound);
    }
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s @ ("pending" | "sending" | "sent" | "failed" | "skipped")) => Some(s),
        Some(_) => {
            return Err(WebError::Unprocessable(
                "status must be pending, sending, sent, failed or skipped".into(),
            ))
        }
    };
    let before = match q.before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| WebError::Unprocessable("before must be a notice id".into()))?,
        ),
    };
    Ok(state
        .store
        .outbox(me.actor.school_id, status, before, OUTBOX_PAGE)
        .await?)
}

struct OutboxLine {
    name: String,
    kind: String,
    channel: String,
    status: String,
    attempts: i64,
    when: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "notify/outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    tr: Tr,
    counts: OutboxCounts,
    lines: Vec<OutboxLine>,
    next: Option<String>,
}

async fn outbox_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, WebError> {
    let me = viewer.require()?;
    let (counts, rows) = load_outbox(&state, me, &q).await?;
    let tz = me.time_zone();
    let tr = viewer.tr;
    let local = |secs: i64| {
        Timestamp::from_second(secs)
            .map(|t| {
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let next = (rows.len() as i64 == OUTBOX_PAGE)
        .then(|| rows.last().map(|r| r.id))
        .flatten()
        .map(|id| match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => format!("/notifications/outbox?status={s}&before={id}"),
            None => format!("/notifications/outbox?before={id}"),
        });
    let lines = rows
        .into_iter()
        .map(|r| OutboxLine {
            name: r.person_name,
            kind: tr.t(&format!("notify-kind-{}", r.kind)),
            channel: r.channel,
            status: tr.t(&format!("notify-status-{}", r.status)),
            attempts: r.attempts,
            when: local(r.sent_at.unwrap_or(r.next_attempt_at)),
            reason: match r.last_error {
                Some(code) if rules::REASONS.contains(&code.as_str()) => {
                    tr.t(&format!("notify-reason-{code}"))
                }
                other => other.unwrap_or_default(),
            },
        })
        .collect();
    html(&OutboxPage {
        chrome: viewer.chrome(),
        tr,
        counts,
        lines,
        next,
    })
}

/// The school's notification outbox: counts per status and the newest notices (leaders).
#[utoipa::path(get, path = "/api/v1/notifications/outbox", tag = "notify", security(("bearer" = [])),
    params(("status" = Option<String>, Query, pattern = r"^(pending|sending|sent|failed|skipped)?$", description = "pending, sending, sent, failed or skipped"),
        ("before" = Option<String>, Query, pattern = r"^\s*([+-]?[0-9]{1,18})?\s*$", description = "Cursor: the `next` of the previous page")),
    responses((status = 200, body = OutboxJson), (status = 401), (status = 404, description = "Not a leader"),
        (status = 422, description = "Unknown status or cursor", content_type = "application/problem+json")))]
pub async fn api_outbox(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<OutboxQuery>,
) -> Result<Json<OutboxJson>, WebError> {
    let me = viewer.require()?;
    let (counts, rows) = load_outbox(&state, me, &q).await?;
    Ok(Json(outbox_json(counts, rows)))
}
