//! Sessions and requests (issue #9): the session id changes at sign-in, cookie flags, security
//! headers on every response, HSTS behind TLS, rate limits on message sending and absence
//! reporting. On both databases.

mod common;

use common::{csrf_of, TestApp, PASSWORD};
use serde_json::{json, Value};

/// A client without a cookie store: the test reads and sends cookies itself.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `Set-Cookie` header that sets `name`, if any.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    let first = set_cookie.split(';').next().unwrap_or_default();
    first
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// Signs in with a bare client, sending `session` as a session cookie planted beforehand.
/// Returns the sign-in response.
async fn sign_in_with_planted(
    app: &TestApp,
    session: &str,
    forwarded_https: bool,
) -> reqwest::Response {
    let client = bare_client();
    let mut req = client.get(app.url("/login"));
    if forwarded_https {
        req = req.header("x-forwarded-proto", "https");
    }
    let page = req.send().await.expect("login page");
    let csrf_cookie = set_cookie(&page, "skolebro_csrf").expect("a CSRF cookie");
    let csrf = csrf_of(&page.text().await.expect("body"));
    let mut req = client
        .post(app.url("/login"))
        .header(
            "cookie",
            format!(
                "skolebro_csrf={}; skolebro_session={session}",
                cookie_value(&csrf_cookie)
            ),
        )
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "guardian1"),
            ("password", PASSWORD),
        ]);
    if forwarded_https {
        req = req.header("x-forwarded-proto", "https");
    }
    req.send().await.expect("sign in")
}

async fn overview_status(app: &TestApp, session: &str) -> u16 {
    bare_client()
        .get(app.url("/overview"))
        .header("cookie", format!("skolebro_session={session}"))
        .send()
        .await
        .expect("overview")
        .status()
        .as_u16()
}

async fn session_id_changes_at_sign_in(app: TestApp) {
    // An attacker plants a session id of their choosing, then the victim signs in.
    let planted = "attacker-chosen-session-id";
    let response = sign_in_with_planted(&app, planted, false).await;
    assert_eq!(response.status(), 303);
    let cookie = set_cookie(&response, "skolebro_session").expect("a new session cookie");
    let issued = cookie_value(&cookie);
    assert_ne!(
        issued, planted,
        "the session id is the server's, not the browser's"
    );
    assert!(issued.len() >= 32, "a long random id: {issued}");
    assert_eq!(overview_status(&app, &issued).await, 200);
    assert_eq!(
        overview_status(&app, planted).await,
        303,
        "the planted id is no session"
    );

    // An attacker's own valid session planted in the victim's browser: signing in replaces it.
    let attackers = cookie_value(
        &set_cookie(
            &sign_in_with_planted(&app, "x", false).await,
            "skolebro_session",
        )
        .expect("cookie"),
    );
    let response = sign_in_with_planted(&app, &attackers, false).await;
    // Signed in with the attacker's session, the sign-in form needs that session's token;
    // either way the victim never ends up on the attacker's id.
    if let Some(cookie) = set_cookie(&response, "skolebro_session") {
        assert_ne!(cookie_value(&cookie), attackers);
    }

    // Signing out ends the session on the server, not only in the browser.
    let page = bare_client()
        .get(app.url("/profile"))
        .header("cookie", format!("skolebro_session={issued}"))
        .send()
        .await
        .expect("profile")
        .text()
        .await
        .expect("body");
    let response = bare_client()
        .post(app.url("/logout"))
        .header("cookie", format!("skolebro_session={issued}"))
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 303);
    assert_eq!(
        overview_status(&app, &issued).await,
        303,
        "a signed-out session id is worth nothing"
    );
}

async fn cookies_are_http_only_same_site_and_secure_behind_tls(app: TestApp) {
    let plain = sign_in_with_planted(&app, "", false).await;
    assert!(
        plain.headers().get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    let session = set_cookie(&plain, "skolebro_session").expect("session cookie");
    let flags = session.to_ascii_lowercase();
    assert!(flags.contains("httponly"), "{session}");
    assert!(flags.contains("samesite=lax"), "{session}");
    assert!(flags.contains("path=/"), "{session}");
    assert!(!flags.contains("secure"), "plain HTTP: {session}");
    let login = bare_client()
        .get(app.url("/login"))
        .send()
        .await
        .expect("login page");
    let csrf = set_cookie(&login, "skolebro_csrf").expect("CSRF cookie");
    assert!(csrf.to_ascii_lowercase().contains("httponly"), "{csrf}");
    assert!(csrf.to_ascii_lowercase().contains("samesite=lax"), "{csrf}");

    // Behind a TLS-terminating proxy.
    let tls = sign_in_with_planted(&app, "", true).await;
    let session = set_cookie(&tls, "skolebro_session").expect("session cookie");
    assert!(
        session.to_ascii_lowercase().contains("secure"),
        "behind TLS: {session}"
    );
    assert_eq!(
        tls.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

fn assert_security_headers(what: &str, response: &reqwest::Response) {
    let h = response.headers();
    let csp = h
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
}

async fn security_headers_on_every_response(app: TestApp) {
    let anonymous = bare_client();
    let guardian = app.signed_in("guardian1").await;
    let token = app.token("teacher1").await;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        ("sign-in page", anonymous.get(app.url("/login")), 200),
        ("redirect", anonymous.get(app.url("/overview")), 303),
        (
            "stylesheet",
            anonymous.get(app.url("/static/style.css")),
            200,
        ),
        ("script", anonymous.get(app.url("/static/live.js")), 200),
        ("health", anonymous.get(app.url("/healthz")), 200),
        ("page", guardian.get(app.url("/overview")), 200),
        ("missing page", guardian.get(app.url("/no/such/page")), 404),
        (
            "form without token",
            guardian.post(app.url("/logout")).form(&[("x", "y")]),
            403,
        ),
        (
            "API",
            anonymous.get(app.url("/api/v1/me")).bearer_auth(&token),
            200,
        ),
        (
            "API without token",
            anonymous.get(app.url("/api/v1/me")),
            401,
        ),
        (
            "malformed JSON",
            anonymous
                .post(app.url("/api/v1/session"))
                .header("content-type", "application/json")
                .body("{"),
            400,
        ),
        (
            "OpenAPI",
            anonymous.get(app.url("/api/v1/openapi.json")),
            200,
        ),
    ];
    for (what, request, status) in cases {
        let response = request.send().await.expect(what);
        assert_eq!(response.status().as_u16(), status, "{what}");
        assert_security_headers(what, &response);
        let cache = response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if matches!(what, "stylesheet" | "script") {
            assert!(cache.starts_with("public"), "{what}: {cache}");
        } else {
            assert_eq!(cache, "no-store", "{what}: pages and answers are not kept");
        }
    }
    // No page carries an inline script: the CSP would block it, so it would be a bug.
    for path in ["/overview", "/messages", "/profile", "/absence"] {
        let body = guardian
            .get(app.url(path))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let mut rest = body.as_str();
        while let Some(i) = rest.find("<script") {
            let tag_end = rest[i..].find('>').map_or(rest.len(), |e| i + e);
            assert!(
                rest[i..tag_end].contains("src="),
                "{path}: inline script {}",
                &rest[i..tag_end]
            );
            rest = &rest[tag_end..];
        }
        assert!(!body.contains(" onclick="), "{path}: inline handler");
    }
}

/// Signing out ends the session and tells the browser to drop its cookie (issue 15).
async fn signing_out_removes_the_cookie(app: TestApp) {
    let browser = app.signed_in("guardian1").await;
    let csrf = app.session_csrf(&browser).await;
    let response = browser
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), 303);
    let set_cookie: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let removal = set_cookie
        .iter()
        .find(|c| c.starts_with("skolebro_session="))
        .unwrap_or_else(|| panic!("a removal cookie: {set_cookie:?}"));
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert!(removal.contains("Path=/"), "{removal}");
    let r = browser
        .get(app.url("/overview"))
        .send()
        .await
        .expect("overview");
    assert_eq!(r.status(), 303, "signed out");
}

async fn post_json(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client()
        .post(app.url(path))
        .bearer_auth(token)
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .expect("post")
}

async fn message_sends_are_limited_per_account(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let g1 = app.id_of("guardian1").await.0;
    let mut thread = 0;
    // The default: 30 messages a minute, new conversations and replies together.
    for n in 0..30 {
        let response = if n < 20 {
            post_json(
                &app,
                &teacher,
                "/api/v1/threads",
                json!({"recipients": [g1], "subject": format!("Besked {n}"), "body": "Hej"}),
            )
            .await
        } else {
            post_json(
                &app,
                &teacher,
                &format!("/api/v1/threads/{thread}/messages"),
                json!({"body": format!("Svar {n}")}),
            )
            .await
        };
        assert_eq!(response.status(), 201, "message {n}");
        if n == 0 {
            let body: Value = response.json().await.expect("json");
            thread = body["thread_id"]
                .as_i64()
                .or_else(|| body["id"].as_i64())
                .expect("thread id");
        }
    }
    let refused = post_json(
        &app,
        &teacher,
        "/api/v1/threads",
        json!({"recipients": [g1], "subject": "En for mange", "body": "Hej"}),
    )
    .await;
    assert_eq!(refused.status(), 429);
    let retry: i64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["status"], 429);
    assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
    // The refused message was not stored.
    let (_, inbox) = app
        .api_get(Some(&app.token("guardian1").await), "/api/v1/threads")
        .await;
    assert!(
        !inbox.to_string().contains("En for mange"),
        "a refused message is not delivered"
    );
    // A reply is refused too, and on the page the limit answers with a page.
    let reply = post_json(
        &app,
        &teacher,
        &format!("/api/v1/threads/{thread}/messages"),
        json!({"body": "Endnu et svar"}),
    )
    .await;
    assert_eq!(reply.status(), 429);
    let browser = app.signed_in("teacher1").await;
    let page = browser
        .get(app.url(&format!("/messages/{thread}")))
        .send()
        .await
        .expect("thread")
        .text()
        .await
        .expect("body");
    let response = browser
        .post(app.url(&format!("/messages/{thread}/reply")))
        .header("accept-language", "en")
        .form(&[("csrf", csrf_of(&page)), ("body", "Fra siden".into())])
        .send()
        .await
        .expect("reply form");
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let html = response.text().await.expect("body");
    assert!(html.contains("Too many attempts"), "{html}");
    // Another account is not affected.
    let other = app.token("teacher2").await;
    let response = post_json(
        &app,
        &other,
        "/api/v1/threads",
        json!({"recipients": [g1], "subject": "Fra en anden", "body": "Hej"}),
    )
    .await;
    assert!(
        response.status() == 201 || response.status() == 403,
        "teacher2 is not limited: {}",
        response.status()
    );
    assert_ne!(response.status(), 429);
}

/// The most recent working day before today.
fn previous_school_day() -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let mut d = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz)
        .date()
        .yesterday()
        .expect("yesterday");
    while !skolebro_domain::calendar::is_working_day(d) {
        d = d.yesterday().expect("yesterday");
    }
    d
}

async fn absence_reports_are_limited_per_account(app: TestApp) {
    let teacher = app.token("teacher1").await;
    let pupil = app.id_of("pupil1").await.0;
    let path = format!("/api/v1/pupils/{pupil}/absences");
    let day = previous_school_day().to_string();
    // Staff replace their own report of a day, so each of these is a stored write.
    for n in 0..20 {
        let response = post_json(
            &app,
            &teacher,
            &path,
            json!({"from": day, "reason": if n % 2 == 0 { "illness" } else { "leave" }}),
        )
        .await;
        assert_eq!(response.status(), 201, "report {n}");
    }
    let refused = post_json(
        &app,
        &teacher,
        &path,
        json!({"from": day, "reason": "illness"}),
    )
    .await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["status"], 429);
    // The pupil's guardian reports on their own account.
    let guardian = app.token("guardian1").await;
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let mut next = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz)
        .date()
        .tomorrow()
        .expect("tomorrow");
    while !skolebro_domain::calendar::is_working_day(next) {
        next = next.tomorrow().expect("tomorrow");
    }
    let response = post_json(
        &app,
        &guardian,
        &path,
        json!({"from": next.to_string(), "reason": "illness"}),
    )
    .await;
    assert_eq!(response.status(), 201);
}

/// A foreign site can make a browser send its session cookie to the API; a change signed in
/// by that cookie needs the session's CSRF token in a header (issue 15 §2).
async fn cookie_sessions_change_nothing_through_the_api_without_the_token(app: TestApp) {
    let token = app.token("teacher1").await;
    let g1 = app.id_of("guardian1").await.0;
    let created = post_json(
        &app,
        &token,
        "/api/v1/threads",
        json!({"recipients": [g1], "subject": "Udflugt", "body": "Hej"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let thread = created.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let open = format!("/api/v1/threads/{thread}/open");
    let browser = app.signed_in("teacher1").await;
    let forged = browser
        .post(app.url(&open))
        .header("origin", "https://evil.example")
        .header("accept-language", "en")
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 403);
    let problem: Value = forged.json().await.expect("problem");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("X-CSRF-Token")),
        "{problem}"
    );
    let (_, detail) = app
        .api_get(Some(&token), &format!("/api/v1/threads/{thread}"))
        .await;
    assert_eq!(
        detail["open_to_all"],
        json!(false),
        "the forged request changed nothing: {detail}"
    );
    // Reading with the cookie still works, and a change with the token goes through.
    let me = browser.get(app.url("/api/v1/me")).send().await.expect("me");
    assert_eq!(me.status(), 200);
    let csrf = app.session_csrf(&browser).await;
    let with_token = browser
        .post(app.url(&open))
        .header("x-csrf-token", csrf.as_str())
        .send()
        .await
        .expect("with token");
    assert!(with_token.status().is_success(), "{}", with_token.status());
    // A bearer client needs no such header.
    let bearer = app
        .client()
        .post(app.url(&open))
        .bearer_auth(&token)
        .send()
        .await
        .expect("bearer");
    assert!(bearer.status().is_success(), "{}", bearer.status());
}

/// Reads a live stream until the server ends it; the bound only keeps a failure from hanging
/// the suite.
async fn stream_ends(response: &mut reqwest::Response, what: &str) {
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(20), response.chunk()).await {
            Err(_) => panic!("{what}: the live stream is still open"),
            Ok(Ok(None)) | Ok(Err(_)) => return,
            Ok(Ok(Some(_))) => continue,
        }
    }
}

/// Signing out ends the session's live streams, on this server at once and on another within
/// its periodic check; a password change ends the other sessions' streams (issue 15 §2).
async fn signing_out_ends_the_live_streams(app: TestApp) {
    let other_node = app.second_server(|_| {}).await;
    let browser = app.signed_in("guardian1").await;
    let open = |url: String| {
        let browser = browser.clone();
        async move {
            let r = browser.get(url).send().await.expect("stream");
            assert_eq!(r.status(), 200);
            r
        }
    };
    let mut here = open(app.url("/messages/events")).await;
    let mut there = open(format!("{other_node}/messages/events")).await;
    let csrf = app.session_csrf(&browser).await;
    let out = browser
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    stream_ends(&mut here, "this server").await;
    stream_ends(&mut there, "the other server").await;

    // A password change ends the person's other sessions and their streams.
    let kept = app.signed_in("guardian2").await;
    let other = app.signed_in("guardian2").await;
    let mut others_stream = other
        .get(app.url("/messages/events"))
        .send()
        .await
        .expect("stream");
    assert_eq!(others_stream.status(), 200);
    let csrf = app.session_csrf(&kept).await;
    let changed = kept
        .post(app.url("/profile/password"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", "a-new-and-long-password-42"),
            ("repeat", "a-new-and-long-password-42"),
        ])
        .send()
        .await
        .expect("change");
    assert!(
        changed.status().is_success() || changed.status() == 303,
        "{}",
        changed.status()
    );
    stream_ends(&mut others_stream, "the other session").await;
    let still = kept
        .get(app.url("/overview"))
        .send()
        .await
        .expect("overview");
    assert_eq!(still.status(), 200, "the session that changed it stays");
}

on_both_databases!(
    signing_out_ends_the_live_streams,
    cookie_sessions_change_nothing_through_the_api_without_the_token,
    signing_out_removes_the_cookie,
    session_id_changes_at_sign_in,
    cookies_are_http_only_same_site_and_secure_behind_tls,
    security_headers_on_every_response,
    message_sends_are_limited_per_account,
    absence_reports_are_limited_per_account,
);

/// Slow and silent clients cannot hold connections (issue 15 §2): the request head must come
/// within the header timeout, also when it trickles in a line at a time, and a kept-alive
/// connection that goes quiet is closed as well. Not a matter of the database: SQLite only.
#[tokio::test]
async fn slow_and_silent_clients_are_cut_off() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let store = skolebro_store::Store::connect(&url).await.expect("store");
    common::demo_in(&store, 30, skolebro_domain::Country::Dk).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = skolebro_web::Config {
        header_timeout: Some(Duration::from_millis(400)),
        ..skolebro_web::Config::default()
    };
    let state = skolebro_web::AppState::new(store, config);
    let server = tokio::spawn(skolebro_web::serve(listener, state, std::future::pending()));
    // Reads until the server closes the connection; the bound only keeps a failure from
    // hanging the suite, it measures nothing.
    async fn closed_by_server(stream: &mut tokio::net::tcp::OwnedReadHalf) -> Vec<u8> {
        let mut seen = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await {
                Err(_) => panic!("the server kept the connection open: {seen:?}"),
                Ok(Ok(0)) | Ok(Err(_)) => return seen,
                Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            }
        }
    }

    // Half a request head, then nothing.
    let (mut read, mut write) = TcpStream::connect(addr)
        .await
        .expect("connect")
        .into_split();
    write
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: school\r\n")
        .await
        .expect("write");
    assert!(closed_by_server(&mut read).await.is_empty());

    // A header line every 100 ms, for ever.
    let (mut read, mut write) = TcpStream::connect(addr)
        .await
        .expect("connect")
        .into_split();
    let trickle = tokio::spawn(async move {
        let _ = write.write_all(b"GET /healthz HTTP/1.1\r\n").await;
        for n in 0..400 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if write
                .write_all(format!("X-Slow-{n}: x\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    });
    assert!(closed_by_server(&mut read).await.is_empty());
    trickle.abort();

    // A whole request is answered; the connection kept alive after it ends when it goes quiet.
    let (mut read, mut write) = TcpStream::connect(addr)
        .await
        .expect("connect")
        .into_split();
    write
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: school\r\n\r\n")
        .await
        .expect("write");
    let answer = String::from_utf8_lossy(&closed_by_server(&mut read).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A live stream is a response, not a wait for headers: it outlasts the timeout.
    let base = format!("http://{addr}");
    let signed_in: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "guardian1", "password": PASSWORD}))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let token = signed_in["token"].as_str().expect("token");
    let (mut read, mut write) = TcpStream::connect(addr)
        .await
        .expect("connect")
        .into_split();
    write
        .write_all(
            format!(
                "GET /messages/events HTTP/1.1\r\nHost: school\r\nAuthorization: Bearer {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let mut head = [0u8; 512];
    let n = read.read(&mut head).await.expect("head");
    let head = String::from_utf8_lossy(&head[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/event-stream"), "{head}");
    let mut more = [0u8; 512];
    let still_open = tokio::time::timeout(Duration::from_millis(1500), read.read(&mut more)).await;
    assert!(
        !matches!(still_open, Ok(Ok(0)) | Ok(Err(_))),
        "the live stream was cut after {} ms",
        1500
    );
    server.abort();
}
