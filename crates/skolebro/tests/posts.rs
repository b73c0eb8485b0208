//! Posts and newsletters as a school meets them (MSG-5): teachers post to their classes and
//! grades, leaders to the staff and the whole school; families, pupils and staff read what their
//! audience covers and nothing else; scheduled posts wait for their time; "read and understood"
//! is confirmed and the sender sees who has not; posts are pinned, carry images, and list newest
//! first by cursor. Class photo albums show a photo of a pupil whose family has not consented
//! only to that family and the class's staff. On both databases.

mod common;

use common::api::{get, post};
use common::TestApp;
use serde_json::{json, Value};
use skolebro_domain::{ClassId, PersonId, SchoolId};

async fn school(app: &TestApp) -> SchoolId {
    app.store
        .first_school()
        .await
        .expect("school")
        .expect("one")
        .id
}

/// The school's classes in order (one per grade in the test school).
async fn classes(app: &TestApp) -> Vec<(ClassId, i64)> {
    app.store
        .school_classes(school(app).await, None, 100)
        .await
        .expect("classes")
        .into_iter()
        .map(|c| (c.id, c.grade))
        .collect()
}

/// A guardian with an account, custody, of a pupil in the class; with the pupil.
async fn guardian_in(app: &TestApp, class: ClassId) -> (String, PersonId) {
    let detail = app
        .store
        .class_detail(school(app).await, class)
        .await
        .expect("class")
        .expect("exists");
    for pupil in &detail.pupils {
        for g in &pupil.guardians {
            if g.access != skolebro_domain::Access::Full {
                continue;
            }
            if let Some(u) = app.store.me(g.person.id).await.expect("me").username {
                return (u, pupil.person.id);
            }
        }
    }
    panic!("no guardian with an account in the class");
}

/// Ids of the posts in a list.
fn ids(list: &Value) -> Vec<i64> {
    list["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect()
}

async fn create(app: &TestApp, token: &str, body: Value) -> i64 {
    let (status, created) = post(app, token, "/api/v1/posts", body).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("id")
}

async fn visible(app: &TestApp, token: &str, id: i64) -> bool {
    let (status, list) = get(app, token, "/api/v1/posts").await;
    assert_eq!(status, 200);
    let listed = ids(&list).contains(&id);
    let (status, _) = get(app, token, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(
        listed,
        status == 200,
        "the list and the post agree on who reads it"
    );
    if !listed {
        assert_eq!(status, 404, "a post one may not read does not exist");
    }
    listed
}

/// A teacher's post to their class reaches its families and pupils (both households), its
/// staff, and the leaders; not other classes' families or teachers.
async fn a_class_post_reaches_the_class(app: TestApp) {
    let list = classes(&app).await;
    let teacher = app.token("teacher1").await;
    let id = create(
        &app,
        &teacher,
        json!({"audience": {"class": list[0].0 .0}, "title": "Skovtur", "body": "Husk støvler."}),
    )
    .await;
    for reader in ["guardian1", "guardian2", "pupil1", "leader1", "teacher1"] {
        assert!(
            visible(&app, &app.token(reader).await, id).await,
            "{reader}"
        );
    }
    // pupil4's second household has information-only access and still gets the information.
    let school = school(&app).await;
    let pupil4 = app.id_of("pupil4").await;
    let detail = app
        .store
        .pupil_detail(school, pupil4)
        .await
        .expect("pupil")
        .expect("exists");
    let info = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Info)
        .expect("info-only guardian");
    let info = app.store.me(info.person.id).await.expect("me").username;
    assert!(visible(&app, &app.token(&info.expect("account")).await, id).await);
    let (elsewhere, _) = guardian_in(&app, list[3].0).await;
    assert!(!visible(&app, &app.token(&elsewhere).await, id).await);
    assert!(!visible(&app, &app.token("teacher3").await, id).await);
    let (_, body) = get(&app, &teacher, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(body["audience"], json!({"class": list[0].0 .0}));
    assert_eq!(body["title"], "Skovtur");
    assert_eq!(body["scheduled"], false);
    // MSG-8: the post announced itself to the class's families (and not to other classes'),
    // in the outbox the leader sees, without its content.
    let leader = app.token("leader1").await;
    let (status, outbox) = get(&app, &leader, "/api/v1/notifications/outbox").await;
    assert_eq!(status, 200);
    let noticed: Vec<i64> = outbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["kind"] == "post")
        .filter_map(|i| i["person_id"].as_i64())
        .collect();
    assert!(
        noticed.contains(&app.id_of("guardian1").await.0),
        "{outbox}"
    );
    let (_, elsewhere_id) = guardian_in(&app, list[3].0).await;
    assert!(!noticed.contains(&elsewhere_id.0));
    assert!(
        !outbox.to_string().contains("Husk støvler"),
        "no content in the outbox list"
    );
    app.stop().await;
}

/// Staff post to the classes and grades they teach in; the whole school and the staff are the
/// leaders'; families and pupils never post.
async fn who_may_post_where(app: TestApp) {
    let list = classes(&app).await;
    let teacher = app.token("teacher1").await;
    let to = |audience: Value| json!({"audience": audience, "title": "T", "body": "B"});
    // teacher1 teaches the first two classes, not the fourth.
    let (status, problem) = post(
        &app,
        &teacher,
        "/api/v1/posts",
        to(json!({"class": list[3].0 .0})),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .contains("classes and grades you teach"));
    for audience in [json!({"school": true}), json!({"staff": true})] {
        let (status, _) = post(&app, &teacher, "/api/v1/posts", to(audience)).await;
        assert_eq!(status, 403);
    }
    // A grade one teaches in: its families read it, other grades' do not.
    let grade = list[1].1;
    let id = create(&app, &teacher, to(json!({"grade": grade}))).await;
    let (in_grade, _) = guardian_in(&app, list[1].0).await;
    assert!(visible(&app, &app.token(&in_grade).await, id).await);
    let (other_grade, _) = guardian_in(&app, list[3].0).await;
    assert!(!visible(&app, &app.token(&other_grade).await, id).await);
    let (status, _) = post(
        &app,
        &teacher,
        "/api/v1/posts",
        to(json!({"grade": list[3].1})),
    )
    .await;
    assert_eq!(status, 403);
    // Families and pupils never post, not even to their own class.
    for who in ["guardian1", "pupil1"] {
        let token = app.token(who).await;
        let (status, _) = post(
            &app,
            &token,
            "/api/v1/posts",
            to(json!({"class": list[0].0 .0})),
        )
        .await;
        assert_eq!(status, 403, "{who}");
    }
    // A leader writes to the staff: staff read it, families do not.
    let leader = app.token("leader1").await;
    let staff_post = create(&app, &leader, to(json!({"staff": true}))).await;
    assert!(visible(&app, &app.token("teacher3").await, staff_post).await);
    assert!(!visible(&app, &app.token("guardian1").await, staff_post).await);
    assert!(!visible(&app, &app.token("pupil1").await, staff_post).await);
    // A grade the school does not have, or a class of no school.
    for audience in [json!({"grade": 12}), json!({"class": 999_999})] {
        let (status, problem) = post(&app, &leader, "/api/v1/posts", to(audience)).await;
        assert_eq!(status, 422, "{problem}");
    }
    let (status, _) = post(
        &app,
        &teacher,
        "/api/v1/posts",
        to(json!({"class": 999_999})),
    )
    .await;
    assert_eq!(status, 403, "a teacher learns nothing about other classes");
    app.stop().await;
}

/// A post to the whole school is one row, read at once by every family of every class.
async fn a_school_post_reaches_everyone_in_one_write(app: TestApp) {
    let leader = app.token("leader1").await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM post")
        .fetch_one(&sqlx::AnyPool::connect(app.store.url()).await.expect("pool"))
        .await
        .expect("count");
    let id = create(
        &app,
        &leader,
        json!({"audience": {"school": true}, "title": "Juleferie", "body": "Skolen holder lukket."}),
    )
    .await;
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM post")
        .fetch_one(&sqlx::AnyPool::connect(app.store.url()).await.expect("pool"))
        .await
        .expect("count");
    assert_eq!(after, before + 1, "one row, not one per family");
    let list = classes(&app).await;
    for class in [list[0].0, list[4].0, list[list.len() - 1].0] {
        let (g, _) = guardian_in(&app, class).await;
        assert!(visible(&app, &app.token(&g).await, id).await, "{g}");
    }
    for who in ["pupil1", "teacher3"] {
        assert!(visible(&app, &app.token(who).await, id).await);
    }
    app.stop().await;
}

/// Bad input gets a clear 4xx and stores nothing.
async fn bad_posts_are_refused_with_reasons(app: TestApp) {
    let list = classes(&app).await;
    let class = list[0].0 .0;
    let teacher = app.token("teacher1").await;
    let cases = [
        (
            json!({"audience": {"class": class}, "title": "x".repeat(201), "body": "B"}),
            422,
            "200 characters",
        ),
        (
            json!({"audience": {"class": class}, "title": "T", "body": "  "}),
            422,
            "text",
        ),
        (
            json!({"audience": {"class": class, "grade": 1}, "title": "T", "body": "B"}),
            422,
            "one class, one grade",
        ),
        (
            json!({"audience": {"school": false}, "title": "T", "body": "B"}),
            422,
            "",
        ),
        (
            json!({"audience": {"class": "1A"}, "title": "T", "body": "B"}),
            422,
            "",
        ),
        (
            json!({"audience": {"class": class}, "title": "T", "body": "B", "publish_at": "2020-01-01T08:00:00Z"}),
            422,
            "has passed",
        ),
        (
            json!({"audience": {"class": class}, "title": "T", "body": "B", "publish_at": "tomorrow"}),
            422,
            "RFC 3339",
        ),
        (
            json!({"audience": {"class": class}, "title": "T", "body": "B", "emergency": true}),
            403,
            "leaders",
        ),
    ];
    for (body, status, detail) in cases {
        let (got, problem) = post(&app, &teacher, "/api/v1/posts", body.clone()).await;
        assert_eq!(got, status, "{body} → {problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(detail),
            "{body} → {problem}"
        );
    }
    let (_, list) = get(&app, &teacher, "/api/v1/posts").await;
    assert_eq!(ids(&list).len(), 2, "only the demo's two posts");
    // A leader's emergency is stored with its flag.
    let leader = app.token("leader1").await;
    let id = create(
        &app,
        &leader,
        json!({"audience": {"school": true}, "title": "Skolen er lukket", "body": "Vandskade.", "emergency": true}),
    )
    .await;
    let (_, body) = get(&app, &teacher, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(body["emergency"], true);
    // Script in a title is shown as text.
    let id = create(
        &app,
        &teacher,
        json!({"audience": {"class": class}, "title": "<script>alert(1)</script>", "body": "B"}),
    )
    .await;
    let page = app
        .signed_in("guardian1")
        .await
        .get(app.url(&format!("/posts/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("&#60;script&#62;alert(1)"));
    assert!(!page.contains("<script>alert(1)"));
    app.stop().await;
}

/// A scheduled post is its author's until its time, then everyone's.
async fn scheduled_posts_wait_for_their_time(app: TestApp) {
    let list = classes(&app).await;
    let teacher = app.token("teacher1").await;
    let guardian = app.token("guardian1").await;
    let later = skolebro_store::clock::now() + jiff::SignedDuration::from_secs(3600);
    let id = create(
        &app,
        &teacher,
        json!({"audience": {"class": list[0].0 .0}, "title": "Senere", "body": "B", "publish_at": later.to_string()}),
    )
    .await;
    assert!(!visible(&app, &guardian, id).await);
    let (_, body) = get(&app, &teacher, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(body["scheduled"], true);
    assert!(visible(&app, &app.token("leader1").await, id).await);
    // One due in two seconds appears by itself.
    let soon = skolebro_store::clock::now() + jiff::SignedDuration::from_secs(2);
    let id = create(
        &app,
        &teacher,
        json!({"audience": {"class": list[0].0 .0}, "title": "Snart", "body": "B", "publish_at": soon.to_string()}),
    )
    .await;
    assert!(!visible(&app, &guardian, id).await);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert!(visible(&app, &guardian, id).await);
    app.stop().await;
}

/// "Read and understood": readers confirm once; the sender sees who has and who has not.
async fn acknowledgements_are_counted_for_the_sender(app: TestApp) {
    let list = classes(&app).await;
    let teacher = app.token("teacher1").await;
    let id = create(
        &app,
        &teacher,
        json!({"audience": {"class": list[0].0 .0}, "title": "Samtykke", "body": "Læs venligst.", "acknowledge": true}),
    )
    .await;
    let guardian = app.token("guardian1").await;
    let g1 = app.id_of("guardian1").await.0;
    let path = format!("/api/v1/posts/{id}/acknowledgements");
    let (status, before) = get(&app, &teacher, &path).await;
    assert_eq!(status, 200);
    let pending: Vec<i64> = before["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect();
    assert!(pending.contains(&g1));
    assert!(before["acknowledged"].as_array().expect("list").is_empty());
    let everyone = pending.len();
    assert!(everyone >= 6, "every guardian of the class is asked");
    for _ in 0..2 {
        let (status, _) = post(
            &app,
            &guardian,
            &format!("/api/v1/posts/{id}/acknowledge"),
            json!({}),
        )
        .await;
        assert_eq!(status, 204, "confirming again changes nothing");
    }
    let (_, after) = get(&app, &teacher, &path).await;
    assert_eq!(after["acknowledged"].as_array().expect("list").len(), 1);
    assert_eq!(after["acknowledged"][0]["id"], g1);
    assert_eq!(
        after["pending"].as_array().expect("list").len(),
        everyone - 1
    );
    let (_, body) = get(&app, &guardian, &format!("/api/v1/posts/{id}")).await;
    assert!(body["acknowledged_at"].is_string());
    // The guardian does not see the others' answers; the author does not confirm their own.
    let (status, _) = get(&app, &guardian, &path).await;
    assert_eq!(status, 403);
    let (status, _) = post(
        &app,
        &teacher,
        &format!("/api/v1/posts/{id}/acknowledge"),
        json!({}),
    )
    .await;
    assert_eq!(status, 403);
    // A post that asks nothing cannot be confirmed.
    let plain = create(
        &app,
        &teacher,
        json!({"audience": {"class": list[0].0 .0}, "title": "Info", "body": "B"}),
    )
    .await;
    let (status, _) = post(
        &app,
        &guardian,
        &format!("/api/v1/posts/{plain}/acknowledge"),
        json!({}),
    )
    .await;
    assert_eq!(status, 409);
    // On the page: the guardian presses the button, the teacher sees the lists.
    let browser = app.signed_in("guardian2").await;
    let page = browser
        .get(app.url(&format!("/posts/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let response = browser
        .post(app.url(&format!("/posts/{id}/acknowledge")))
        .form(&[("csrf", common::csrf_of(&page))])
        .send()
        .await
        .expect("ack");
    assert_eq!(response.status(), 303);
    let page = app
        .signed_in("teacher1")
        .await
        .get(app.url(&format!("/posts/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("Confirmed (2)") || page.contains("Bekræftet (2)"),
        "{page}"
    );
    app.stop().await;
}

/// Lists are newest first, by cursor, without gaps or repeats; a pinned post is on top of the
/// page; the overview shows the newest posts.
async fn lists_page_by_cursor_and_pins_stay_on_top(app: TestApp) {
    let school = school(&app).await;
    let leader = app.id_of("leader1").await;
    let now = skolebro_store::now();
    for n in 0..25 {
        app.store
            .create_post(&skolebro_store::posts::NewPost {
                announce: false,
                images: &[],
                school_id: school,
                author_id: leader,
                audience: skolebro_store::posts::Audience::School,
                title: &format!("Nyt {n}"),
                body: "B",
                acknowledge: false,
                emergency: false,
                publish_at: now - 1000 + n,
                created_at: now,
            })
            .await
            .expect("post");
    }
    let token = app.token("guardian1").await;
    let (_, first) = get(&app, &token, "/api/v1/posts").await;
    let page1 = ids(&first);
    assert_eq!(page1.len(), 20);
    assert_eq!(first["posts"][0]["title"], "Tur i skoven på fredag");
    let cursor = first["next_cursor"].as_str().expect("cursor");
    let (_, second) = get(&app, &token, &format!("/api/v1/posts?cursor={cursor}")).await;
    let page2 = ids(&second);
    assert_eq!(page2.len(), 7, "25 + the demo's 2 = 27");
    assert!(second["next_cursor"].is_null());
    assert!(page2.iter().all(|id| !page1.contains(id)));
    let (status, _) = get(&app, &token, "/api/v1/posts?cursor=drop%20table").await;
    assert_eq!(status, 400);
    // Pin the oldest: it heads the page.
    let oldest = *page2.last().expect("one");
    let (status, _) = post(
        &app,
        &app.token("leader1").await,
        &format!("/api/v1/posts/{oldest}/pin"),
        json!({"pinned": true}),
    )
    .await;
    assert_eq!(status, 204);
    let browser = app.signed_in("guardian1").await;
    let page = browser
        .get(app.url("/posts"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let pinned = page.find("id=\"pinned-heading\"").expect("pinned section");
    let latest = page.find("id=\"latest-heading\"").expect("latest");
    let oldest_at = page
        .find(&format!("href=\"/posts/{oldest}\""))
        .expect("pinned post shown");
    assert!(pinned < oldest_at && oldest_at < latest);
    // The overview shows the newest posts.
    let overview = browser
        .get(app.url("/overview"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(overview.contains("Tur i skoven på fredag"));
    assert!(overview.contains("Nyt 24"));
    app.stop().await;
}

fn png(name: &str) -> reqwest::multipart::Part {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(name.as_bytes());
    reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/png")
        .expect("mime")
}

/// Images on posts: pictures only (sniffed), within the size limit; readers see them.
async fn posts_carry_images(app: TestApp) {
    let list = classes(&app).await;
    let teacher = app.token("teacher1").await;
    let id = create(
        &app,
        &teacher,
        json!({"audience": {"class": list[0].0 .0}, "title": "Billeder", "body": "Fra turen"}),
    )
    .await;
    let path = format!("/api/v1/posts/{id}/images");
    let upload = |part: reqwest::multipart::Part| {
        app.client()
            .post(app.url(&path))
            .bearer_auth(&teacher)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let response = upload(png("skov.png")).await.expect("upload");
    assert_eq!(response.status(), 201);
    let images: Value = response.json().await.expect("json");
    let url = images[0]["url"].as_str().expect("url").to_owned();
    // A PDF dressed as a PNG is refused by its bytes.
    let pdf = reqwest::multipart::Part::bytes(b"%PDF-1.4 x".to_vec())
        .file_name("skov.png")
        .mime_str("image/png")
        .expect("mime");
    let response = upload(pdf).await.expect("upload");
    assert_eq!(response.status(), 415);
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(11 * 1024 * 1024, 0);
    let response = upload(
        reqwest::multipart::Part::bytes(big)
            .file_name("big.png")
            .mime_str("image/png")
            .expect("mime"),
    )
    .await
    .expect("upload");
    assert_eq!(response.status(), 413);
    // A guardian of the class sees the image; a family elsewhere does not.
    let guardian = app.token("guardian1").await;
    let (_, body) = get(&app, &guardian, &format!("/api/v1/posts/{id}")).await;
    assert_eq!(body["images"].as_array().expect("images").len(), 1);
    let response = app
        .client()
        .get(app.url(&url))
        .bearer_auth(&guardian)
        .send()
        .await
        .expect("image");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    let (elsewhere, _) = guardian_in(&app, list[3].0).await;
    let response = app
        .client()
        .get(app.url(&url))
        .bearer_auth(app.token(&elsewhere).await)
        .send()
        .await
        .expect("image");
    assert_eq!(response.status(), 404);
    // The page form posts with an image, and keeps the text when the time is wrong.
    let browser = app.signed_in("teacher1").await;
    let page = browser
        .get(app.url("/posts"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = common::csrf_of(&page);
    let form = |publish_at: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("audience", format!("class:{}", list[0].0 .0))
            .text("title", "Fra formularen")
            .text("body", "Med billede")
            .text("publish_at", publish_at.to_owned())
            .part("images", png("a.png"))
    };
    let response = browser
        .post(app.url("/posts"))
        .multipart(form("2020-01-01T08:00"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(page.contains("Fra formularen"), "the typed title is kept");
    assert!(page.contains("role=\"alert\""));
    let response = browser
        .post(app.url("/posts"))
        .multipart(form(""))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let page = browser
        .get(app.url(&location))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("<img src=\"/posts/"));
    app.stop().await;
}

/// A photo of a pupil without consent is shown to that pupil's family and the class's staff,
/// never to the other families; consent opens it to the class, one refusal closes it again.
async fn photos_respect_each_familys_consent(app: TestApp) {
    let list = classes(&app).await;
    let class = list[0].0 .0;
    let teacher = app.token("teacher1").await;
    let pupil1 = app.id_of("pupil1").await.0;
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/classes/{class}/photos")))
        .bearer_auth(&teacher)
        .multipart(
            reqwest::multipart::Form::new()
                .text("caption", "Skovtur")
                .text("tag", pupil1.to_string())
                .part("photo", png("skov.png")),
        )
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 201);
    let photo = response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let album = format!("/api/v1/classes/{class}/photos");
    let shown = |token: String| {
        let album = album.clone();
        let app = &app;
        async move {
            let (status, list) = get(app, &token, &album).await;
            assert_eq!(status, 200);
            let listed = list
                .as_array()
                .expect("photos")
                .iter()
                .any(|p| p["id"] == photo);
            let file = app
                .client()
                .get(app.url(&format!("/photos/{photo}")))
                .bearer_auth(&token)
                .send()
                .await
                .expect("photo")
                .status()
                .as_u16();
            assert_eq!(listed, file == 200, "album and file agree");
            listed
        }
    };
    let own = app.token("guardian1").await;
    let other = app.token("guardian2").await;
    assert!(shown(own.clone()).await, "the pupil's own family");
    assert!(shown(teacher.clone()).await, "the class's staff");
    assert!(
        !shown(other.clone()).await,
        "no consent: not for other families"
    );
    assert!(!shown(app.token("pupil2").await).await);
    // guardian1 consents: the class sees it.
    let (status, _) = post(
        &app,
        &own,
        &format!("/api/v1/pupils/{pupil1}/photo-consent"),
        json!({"consent": true}),
    )
    .await;
    assert_eq!(status, 204);
    assert!(shown(other.clone()).await);
    // Another family cannot decide for pupil1.
    let (status, _) = post(
        &app,
        &other,
        &format!("/api/v1/pupils/{pupil1}/photo-consent"),
        json!({"consent": false}),
    )
    .await;
    assert_eq!(status, 404);
    // A refusal closes it again.
    let (status, _) = post(
        &app,
        &own,
        &format!("/api/v1/pupils/{pupil1}/photo-consent"),
        json!({"consent": false}),
    )
    .await;
    assert_eq!(status, 204);
    assert!(!shown(other).await);
    // Tags must be pupils of the class; photos must be images; families do not upload.
    let upload = |token: String, tag: String, part: reqwest::multipart::Part| {
        let app = &app;
        async move {
            app.client()
                .post(app.url(&format!("/api/v1/classes/{class}/photos")))
                .bearer_auth(token)
                .multipart(
                    reqwest::multipart::Form::new()
                        .text("tag", tag)
                        .part("photo", part),
                )
                .send()
                .await
                .expect("upload")
                .status()
                .as_u16()
        }
    };
    let elsewhere = app.id_of("pupil60").await.0;
    assert_eq!(
        upload(teacher.clone(), elsewhere.to_string(), png("a.png")).await,
        422
    );
    assert_eq!(upload(teacher.clone(), "x".into(), png("a.png")).await, 422);
    // The fields are judged before the files: a tag out of range with six files is a 422 about
    // the tag, not a 413 about the files.
    let mut six = reqwest::multipart::Form::new().text("tag", "-9223372036854775809");
    for n in 0..6 {
        six = six.part("photo", png(&format!("{n}.png")));
    }
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/classes/{class}/photos")))
        .bearer_auth(&teacher)
        .multipart(six)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 422);
    let pdf = reqwest::multipart::Part::bytes(b"%PDF-1.4 x".to_vec()).file_name("a.pdf");
    assert_eq!(upload(teacher.clone(), pupil1.to_string(), pdf).await, 415);
    assert_eq!(
        upload(own.clone(), pupil1.to_string(), png("a.png")).await,
        403
    );
    // The page shows the consent choice to the family and the restriction to the staff.
    let page = app
        .signed_in("guardian1")
        .await
        .get(app.url(&format!("/classes/{class}/photos")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains(&format!("action=\"/pupils/{pupil1}/photo-consent\"")));
    assert!(page.contains(&format!("/photos/{photo}")));
    app.stop().await;
}

on_both_databases!(
    a_class_post_reaches_the_class,
    who_may_post_where,
    a_school_post_reaches_everyone_in_one_write,
    bad_posts_are_refused_with_reasons,
    scheduled_posts_wait_for_their_time,
    acknowledgements_are_counted_for_the_sender,
    lists_page_by_cursor_and_pins_stay_on_top,
    posts_carry_images,
    photos_respect_each_familys_consent,
);
