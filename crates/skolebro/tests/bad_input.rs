//! The bad-input catalogue: hostile and malformed input to every API route that takes input,
//! found by walking the app's own OpenAPI document (a new route is covered without a change
//! here). For each operation with a JSON body: an oversized body, invalid UTF-8, not JSON,
//! JSON of the wrong shape, a missing body, each field missing, each field of the wrong type,
//! huge and negative numbers, dates out of range and in a DST gap or overlap, script and HTML,
//! SQL metacharacters. For each path id: negative, zero, huge, not a number, SQL, and another
//! school's kind of id. Expected: never a 5xx or a dropped connection; a refusal is a 4xx with
//! a problem document and leaves the stored data as it was; accepted text is stored as given
//! and rendered escaped. Also: CSV injection in the CSV export, path traversal in upload
//! names, zip bombs and polyglot files. The cases are counted and printed.

#[macro_use]
mod common;

use std::collections::BTreeMap;

use common::TestApp;
use serde_json::{json, Value};

const SCRIPT: &str = "<script>alert('xss')</script><img src=x onerror=alert(1)>";
const SQL: &str = "'; DROP TABLE person; -- \" OR 1=1 --";

/// Row counts of every table but the ones that record requests rather than data (audit
/// rows, sessions, sign-in failures, rate-limit state): what a refusal must leave unchanged.
async fn fingerprint(app: &TestApp) -> BTreeMap<String, i64> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(app.store.url())
        .await
        .expect("connect for the fingerprint");
    let tables_sql = match app.db {
        common::Db::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '_sqlx%'"
        }
        common::Db::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let tables: Vec<(String,)> = sqlx::query_as(tables_sql)
        .fetch_all(&mut conn)
        .await
        .expect("tables");
    let mut counts = BTreeMap::new();
    for (t,) in tables {
        if [
            "audit", "session", "login", "read", "seen", "outbox", "notice",
        ]
        .iter()
        .any(|skip| t.contains(skip))
        {
            continue;
        }
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(&mut conn)
            .await
            .expect("count");
        counts.insert(t, n);
    }
    counts
}

struct Catalogue<'a> {
    app: &'a TestApp,
    token: String,
    cases: usize,
    refused: usize,
    accepted: usize,
    failures: Vec<String>,
}

impl Catalogue<'_> {
    /// Sends one case; a 5xx, a dropped connection, a refusal without a problem document or a
    /// refusal that changed stored data is a failure.
    async fn case(
        &mut self,
        label: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> u16 {
        self.cases += 1;
        let before = fingerprint(self.app).await;
        let client = self.app.client();
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let result = client
            .request(method.clone(), self.app.url(path))
            .bearer_auth(&self.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                self.failures
                    .push(format!("{method} {path} [{label}]: no answer: {e}"));
                return 0;
            }
        };
        let status = response.status().as_u16();
        let ctype = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.unwrap_or_default();
        println!("case {:>4} {status} {method} {path} [{label}]", self.cases);
        if status >= 500 {
            self.failures
                .push(format!("{method} {path} [{label}]: {status} {text}"));
        } else if status >= 400 {
            self.refused += 1;
            if !ctype.starts_with("application/problem+json") {
                self.failures.push(format!(
                    "{method} {path} [{label}]: {status} without a problem document ({ctype})"
                ));
            }
            let after = fingerprint(self.app).await;
            if after != before {
                let changed: Vec<_> = after
                    .iter()
                    .filter(|(k, v)| before.get(*k) != Some(v))
                    .map(|(k, v)| format!("{k}: {:?} -> {v}", before.get(k)))
                    .collect();
                self.failures.push(format!(
                    "{method} {path} [{label}]: refused with {status} but stored data changed: {changed:?}"
                ));
            }
        } else {
            self.accepted += 1;
        }
        status
    }

    async fn json(&mut self, label: &str, method: &str, path: &str, body: &Value) -> u16 {
        let bytes = serde_json::to_vec(body).expect("json");
        self.case(label, method, path, "application/json", bytes)
            .await
    }
}

/// Bodies the school accepts, for the operations where most input arrives, with the path
/// they go to: each field's mutations start from a body that would otherwise be stored, so a
/// refusal that stored something anyway shows.
async fn valid_bodies(app: &TestApp, token: &str) -> BTreeMap<(String, String), (String, Value)> {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").expect("tz");
    let today = skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
        .with_time_zone(tz)
        .date();
    let yesterday = today.yesterday().expect("yesterday");
    let in_a_week = today.checked_add(jiff::Span::new().days(7)).expect("week");
    // The last weekday up to today: a day absence can be reported for on any day of the week.
    let mut weekday = today;
    while weekday.weekday().to_monday_one_offset() > 5 {
        weekday = weekday.yesterday().expect("day");
    }
    let (_, class) = app.api_get(Some(token), "/api/v1/classes/1").await;
    let pupil = class["pupils"][0]["id"].as_i64().unwrap_or(1);
    let teacher = app.id_of("teacher1").await.0;
    let created: Value = app
        .client()
        .post(app.url("/api/v1/threads"))
        .bearer_auth(token)
        .json(&json!({"recipients": [teacher], "subject": "Base", "body": "Base"}))
        .send()
        .await
        .expect("thread")
        .json()
        .await
        .unwrap_or(Value::Null);
    let thread = created["id"].as_i64().unwrap_or(1);
    // Worrying-absence cases about the pupil, for the case routes' input. The routes without
    // a body here go to case 1 (and one of them closes it), so the bodies go to the second.
    let mut case = 1;
    for _ in 0..2 {
        let opened: Value = app
            .client()
            .post(app.url(&format!("/api/v1/pupils/{pupil}/cases")))
            .bearer_auth(token)
            .json(&json!({"kind": "absence", "summary": "Base"}))
            .send()
            .await
            .expect("case")
            .json()
            .await
            .unwrap_or(Value::Null);
        case = opened["id"].as_i64().unwrap_or(1);
    }
    let mut out = BTreeMap::new();
    let mut add = |method: &str, template: &str, path: String, body: Value| {
        out.insert((method.to_owned(), template.to_owned()), (path, body));
    };
    add(
        "POST",
        "/api/v1/threads",
        "/api/v1/threads".into(),
        json!({"recipients": [teacher], "subject": "Hello", "body": "Hello"}),
    );
    add(
        "POST",
        "/api/v1/threads/{id}/messages",
        format!("/api/v1/threads/{thread}/messages"),
        json!({"body": "Hello"}),
    );
    add(
        "POST",
        "/api/v1/pupils/{id}/absences",
        format!("/api/v1/pupils/{pupil}/absences"),
        json!({"from": weekday.to_string(), "reason": "illness", "note": "Hello"}),
    );
    add(
        "POST",
        "/api/v1/pupils/{id}/conversations",
        format!("/api/v1/pupils/{pupil}/conversations"),
        json!({"happened_on": yesterday.to_string(), "channel": "phone", "participants": "Mother", "topic": "Hello", "agreements": "Hello"}),
    );
    add(
        "POST",
        "/api/v1/cases/{id}/plan",
        format!("/api/v1/cases/{case}/plan"),
        json!({"whom": "family", "every_days": 7, "channel": "phone", "starts_on": today.to_string()}),
    );
    add(
        "POST",
        "/api/v1/cases/{id}/contacts",
        format!("/api/v1/cases/{case}/contacts"),
        json!({"happened_on": today.to_string(), "channel": "phone", "whom": "family", "note": "Hello"}),
    );
    add(
        "POST",
        "/api/v1/events",
        "/api/v1/events".into(),
        json!({"audience": "school", "title": "Hello", "place": "Hall", "description": "Hello",
               "starts_at": format!("{in_a_week}T10:00"), "ends_at": format!("{in_a_week}T11:00")}),
    );
    add(
        "POST",
        "/api/v1/posts",
        "/api/v1/posts".into(),
        json!({"audience": {"school": true}, "title": "Hello", "body": "Hello"}),
    );
    add(
        "PUT",
        "/api/v1/me/notifications",
        "/api/v1/me/notifications".into(),
        json!({"preferences": [{"kind": "message", "delivery": "instant"}]}),
    );
    add(
        "POST",
        "/api/v1/tone",
        "/api/v1/tone".into(),
        json!({"text": "Hello", "lang": "en"}),
    );
    add(
        "POST",
        "/api/v1/absence-codes",
        "/api/v1/absence-codes".into(),
        json!({"code": "field_trip", "label": "Field trip", "category": "leave"}),
    );
    out
}

/// A plausible value for a schema: what each field's mutations start from.
fn plausible(schema: &Value, components: &Value, name: &str) -> Value {
    let schema = resolve(schema, components);
    if let Some(one_of) = schema.get("oneOf").and_then(Value::as_array) {
        let first = one_of
            .iter()
            .find(|s| s.get("type") != Some(&json!("null")))
            .unwrap_or(&Value::Null);
        return plausible(first, components, name);
    }
    let ty = match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or(Value::Null),
        Some(t) => t.clone(),
        None if schema.get("properties").is_some() => json!("object"),
        None => Value::Null,
    };
    match ty.as_str() {
        Some("string") => {
            if schema.get("format") == Some(&json!("date")) || name.ends_with("_on") {
                json!(skolebro_store::clock::now_in(&jiff::tz::TimeZone::system())
                    .date()
                    .to_string())
            } else if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                // The first alternative of a closed set.
                let inner = p.trim_start_matches("^(").trim_end_matches(")$");
                let first = inner.split('|').next().unwrap_or("x");
                if first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    json!(first)
                } else {
                    json!("morning")
                }
            } else {
                json!("Hello")
            }
        }
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        Some("object") => {
            let mut map = serde_json::Map::new();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in props {
                    map.insert(k.clone(), plausible(v, components, k));
                }
            }
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

fn resolve<'a>(schema: &'a Value, components: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            components.get(name).unwrap_or(schema)
        }
        None => schema,
    }
}

fn field_type(schema: &Value, components: &Value) -> String {
    let schema = resolve(schema, components);
    if schema.get("oneOf").is_some() || schema.get("properties").is_some() {
        return "object".into();
    }
    match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .find(|t| *t != "null")
            .and_then(Value::as_str)
            .unwrap_or("null")
            .into(),
        Some(Value::String(t)) => t.clone(),
        _ => "unknown".into(),
    }
}

/// The wrong-typed, out-of-range and hostile values for a field of `ty`.
fn mutations(ty: &str, name: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = Vec::new();
    let wrong = match ty {
        "string" => json!(12345),
        "integer" | "number" => json!("twelve"),
        "boolean" => json!("yes"),
        "array" => json!({"not": "an array"}),
        _ => json!([1, 2]),
    };
    out.push(("wrong type".into(), wrong));
    out.push(("null".into(), Value::Null));
    match ty {
        "integer" | "number" => {
            out.push(("huge".into(), json!(1e300)));
            out.push(("past i64".into(), json!(9_223_372_036_854_775_808u64)));
            out.push(("negative".into(), json!(-1)));
            out.push(("i64::MIN".into(), json!(i64::MIN)));
            out.push(("fraction".into(), json!(1.5)));
            if name.ends_with("id") {
                out.push(("foreign id".into(), json!(999_999)));
            }
        }
        "string" => {
            out.push(("script".into(), json!(SCRIPT)));
            out.push(("sql".into(), json!(SQL)));
            out.push(("nul and controls".into(), json!("a\u{0}b\u{7}c\u{1b}[31m")));
            out.push(("bidi override".into(), json!("abc\u{202e}fdp.exe")));
            out.push(("long".into(), json!("x".repeat(20_000))));
            out.push(("date far past".into(), json!("0001-01-01")));
            out.push(("date far future".into(), json!("9999-12-31")));
            out.push(("date impossible".into(), json!("2026-02-30")));
            out.push(("DST gap".into(), json!("2026-03-29T02:30")));
            out.push(("DST overlap".into(), json!("2026-10-25T02:30")));
        }
        "array" => {
            out.push(("array of wrong items".into(), json!([{"a": 1}, "x", null])));
            out.push(("array of negative ids".into(), json!([-1, 0, i64::MIN])));
            out.push(("array long".into(), Value::Array(vec![json!(1); 5000])));
        }
        _ => {}
    }
    out
}

/// Ids that name something in the test school (the first class, pupil, thread, …): a path
/// parameter filled with 1 reaches the handler's own checks.
fn fill_path(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').map(|j| i + j + 1).unwrap_or(rest.len());
        out.push_str(value);
        rest = &rest[j..];
    }
    out.push_str(rest);
    out
}

async fn catalogue(app: TestApp) {
    let token = app.token("leader1").await;
    let (status, doc) = app.api_get(None, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let components = doc["components"]["schemas"].clone();
    let mut cat = Catalogue {
        app: &app,
        token,
        cases: 0,
        refused: 0,
        accepted: 0,
        failures: Vec::new(),
    };
    let valid = valid_bodies(&app, &cat.token).await;
    let paths = doc["paths"].as_object().expect("paths").clone();
    let mut operations = 0;
    for (path, item) in &paths {
        if path == "/api/v1/session" {
            continue; // signing out would end the token; sign-in input has auth.rs
        }
        for (method, op) in item.as_object().expect("item") {
            let method = method.to_uppercase();
            let has_path_params = path.contains('{');
            let body_schema = op["requestBody"]["content"]["application/json"]["schema"].clone();
            let multipart = op["requestBody"]["content"]
                .get("multipart/form-data")
                .is_some();
            if !has_path_params && body_schema.is_null() && !multipart {
                continue;
            }
            operations += 1;
            // Path ids: never a 5xx, and a refusal.
            if has_path_params {
                for (label, id) in [
                    ("negative id", "-1"),
                    ("zero id", "0"),
                    ("huge id", "99999999999999999999999"),
                    ("not a number", "abc"),
                    ("sql id", "1%27%20OR%201%3D1--"),
                    ("encoded traversal", "..%2F..%2Fetc%2Fpasswd"),
                    ("foreign id", "999999"),
                ] {
                    let p = fill_path(path, id);
                    let body = if body_schema.is_null() {
                        Vec::new()
                    } else {
                        serde_json::to_vec(&plausible(&body_schema, &components, "")).expect("json")
                    };
                    let status = cat.case(label, &method, &p, "application/json", body).await;
                    if (200..300).contains(&status) {
                        cat.failures
                            .push(format!("{method} {p} [{label}]: accepted with {status}"));
                    }
                }
            }
            if body_schema.is_null() {
                continue;
            }
            let valid = valid.get(&(method.clone(), path.clone())).cloned();
            let p = match &valid {
                Some((p, _)) => p.clone(),
                None => fill_path(path, "1"),
            };
            // The body as a whole.
            cat.case(
                "oversized body",
                &method,
                &p,
                "application/json",
                format!("{{\"x\": \"{}\"}}", "a".repeat(70 * 1024)).into_bytes(),
            )
            .await;
            cat.case(
                "invalid UTF-8",
                &method,
                &p,
                "application/json",
                b"{\"body\": \"\xff\xfe\xc3\x28\"}".to_vec(),
            )
            .await;
            cat.case(
                "not JSON",
                &method,
                &p,
                "application/json",
                b"{body: 1".to_vec(),
            )
            .await;
            cat.case("no body", &method, &p, "application/json", Vec::new())
                .await;
            cat.case(
                "form instead of JSON",
                &method,
                &p,
                "application/x-www-form-urlencoded",
                b"a=1".to_vec(),
            )
            .await;
            cat.json("array instead of object", &method, &p, &json!([1, 2]))
                .await;
            cat.json("deeply nested", &method, &p, &nested(200)).await;
            let base = match valid {
                Some((_, body)) => {
                    let status = cat.json("valid body", &method, &p, &body).await;
                    if !(200..300).contains(&status) {
                        cat.failures.push(format!(
                            "{method} {p}: a valid body was refused with {status}"
                        ));
                    }
                    body
                }
                None => plausible(&body_schema, &components, ""),
            };
            let schema = resolve(&body_schema, &components);
            let props = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let required: Vec<String> = schema["required"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for (name, field) in &props {
                if required.contains(name) {
                    let mut body = base.clone();
                    if let Some(o) = body.as_object_mut() {
                        o.remove(name);
                    }
                    let status = cat
                        .json(&format!("{name}: missing"), &method, &p, &body)
                        .await;
                    if (200..300).contains(&status) {
                        cat.failures.push(format!(
                            "{method} {p} [{name}: missing]: a required field left out was accepted"
                        ));
                    }
                }
                let ty = field_type(field, &components);
                for (label, value) in mutations(&ty, name) {
                    let mut body = base.clone();
                    body[name.as_str()] = value;
                    cat.json(&format!("{name}: {label}"), &method, &p, &body)
                        .await;
                }
                // A date field is a day or left out; an empty string is neither.
                if resolve(field, &components).get("format") == Some(&json!("date")) {
                    let mut body = base.clone();
                    body[name.as_str()] = json!("");
                    let status = cat
                        .json(&format!("{name}: empty date"), &method, &p, &body)
                        .await;
                    if (200..300).contains(&status) {
                        cat.failures.push(format!(
                            "{method} {p} [{name}: empty date]: accepted with {status}"
                        ));
                    }
                }
            }
        }
    }
    cat.failures.extend(uploads(&app, &cat.token).await);
    cat.failures.extend(csv_injection(&app).await);
    cat.failures.extend(script_is_rendered_escaped(&app).await);
    let total = cat.cases + UPLOAD_CASES + CSV_CASES + RENDER_CASES;
    println!(
        "bad-input catalogue on {:?}: {total} cases over {operations} operations \
         ({} refused, {} accepted as legitimate, {} upload, {} CSV, {} rendering cases), {} failures",
        app.db,
        cat.refused,
        cat.accepted,
        UPLOAD_CASES,
        CSV_CASES,
        RENDER_CASES,
        cat.failures.len()
    );
    assert!(total > 300, "the catalogue shrank to {total} cases");
    assert!(
        cat.failures.is_empty(),
        "{} failures:\n{}",
        cat.failures.len(),
        cat.failures.join("\n")
    );
    app.stop().await;
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |v, _| json!({ "a": v }))
}

const UPLOAD_CASES: usize = 6;

/// Path traversal in file names, a zip bomb dressed as a document, polyglot files: refused or
/// stored under a safe name and served as a download of the sniffed kind, never as HTML.
async fn uploads(app: &TestApp, token: &str) -> Vec<String> {
    let mut failures = Vec::new();
    // A thread the leader takes part in: start one.
    let client = app.client();
    let teacher = app.id_of("teacher1").await;
    let created: Value = client
        .post(app.url("/api/v1/threads"))
        .bearer_auth(token)
        .json(&json!({"recipients": [teacher.0], "subject": "Files", "body": "Here"}))
        .send()
        .await
        .expect("thread")
        .json()
        .await
        .expect("json");
    let Some(thread) = created["id"].as_i64() else {
        return vec![format!(
            "could not start a thread for the upload cases: {created}"
        )];
    };
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";
    let gif_js: Vec<u8> =
        b"GIF89a/*\x01\0\x01\0\0\0\0;*/=1;alert(document.cookie)//<script>alert(1)</script>"
            .to_vec();
    let pdf_html: Vec<u8> = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF".to_vec();
    let html: Vec<u8> = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let zip_bomb = zip_bomb();
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "path traversal name",
            "../../../../etc/passwd.png",
            png.to_vec(),
        ),
        (
            "windows traversal name",
            "..\\..\\boot.ini.png",
            png.to_vec(),
        ),
        ("GIF/JavaScript polyglot", "avatar.gif", gif_js),
        ("PDF/HTML polyglot", "letter.pdf", pdf_html),
        ("HTML named as PNG", "photo.png", html),
        ("zip bomb named DOCX", "report.docx", zip_bomb),
    ];
    assert_eq!(cases.len(), UPLOAD_CASES);
    for (label, name, bytes) in cases {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = match client
            .post(app.url(&format!("/api/v1/threads/{thread}/attachments")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("upload [{label}]: no answer: {e}"));
                continue;
            }
        };
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        println!("upload case {status} [{label}]");
        if status >= 500 {
            failures.push(format!("upload [{label}]: {status} {body}"));
            continue;
        }
        if status >= 400 {
            continue;
        }
        for a in body["attachments"].as_array().cloned().unwrap_or_default() {
            let stored = a["file_name"].as_str().unwrap_or_default();
            if stored.contains('/') || stored.contains('\\') || stored.starts_with('.') {
                failures.push(format!(
                    "upload [{label}]: stored name {stored:?} keeps a path"
                ));
            }
            let url = a["url"].as_str().unwrap_or_default();
            let download = client
                .get(app.url(url))
                .bearer_auth(token)
                .send()
                .await
                .expect("download");
            let ctype = download
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let nosniff = download
                .headers()
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok())
                == Some("nosniff");
            let disposition = download
                .headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            if ctype.contains("html") || ctype.contains("javascript") || !nosniff {
                failures.push(format!(
                    "upload [{label}]: served as {ctype:?} (nosniff {nosniff})"
                ));
            }
            if ctype.starts_with("text/") && !disposition.starts_with("attachment") {
                failures.push(format!(
                    "upload [{label}]: text served inline ({disposition:?})"
                ));
            }
        }
    }
    failures
}

/// A ZIP whose one member, `word/document.xml`, inflates from a few KB to 100 MB of zeros.
fn zip_bomb() -> Vec<u8> {
    // A stored deflate stream of 100 MB of zeros is ~100 KB; deflate by hand: fixed Huffman
    // blocks of length-258 back-references. Simpler and just as hostile: a local header that
    // claims 100 MB uncompressed for a tiny body, as the sniffer reads only headers.
    let mut out = Vec::new();
    let name = b"word/document.xml";
    let data = vec![0u8; 64];
    out.extend_from_slice(b"PK\x03\x04");
    out.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&0u32.to_le_bytes()); // crc
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(100u32 * 1024 * 1024).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(&data);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0");
    out
}

const CSV_CASES: usize = 4;

/// Every cell of the class contact list starting with = + - @ is neutralised.
async fn csv_injection(app: &TestApp) -> Vec<String> {
    let mut failures = Vec::new();
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(app.store.url())
        .await
        .expect("connect");
    // Every guardian of the school gets hostile contact details.
    for (i, (column, value)) in [
        ("given_name", "=HYPERLINK(\"http://evil\",\"x\")"),
        ("family_name", "+cmd|' /C calc'!A0"),
        ("phone", "-2+3+cmd|' /C calc'!A0"),
        ("email", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ]
    .iter()
    .enumerate()
    {
        let _ = i;
        sqlx::query(&format!(
            "UPDATE person SET {column} = $1 WHERE id IN (SELECT guardian_id FROM guardianship)"
        ))
        .bind(*value)
        .execute(&mut conn)
        .await
        .map_err(|e| failures.push(format!("csv setup {column}: {e}")))
        .ok();
    }
    let teacher = app.signed_in("teacher1").await;
    let (_, me) = app
        .api_get(Some(&app.token("teacher1").await), "/api/v1/me")
        .await;
    let class = me["classes"][0]["id"].as_i64().unwrap_or(1);
    let response = teacher
        .get(app.url(&format!("/classes/{class}/contacts.csv")))
        .send()
        .await
        .expect("csv");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    println!("csv case {status}: {} bytes", text.len());
    if status != 200 {
        return vec![format!("contacts.csv answered {status}")];
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let mut rows = 0;
    for record in reader.records() {
        let Ok(record) = record else {
            failures.push("contacts.csv is not readable CSV".into());
            break;
        };
        rows += 1;
        for cell in record.iter() {
            if cell.starts_with(['=', '+', '-', '@']) {
                failures.push(format!(
                    "contacts.csv: a cell can become a formula: {cell:?}"
                ));
            }
        }
    }
    if rows == 0 {
        failures.push("contacts.csv had no rows to check".into());
    }
    failures
}

const RENDER_CASES: usize = 2;

/// Script in a message is stored as given and rendered escaped on the thread page.
async fn script_is_rendered_escaped(app: &TestApp) -> Vec<String> {
    let mut failures = Vec::new();
    let token = app.token("teacher1").await;
    let guardian = app.id_of("guardian1").await;
    let client = app.client();
    let created: Value = client
        .post(app.url("/api/v1/threads"))
        .bearer_auth(&token)
        .json(&json!({"recipients": [guardian.0], "subject": SCRIPT, "body": SCRIPT}))
        .send()
        .await
        .expect("thread")
        .json()
        .await
        .unwrap_or(Value::Null);
    let Some(id) = created["id"].as_i64() else {
        return vec![format!("a message with script was refused: {created}")];
    };
    let (_, thread) = app
        .api_get(Some(&token), &format!("/api/v1/threads/{id}"))
        .await;
    if thread["subject"] != json!(SCRIPT) {
        failures.push(format!(
            "the subject was not stored as given: {}",
            thread["subject"]
        ));
    }
    let page = app
        .signed_in("guardian1")
        .await
        .get(app.url(&format!("/messages/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .unwrap_or_default();
    if page.contains("<script>alert") || page.contains("<img src=x") {
        failures.push("the thread page renders the script unescaped".into());
    }
    if !page.contains("&lt;script&gt;alert") && !page.contains("&#60;script&#62;alert") {
        failures.push("the thread page does not show the text at all".into());
    }
    failures
}

on_both_databases!(catalogue);
