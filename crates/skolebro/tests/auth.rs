//! Signing in and out: throttling, no user enumeration, CSRF, sessions, password change.

mod common;

use common::{TestApp, PASSWORD};

async fn wrong_password_and_unknown_user_get_the_same_answer(app: TestApp) {
    let client = app.client();
    let wrong = app
        .post_login(&client, "guardian1", "not-the-password")
        .await;
    let wrong_status = wrong.status();
    let wrong_body = wrong.text().await.expect("body");
    let unknown = app
        .post_login(&client, "nobody-at-all", "not-the-password")
        .await;
    assert_eq!(wrong_status, 401);
    assert_eq!(unknown.status(), wrong_status);
    let unknown_body = unknown.text().await.expect("body");
    assert!(wrong_body.contains("Brugernavnet eller adgangskoden er forkert"));
    // The pages differ only in the echoed username and the fresh CSRF token.
    let strip = |s: &str, user: &str| {
        s.replace(user, "")
            .lines()
            .filter(|l| !l.contains("csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&wrong_body, "guardian1"),
        strip(&unknown_body, "nobody-at-all")
    );
}

async fn sixth_wrong_password_in_a_minute_is_throttled_even_when_right(app: TestApp) {
    let client = app.client();
    for attempt in 1..=5 {
        let r = app.post_login(&client, "guardian2", "wrong").await;
        assert_eq!(r.status(), 401, "attempt {attempt} is simply wrong");
    }
    let r = app.post_login(&client, "guardian2", PASSWORD).await;
    assert_eq!(
        r.status(),
        429,
        "the right password is refused while throttled"
    );
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    // Another account from the same address is not throttled by guardian2's failures.
    let r = app.post_login(&app.client(), "guardian1", PASSWORD).await;
    assert_eq!(r.status(), 303);
    // The API obeys the same throttle.
    let r = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "guardian2", "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let client = app.client();
    let _ = app.login_form_csrf(&client).await;
    let r = client
        .post(app.url("/login"))
        .form(&[("username", "guardian1"), ("password", PASSWORD)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "sign-in without a token");
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf", "forged"),
            ("username", "guardian1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "sign-in with a wrong token");
    // A fresh client without the cookie cannot use a token it saw elsewhere.
    let csrf = app.login_form_csrf(&client).await;
    let r = app
        .client()
        .post(app.url("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "guardian1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);

    let signed_in = app.signed_in("guardian1").await;
    let r = signed_in
        .post(app.url("/logout"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403, "sign-out needs the session's token");
    let r = signed_in
        .post(app.url("/profile/language"))
        .form(&[("language", "en")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Ikke tilladt"),
        "a page in the reader's language says why"
    );
    // Still signed in, nothing changed.
    let r = signed_in
        .get(app.url("/overview"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("lang=\"da\""));
}

async fn session_cookie_is_http_only_and_sign_out_ends_it(app: TestApp) {
    let client = app.client();
    let r = app.post_login(&client, "teacher1", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/overview");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("skolebro_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let overview = client.get(app.url("/overview")).send().await.expect("get");
    let page = overview.text().await.expect("body");
    let csrf = common::csrf_of(&page);
    let r = client
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let r = client.get(app.url("/overview")).send().await.expect("get");
    assert_eq!(r.status(), 303, "signed out: back to the sign-in page");
    assert_eq!(r.headers()["location"], "/login");
    // The old cookie value is dead on the server too.
    let token = cookie
        .trim_start_matches("skolebro_session=")
        .split(';')
        .next()
        .expect("value");
    let r = app
        .client()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("skolebro_session={token}"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 401);
}

async fn secure_flag_behind_tls(app: TestApp) {
    let client = app.client();
    let csrf = app.login_form_csrf(&client).await;
    let r = client
        .post(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "guardian1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
}

async fn password_change_checks_the_old_one_and_ends_other_sessions(app: TestApp) {
    let other_device = app.signed_in("guardian1").await;
    let api_token = app.token("guardian1").await;
    let client = app.signed_in("guardian1").await;
    let page = client
        .get(app.url("/profile"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let csrf = common::csrf_of(&page);
    let post = |current: &'static str, new: &'static str, repeat: &'static str| {
        let client = client.clone();
        let csrf = csrf.clone();
        let url = app.url("/profile/password");
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("current", current),
                    ("new", new),
                    ("repeat", repeat),
                ])
                .send()
                .await
                .expect("post")
        }
    };
    let r = post(
        "wrong-password",
        "a new long password",
        "a new long password",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("Den nuværende adgangskode er forkert"));
    let r = post(PASSWORD, "short", "short").await;
    assert_eq!(r.status(), 422);
    let r = post(PASSWORD, "a new long password", "another long password").await;
    assert_eq!(r.status(), 422);
    let r = post(PASSWORD, "a new long password", "a new long password").await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("body")
        .contains("Din adgangskode er skiftet"));
    // This session lives on; the others have ended.
    assert_eq!(
        client
            .get(app.url("/overview"))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    assert_eq!(
        other_device
            .get(app.url("/overview"))
            .send()
            .await
            .expect("get")
            .status(),
        303
    );
    assert_eq!(app.api_get(Some(&api_token), "/api/v1/me").await.0, 401);
    // The new password signs in, the old does not.
    assert_eq!(
        app.post_login(&app.client(), "guardian1", "a new long password")
            .await
            .status(),
        303
    );
    assert_eq!(
        app.post_login(&app.client(), "guardian1", PASSWORD)
            .await
            .status(),
        401
    );
    let school = app
        .store
        .first_school()
        .await
        .expect("school")
        .expect("exists")
        .id;
    let audit = app
        .store
        .audit_of(school, "password", app.id_of("guardian1").await.0, 5)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1);
}

async fn api_tokens_sign_in_and_out(app: TestApp) {
    let (status, body) = app.api_get(None, "/api/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(body["status"], 401);
    let token = app.token("guardian1").await;
    let (status, me) = app.api_get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], app.id_of("guardian1").await.0);
    let r = app
        .client()
        .delete(app.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(app.api_get(Some(&token), "/api/v1/me").await.0, 401);
    assert_eq!(
        app.api_get(Some("made-up-token"), "/api/v1/me").await.0,
        401
    );
    let r = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "guardian1", "password": "wrong"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    let r = app
        .client()
        .post(app.url("/api/v1/session"))
        .json(&serde_json::json!({"username": "no-such-user", "password": "wrong"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
}

/// A login storm is shed, not queued without end: far more password sign-ins at once than the
/// server can check are answered 200 or 503 with Retry-After (never an error, never a hang), and
/// a person already signed in is served meanwhile.
async fn a_login_storm_is_shed_with_retry_after(app: TestApp) {
    let token = app.token("guardian1").await;
    let mut storm = tokio::task::JoinSet::new();
    for _ in 0..160 {
        let client = app.client();
        let url = app.url("/api/v1/session");
        storm.spawn(async move {
            let r = client
                .post(url)
                .json(&serde_json::json!({"username": "guardian2", "password": common::PASSWORD}))
                .send()
                .await
                .expect("answer");
            let retry = r.headers().get("retry-after").cloned();
            (r.status().as_u16(), retry)
        });
    }
    let (status, _) = app.api_get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, 200, "a signed-in person is served during the storm");
    let (mut ok, mut shed) = (0, 0);
    while let Some(done) = storm.join_next().await {
        let (status, retry) = done.expect("request task");
        match status {
            200 => ok += 1,
            503 => {
                shed += 1;
                let secs: u64 = retry
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .expect("Retry-After in seconds");
                assert!((1..=60).contains(&secs));
            }
            other => panic!("a sign-in in the storm got {other}"),
        }
    }
    assert!(ok >= 2, "some sign-ins went through ({ok})");
    assert!(
        shed > 0,
        "160 at once on this machine are more than it checks at once"
    );
    // When the storm has passed, signing in works again.
    let (status, _) = app
        .api_get(Some(&app.token("guardian2").await), "/api/v1/me")
        .await;
    assert_eq!(status, 200);
}

/// Wrong passwords from one address never lock the account for another (issue 15 §2): the
/// throttle counts the account per address, and the account-wide count, which slows guessing
/// from many addresses, spares the addresses where the person signed in before. The client's
/// address comes from X-Forwarded-For only behind a trusted proxy.
async fn a_stranger_cannot_lock_the_account_from_elsewhere(app: TestApp) {
    let proxied = app
        .second_server(|c| {
            c.trusted_proxies = vec![skolebro_web::security::parse_proxy("127.0.0.1").expect("ip")]
        })
        .await;
    let sign_in = |base: String, from: &'static str, password: &'static str| async move {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/session"))
            .header("x-forwarded-for", from)
            .json(&serde_json::json!({"username": "guardian1", "password": password}))
            .send()
            .await
            .expect("sign in")
            .status()
            .as_u16()
    };
    let home = "198.51.100.7";
    assert_eq!(sign_in(proxied.clone(), home, PASSWORD).await, 200);
    // A stranger guesses from one address until refused there, the right password too.
    let stranger = "203.0.113.9";
    for attempt in 1..=5 {
        assert_eq!(
            sign_in(proxied.clone(), stranger, "guess").await,
            401,
            "{attempt}"
        );
    }
    assert_eq!(sign_in(proxied.clone(), stranger, PASSWORD).await, 429);
    // At home, and from a new place, the person still gets in.
    assert_eq!(sign_in(proxied.clone(), home, PASSWORD).await, 200);
    assert_eq!(sign_in(proxied.clone(), "192.0.2.44", PASSWORD).await, 200);
    // Many strangers, one guess each: new places are refused, home is not.
    const MANY: [&str; 15] = [
        "203.0.113.10",
        "203.0.113.11",
        "203.0.113.12",
        "203.0.113.13",
        "203.0.113.14",
        "203.0.113.15",
        "203.0.113.16",
        "203.0.113.17",
        "203.0.113.18",
        "203.0.113.19",
        "203.0.113.20",
        "203.0.113.21",
        "203.0.113.22",
        "203.0.113.23",
        "203.0.113.24",
    ];
    for from in MANY {
        assert_eq!(sign_in(proxied.clone(), from, "guess").await, 401, "{from}");
    }
    assert_eq!(sign_in(proxied.clone(), "192.0.2.99", PASSWORD).await, 429);
    assert_eq!(sign_in(proxied.clone(), home, PASSWORD).await, 200);
    assert_eq!(sign_in(proxied.clone(), "192.0.2.44", PASSWORD).await, 200);

    // Without trusted proxies the header counts for nothing: guardian2's failures from this
    // machine stay this machine's whatever the header claims.
    let direct = |from: &'static str, password: &'static str| {
        let url = app.url("/api/v1/session");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("x-forwarded-for", from)
                .json(&serde_json::json!({"username": "guardian2", "password": password}))
                .send()
                .await
                .expect("sign in")
                .status()
                .as_u16()
        }
    };
    for from in ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"] {
        assert_eq!(direct(from, "guess").await, 401, "{from}");
    }
    assert_eq!(direct("10.0.0.6", PASSWORD).await, 429);
}

/// A bearer token ends at its absolute lifetime (90 days) however often it was used; browser
/// sessions keep their sliding lifetime (issue 15 §2).
async fn bearer_tokens_end_at_their_absolute_lifetime(app: TestApp) {
    let token = app.token("guardian1").await;
    let browser = app.signed_in("guardian1").await;
    assert_eq!(app.api_get(Some(&token), "/api/v1/me").await.0, 200);
    // Both issued 91 days ago, and used every day since.
    let days_91 = 91 * 24 * 60 * 60;
    app.execute_sql(&format!(
        "UPDATE session SET created_at = created_at - {days_91}"
    ))
    .await;
    let (status, body) = app.api_get(Some(&token), "/api/v1/me").await;
    assert_eq!(status, 401, "{body}");
    let overview = browser
        .get(app.url("/overview"))
        .send()
        .await
        .expect("overview");
    assert_eq!(overview.status(), 200, "a browser session slides on");
    // Signing in again gives a working token.
    let fresh = app.token("guardian1").await;
    assert_eq!(app.api_get(Some(&fresh), "/api/v1/me").await.0, 200);
}

on_both_databases!(
    bearer_tokens_end_at_their_absolute_lifetime,
    a_stranger_cannot_lock_the_account_from_elsewhere,
    a_login_storm_is_shed_with_retry_after,
    wrong_password_and_unknown_user_get_the_same_answer,
    sixth_wrong_password_in_a_minute_is_throttled_even_when_right,
    forms_without_the_csrf_token_are_refused,
    session_cookie_is_http_only_and_sign_out_ends_it,
    secure_flag_behind_tls,
    password_change_checks_the_old_one_and_ends_other_sessions,
    api_tokens_sign_in_and_out,
);
