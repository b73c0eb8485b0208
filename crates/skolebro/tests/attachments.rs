//! Files on messages (MSG-1): sent from the pages and the API, fetched by the conversation's
//! participants alone, with limits on size and kind (sniffed from the bytes), safe names, and
//! nothing half-stored: a message is stored whole with its files, or not at all. HTTP against
//! the real app, on both databases.

mod common;

use common::TestApp;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use skolebro_domain::files::MAX_FILE_BYTES;

const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

fn file(bytes: &[u8], name: &str, claimed: &str) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str(claimed)
        .expect("mime")
}

/// guardian1 writes to teacher1; returns the thread id.
async fn thread_with_teacher(app: &TestApp, guardian: &str) -> i64 {
    let teacher_id = app.id_of("teacher1").await.0;
    let r = app
        .client()
        .post(app.url("/api/v1/threads"))
        .bearer_auth(guardian)
        .json(
            &json!({"recipients": [teacher_id], "subject": "Skema for ugen",
                      "body": "Hej Lise\nHer kommer skemaet.\nVenlig hilsen"}),
        )
        .send()
        .await
        .expect("create thread");
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.expect("json")["thread_id"]
        .as_i64()
        .expect("thread id")
}

async fn attach(app: &TestApp, token: &str, thread: i64, form: Form) -> (u16, Value) {
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/threads/{thread}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("attach");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn message_count(app: &TestApp, token: &str, thread: i64) -> usize {
    let (status, body) = app
        .api_get(Some(token), &format!("/api/v1/threads/{thread}"))
        .await;
    assert_eq!(status, 200);
    body["messages"].as_array().expect("messages").len()
}

/// Every stored file under the file directory (temporary files included, had any been left).
fn files_on_disk(app: &TestApp) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(dirs) = std::fs::read_dir(&app.files_dir) else {
        return out;
    };
    for dir in dirs {
        let dir = dir.expect("entry").path();
        for f in std::fs::read_dir(&dir).expect("subdir") {
            out.push(f.expect("entry").path());
        }
    }
    out.sort();
    out
}

async fn download(app: &TestApp, client: &reqwest::Client, url: &str) -> reqwest::Response {
    client.get(app.url(url)).send().await.expect("download")
}

async fn a_guardian_sends_a_pdf_that_the_teacher_downloads_unchanged(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let teacher = app.token("teacher1").await;
    let thread = thread_with_teacher(&app, &guardian).await;

    let form = Form::new()
        .text("body", "Skemaet er vedhæftet.")
        .part("file", file(PDF, "Skema uge 12.pdf", "application/pdf"));
    let (status, created) = attach(&app, &guardian, thread, form).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["thread_id"], thread, "one family: the file stays");
    let attachment = &created["attachments"][0];
    assert_eq!(attachment["file_name"], "Skema uge 12.pdf");
    assert_eq!(attachment["content_type"], "application/pdf");
    assert_eq!(attachment["size"], PDF.len());
    let url = attachment["url"].as_str().expect("url").to_owned();
    let id = attachment["id"].as_i64().expect("id");
    assert_eq!(url, format!("/messages/{thread}/attachments/{id}"));

    // The teacher sees it on the message, in the API and on the page.
    let (_, seen) = app
        .api_get(Some(&teacher), &format!("/api/v1/threads/{thread}"))
        .await;
    let last = seen["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("message");
    assert_eq!(last["body"], "Skemaet er vedhæftet.");
    assert_eq!(last["attachments"][0]["id"], id);
    assert_eq!(last["attachments"][0]["file_name"], "Skema uge 12.pdf");
    assert_eq!(
        seen["messages"][0]["attachments"],
        json!([]),
        "the first message has none"
    );
    let page_client = app.signed_in("teacher1").await;
    let html = page_client
        .get(app.url(&format!("/messages/{thread}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains(&format!("href=\"{url}\"")), "a link: {html}");
    assert!(html.contains("Skema uge 12.pdf"));

    // Downloaded with a session or a token: byte for byte, as a download, never sniffed.
    for response in [
        download(&app, &page_client, &url).await,
        app.client()
            .get(app.url(&url))
            .bearer_auth(&teacher)
            .send()
            .await
            .expect("download"),
    ] {
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"Skema uge 12.pdf\"; filename*=UTF-8''Skema%20uge%2012.pdf"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "private");
        assert_eq!(response.bytes().await.expect("bytes").as_ref(), PDF);
    }
    app.stop().await;
}

async fn only_the_participants_may_download(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let thread = thread_with_teacher(&app, &guardian).await;
    let (status, created) = attach(
        &app,
        &guardian,
        thread,
        Form::new().part("file", file(PDF, "Plan.pdf", "application/pdf")),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["attachments"][0]["file_name"], "Plan.pdf");
    assert_eq!(
        message_count(&app, &guardian, thread).await,
        2,
        "a file without text is a message"
    );
    let id = created["attachments"][0]["id"].as_i64().expect("id");
    let url = format!("/messages/{thread}/attachments/{id}");

    // Another family, a teacher of the school outside the conversation, the leader: 404.
    for who in ["guardian2", "teacher2", "leader1"] {
        let client = app.signed_in(who).await;
        let r = download(&app, &client, &url).await;
        assert_eq!(r.status(), 404, "{who}");
        let body = r.text().await.expect("body");
        assert!(!body.contains("%PDF"), "{who} sees nothing of the file");
    }
    // Signed out: to the sign-in page.
    let r = download(&app, &app.client(), &url).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");

    // The attachment named under another conversation of the same person: 404 too.
    let other = thread_with_teacher(&app, &guardian).await;
    let client = app.signed_in("guardian1").await;
    let r = download(
        &app,
        &client,
        &format!("/messages/{other}/attachments/{id}"),
    )
    .await;
    assert_eq!(r.status(), 404);
    for bad in ["x", "0", "99999999", "-1"] {
        let r = download(
            &app,
            &client,
            &format!("/messages/{thread}/attachments/{bad}"),
        )
        .await;
        assert_eq!(r.status(), 404, "{bad}");
    }
    assert_eq!(download(&app, &client, &url).await.status(), 200);
    // Nor may someone outside the conversation send a file into it.
    let other_guardian = app.token("guardian2").await;
    let (status, _) = attach(
        &app,
        &other_guardian,
        thread,
        Form::new().part("file", file(PDF, "Plan.pdf", "application/pdf")),
    )
    .await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn too_large_and_forbidden_files_are_refused_and_nothing_is_stored(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let thread = thread_with_teacher(&app, &guardian).await;
    let before = message_count(&app, &guardian, thread).await;

    // One byte over 10 MB: 413, naming the file.
    let mut big = PDF.to_vec();
    big.resize(MAX_FILE_BYTES + 1, b' ');
    let form = Form::new()
        .text("body", "Her er den store fil.")
        .part("file", file(PDF, "small.pdf", "application/pdf"))
        .part("file", file(&big, "Stor.pdf", "application/pdf"));
    let (status, problem) = attach(&app, &guardian, thread, form).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(problem["status"], 413);
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("Stor.pdf"),
        "{problem}"
    );
    // Exactly at the limit is fine.
    big.truncate(MAX_FILE_BYTES);
    let (status, created) = attach(
        &app,
        &guardian,
        thread,
        Form::new().part("file", file(&big, "Præcis.pdf", "application/pdf")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["attachments"][0]["size"], MAX_FILE_BYTES);
    let before = before + 1;

    // Kinds decided from the bytes: a renamed program, HTML, SVG.
    let forbidden: [(&[u8], &str, &str); 5] = [
        (
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode",
            "Faktura.pdf",
            "application/pdf",
        ),
        (
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "side.html",
            "text/html",
        ),
        (
            b"<html><script>fetch('/api/v1/me')</script></html>",
            "noter.txt",
            "text/plain",
        ),
        (
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            "tegning.svg",
            "image/svg+xml",
        ),
        (
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            "logo.png",
            "image/png",
        ),
    ];
    for (bytes, name, claimed) in forbidden {
        let form = Form::new()
            .text("body", "Se vedhæftede.")
            .part("file", file(bytes, name, claimed));
        let (status, problem) = attach(&app, &guardian, thread, form).await;
        assert_eq!(status, 415, "{name}: {problem}");
        assert!(
            problem["detail"].as_str().expect("detail").contains(name),
            "{problem}"
        );
    }
    // A ZIP is an office document only under an office name.
    let zip = b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0";
    let (status, _) = attach(
        &app,
        &guardian,
        thread,
        Form::new().part("file", file(zip, "billeder.zip", "application/zip")),
    )
    .await;
    assert_eq!(status, 415);

    // Six files are one too many.
    let mut form = Form::new();
    for n in 0..6 {
        form = form.part("file", file(PDF, &format!("{n}.pdf"), "application/pdf"));
    }
    let (status, problem) = attach(&app, &guardian, thread, form).await;
    assert_eq!(status, 413, "{problem}");

    // None of these left a message behind.
    assert_eq!(message_count(&app, &guardian, thread).await, before);

    // A form without a file is not an attachment.
    let (status, _) = attach(&app, &guardian, thread, Form::new().text("body", "Hej")).await;
    assert_eq!(status, 422);
    // JSON is not a form with files.
    let r = app
        .client()
        .post(app.url(&format!("/api/v1/threads/{thread}/attachments")))
        .bearer_auth(&guardian)
        .json(&json!({"file": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 415);
    assert_eq!(message_count(&app, &guardian, thread).await, before);
    app.stop().await;
}

async fn names_lose_their_paths_and_office_documents_keep_theirs(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let thread = thread_with_teacher(&app, &guardian).await;
    let zip = b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0[Content_Types].xml";
    let form = Form::new()
        .part(
            "file",
            file(
                b"root:x:0:0:root:/root:/bin/bash\n",
                "../../etc/passwd.txt",
                "text/plain",
            ),
        )
        .part(
            "file",
            file(
                b"%PDF-1.7\n",
                "..\\..\\Windows\\system32\\rapport.pdf",
                "application/pdf",
            ),
        )
        .part(
            "file",
            file(zip, "Referat.docx", "application/octet-stream"),
        )
        .part("file", file(b"%PDF-1.7\n", "side.html", "text/html"))
        // Shown as "fakturaexe.pdf" if the override were kept (issue 15).
        .part(
            "file",
            file(b"%PDF-1.7\n", "faktura\u{202E}fdp.exe", "application/pdf"),
        );
    let (status, created) = attach(&app, &guardian, thread, form).await;
    assert_eq!(status, 201, "{created}");
    let names: Vec<&str> = created["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| a["file_name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "passwd.txt",
            "rapport.pdf",
            "Referat.docx",
            "side.html.pdf",
            "fakturafdp.exe.pdf"
        ]
    );
    let types: Vec<&str> = created["attachments"]
        .as_array()
        .expect("attachments")
        .iter()
        .map(|a| a["content_type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        types,
        [
            "text/plain; charset=utf-8",
            "application/pdf",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/pdf",
            "application/pdf"
        ]
    );
    let url = created["attachments"][0]["url"].as_str().expect("url");
    let client = app.signed_in("teacher1").await;
    let r = download(&app, &client, url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"passwd.txt\"; filename*=UTF-8''passwd.txt"
    );
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    // Nothing was written outside the file directory.
    assert!(files_on_disk(&app)
        .iter()
        .all(|p| p.starts_with(&app.files_dir)));
    app.stop().await;
}

async fn the_pages_send_files_with_their_csrf_token(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let thread = thread_with_teacher(&app, &guardian).await;
    let client = app.signed_in("guardian1").await;
    let html = client
        .get(app.url(&format!("/messages/{thread}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("type=\"file\" id=\"reply-files\" name=\"files\" multiple"));
    let csrf = common::csrf_of(&html);

    // The reply form with a file.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("body", "Her er tilladelsen, underskrevet.")
        .part("files", file(PDF, "Tilladelse.pdf", "application/pdf"))
        // A second file input left empty sends an empty part; it is not a file.
        .part("files", file(b"", "", "application/octet-stream"));
    let r = client
        .post(app.url(&format!("/messages/{thread}/reply")))
        .multipart(form)
        .send()
        .await
        .expect("reply");
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with(&format!("/messages/{thread}#m")));
    let html = client
        .get(app.url(&format!("/messages/{thread}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Her er tilladelsen, underskrevet."));
    assert!(html.contains("Tilladelse.pdf"));
    let (_, seen) = app
        .api_get(Some(&guardian), &format!("/api/v1/threads/{thread}"))
        .await;
    let last = seen["messages"]
        .as_array()
        .and_then(|m| m.last())
        .expect("message");
    assert_eq!(
        last["attachments"].as_array().expect("attachments").len(),
        1
    );

    // Without the token, or with a wrong one: 403, and nothing is stored.
    let before = message_count(&app, &guardian, thread).await;
    for token in [None, Some("wrong")] {
        let mut form = Form::new();
        if let Some(t) = token {
            form = form.text("csrf", t.to_owned());
        }
        let form = form
            .text("body", "Forfalsket")
            .part("files", file(PDF, "x.pdf", "application/pdf"));
        let r = client
            .post(app.url(&format!("/messages/{thread}/reply")))
            .multipart(form)
            .send()
            .await
            .expect("reply");
        assert_eq!(r.status(), 403, "token {token:?}");
    }
    // The token after the file is too late: files are never read before it is checked.
    let form = Form::new()
        .part("files", file(PDF, "x.pdf", "application/pdf"))
        .text("csrf", csrf.clone())
        .text("body", "Sent i rækkefølgen");
    let r = client
        .post(app.url(&format!("/messages/{thread}/reply")))
        .multipart(form)
        .send()
        .await
        .expect("reply");
    assert_eq!(r.status(), 403);
    // Without a file, but without the token either.
    let r = client
        .post(app.url(&format!("/messages/{thread}/reply")))
        .multipart(Form::new().text("body", "Uden token"))
        .send()
        .await
        .expect("reply");
    assert_eq!(r.status(), 403);
    // A cookie session cannot skip the token on the API's upload either.
    let r = client
        .post(app.url(&format!("/api/v1/threads/{thread}/attachments")))
        .multipart(Form::new().part("file", file(PDF, "x.pdf", "application/pdf")))
        .send()
        .await
        .expect("attach");
    assert_eq!(r.status(), 403);
    assert_eq!(message_count(&app, &guardian, thread).await, before);

    // A refused file brings the form back with the text, says which file, and stores nothing.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("body", "Teksten jeg skrev")
        .part("files", file(b"MZ\x90\0", "program.pdf", "application/pdf"));
    let r = client
        .post(app.url(&format!("/messages/{thread}/reply")))
        .multipart(form)
        .send()
        .await
        .expect("reply");
    assert_eq!(r.status(), 415);
    let html = r.text().await.expect("html");
    assert!(html.contains("Teksten jeg skrev"), "the draft is kept");
    assert!(html.contains("program.pdf"), "the file is named");
    assert_eq!(message_count(&app, &guardian, thread).await, before);

    // The urlencoded form of before still works.
    let r = client
        .post(app.url(&format!("/messages/{thread}/reply")))
        .form(&[("csrf", csrf.as_str()), ("body", "Bare tekst")])
        .send()
        .await
        .expect("reply");
    assert_eq!(r.status(), 303);
    assert_eq!(message_count(&app, &guardian, thread).await, before + 1);

    // A new message with a file, from the new-message form.
    let teacher_id = app.id_of("teacher1").await.0;
    let html = client
        .get(app.url("/messages/new"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let csrf = common::csrf_of(&html);
    let form = Form::new()
        .text("csrf", csrf)
        .text("to", teacher_id.to_string())
        .text("subject", "Billede fra turen")
        .text(
            "body",
            "Hej Lise\nHer er billedet fra turen.\nVenlig hilsen",
        )
        .text("action", "send")
        .part(
            "files",
            file(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "tur.png", "image/png"),
        );
    let r = client
        .post(app.url("/messages/new"))
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 303);
    let new_thread: i64 = r.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/messages/")
        .parse()
        .expect("thread id");
    let teacher = app.token("teacher1").await;
    let (_, seen) = app
        .api_get(Some(&teacher), &format!("/api/v1/threads/{new_thread}"))
        .await;
    assert_eq!(seen["subject"], "Billede fra turen");
    assert_eq!(
        seen["messages"][0]["attachments"][0]["file_name"],
        "tur.png"
    );
    assert_eq!(
        seen["messages"][0]["attachments"][0]["content_type"],
        "image/png"
    );
    app.stop().await;
}

async fn the_same_bytes_are_stored_once(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let thread = thread_with_teacher(&app, &guardian).await;
    assert!(files_on_disk(&app).is_empty());
    let mut ids = Vec::new();
    for name in ["Plan.pdf", "Plan (kopi).pdf"] {
        let (status, created) = attach(
            &app,
            &guardian,
            thread,
            Form::new().part("file", file(PDF, name, "application/pdf")),
        )
        .await;
        assert_eq!(status, 201);
        ids.push(
            created["attachments"][0]["url"]
                .as_str()
                .expect("url")
                .to_owned(),
        );
    }
    let on_disk = files_on_disk(&app);
    assert_eq!(on_disk.len(), 1, "{on_disk:?}");
    let name = on_disk[0].file_name().expect("name").to_string_lossy();
    assert_eq!(name.len(), 64, "named by its SHA-256");
    assert!(on_disk[0].parent().expect("dir").ends_with(&name[..2]));
    assert_eq!(std::fs::read(&on_disk[0]).expect("read"), PDF);
    // Both attachments, under their own names, read the one file.
    let client = app.signed_in("teacher1").await;
    for (url, name) in ids.iter().zip(["Plan.pdf", "Plan (kopi).pdf"]) {
        let r = download(&app, &client, url).await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains(&format!("filename=\"{name}\"")));
        assert_eq!(r.bytes().await.expect("bytes").as_ref(), PDF);
    }
    app.stop().await;
}

async fn files_for_many_families_go_to_the_sender_alone(app: TestApp) {
    let teacher = app.token("teacher1").await;
    // Every guardian of the teacher's class, as the picker offers them.
    let (_, groups) = app.api_get(Some(&teacher), "/api/v1/recipients").await;
    let mut guardians: Vec<i64> = groups
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["guardian_ids"].as_array().cloned().unwrap_or_default())
        .filter_map(|id| id.as_i64())
        .collect();
    guardians.sort();
    guardians.dedup();
    assert!(guardians.len() > 2);
    let g1_id = app.id_of("guardian1").await.0;
    let g2_id = app.id_of("guardian2").await.0;
    assert!(guardians.contains(&g1_id) && guardians.contains(&g2_id));
    let r = app
        .client()
        .post(app.url("/api/v1/threads"))
        .bearer_auth(&teacher)
        .json(&json!({"recipients": guardians, "subject": "Tur fredag",
                      "body": "Kære forældre\nVi tager i skoven fredag.\nVenlig hilsen"}))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 201);
    let thread = r.json::<Value>().await.expect("json")["thread_id"]
        .as_i64()
        .expect("id");
    let g1 = app.token("guardian1").await;
    let (status, created) = attach(
        &app,
        &g1,
        thread,
        Form::new()
            .text("body", "Tilmeldingen er vedhæftet.")
            .part("file", file(PDF, "Tilmelding.pdf", "application/pdf")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let private = created["thread_id"].as_i64().expect("thread");
    assert_ne!(private, thread, "the file goes to the starter alone");
    let url = created["attachments"][0]["url"].as_str().expect("url");
    assert!(url.starts_with(&format!("/messages/{private}/attachments/")));
    // The teacher fetches it; another family neither sees nor fetches it.
    let r = app
        .client()
        .get(app.url(url))
        .bearer_auth(&teacher)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    let g2 = app.token("guardian2").await;
    let r = app
        .client()
        .get(app.url(url))
        .bearer_auth(&g2)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 404);
    let (_, seen) = app
        .api_get(Some(&g2), &format!("/api/v1/threads/{thread}"))
        .await;
    assert_eq!(seen["messages"].as_array().expect("messages").len(), 1);
    app.stop().await;
}

/// Uploads stop at the account's and the school's quota with a clear answer (413 and 507),
/// and nothing of the refused message is kept (issue 15 §2).
async fn uploads_stop_at_the_quotas(app: TestApp) {
    let guardian = app.token("guardian1").await;
    let thread = thread_with_teacher(&app, &guardian).await;
    let pdf = |n: usize| {
        let mut bytes = PDF.to_vec();
        bytes.extend(std::iter::repeat_n(b'%', n));
        bytes
    };
    let send = |base: String, bytes: Vec<u8>| {
        let guardian = guardian.clone();
        async move {
            let form = Form::new()
                .text("body", "Her er papirerne.")
                .part("file", file(&bytes, "Papirer.pdf", "application/pdf"));
            let r = reqwest::Client::new()
                .post(format!("{base}/api/v1/threads/{thread}/attachments"))
                .bearer_auth(&guardian)
                .header("accept-language", "en")
                .multipart(form)
                .send()
                .await
                .expect("attach");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let small = app
        .second_server(|c| c.account_quota_bytes = Some(6_000))
        .await;
    let before = message_count(&app, &guardian, thread).await;
    let (status, body) = send(small.clone(), pdf(4_000)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(small.clone(), pdf(4_000)).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("used all your space for files")),
        "{body}"
    );
    assert_eq!(message_count(&app, &guardian, thread).await, before + 1);
    // The school's quota counts everyone's files.
    let full_school = app
        .second_server(|c| c.school_quota_bytes = Some(5_000))
        .await;
    let (status, body) = send(full_school, pdf(1_000)).await;
    assert_eq!(status, 507, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("school's space for files")),
        "{body}"
    );
    assert_eq!(message_count(&app, &guardian, thread).await, before + 1);
    // Within the quotas the same file goes through.
    let (status, _) = send(app.url(""), pdf(1_000)).await;
    assert_eq!(status, 201);
}

on_both_databases!(
    uploads_stop_at_the_quotas,
    a_guardian_sends_a_pdf_that_the_teacher_downloads_unchanged,
    only_the_participants_may_download,
    too_large_and_forbidden_files_are_refused_and_nothing_is_stored,
    names_lose_their_paths_and_office_documents_keep_theirs,
    the_pages_send_files_with_their_csrf_token,
    the_same_bytes_are_stored_once,
    files_for_many_families_go_to_the_sender_alone,
);
