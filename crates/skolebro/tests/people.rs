//! What each role sees of the school: guardians their own children, teachers their classes,
//! leaders the whole school (PEO-1, PEO-2, PEO-3), in the reader's language (PLT-1).

mod common;

use common::TestApp;

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn name_of(app: &TestApp, username: &str) -> String {
    let id = app.id_of(username).await;
    let me = app.store.me(id).await.expect("me");
    me.person.full()
}

async fn guardian_sees_own_child_and_no_other(app: TestApp) {
    let client = app.signed_in("guardian1").await;
    let (status, overview) = page(&client, &app, "/overview").await;
    assert_eq!(status, 200);
    let own = name_of(&app, "pupil1").await;
    let other = name_of(&app, "pupil2").await;
    assert!(
        overview.contains(&own),
        "the guardian's own child is listed"
    );
    assert!(!overview.contains(&other), "another family's child is not");
    // The child's class and contact teacher are shown.
    let teacher = name_of(&app, "teacher1").await;
    assert!(overview.contains(&teacher), "contact teacher named");
    assert!(overview.contains("0.A"), "the class is named");

    let pupil1 = app.id_of("pupil1").await;
    let pupil2 = app.id_of("pupil2").await;
    let (status, body) = page(&client, &app, &format!("/pupils/{pupil1}")).await;
    assert_eq!(status, 200);
    assert!(body.contains(&own));
    let (status, body) = page(&client, &app, &format!("/pupils/{pupil2}")).await;
    assert_eq!(
        status, 404,
        "another family's child is as if it did not exist"
    );
    assert!(!body.contains(&other));
    // The class list is for staff.
    let (status, _) = page(&client, &app, "/classes/1").await;
    assert_eq!(status, 404);
}

async fn teacher_sees_their_classes_with_pupils_and_guardians(app: TestApp) {
    let client = app.signed_in("teacher1").await;
    let (status, overview) = page(&client, &app, "/overview").await;
    assert_eq!(status, 200);
    assert!(overview.contains("0.A"), "teacher1's class is listed");
    let token = app.token("teacher1").await;
    let (_, me) = app.api_get(Some(&token), "/api/v1/me").await;
    let class_id = me["classes"][0]["id"].as_i64().expect("a class");
    let (status, class) = page(&client, &app, &format!("/classes/{class_id}")).await;
    assert_eq!(status, 200);
    for user in ["pupil1", "pupil2", "guardian1", "guardian2"] {
        let name = name_of(&app, user).await;
        assert!(
            class.contains(&name),
            "{user} ({name}) is on the class page"
        );
    }
    // guardian3's contact details are protected: never in a class list, not even for staff.
    let protected = app
        .store
        .pupil_detail(me_school(&app).await, app.id_of("pupil3").await)
        .await
        .expect("pupil")
        .expect("exists");
    let g3 = protected
        .guardians
        .iter()
        .find(|g| g.contact.protected)
        .expect("a protected guardian");
    let phone = g3.contact.phone.clone().expect("phone");
    assert!(
        !class.contains(&phone),
        "protected phone number is not in the class list"
    );
    assert!(
        class.contains("Beskyttet"),
        "the class list says the details are protected"
    );
    // Unprotected details of guardian1 are there for the class's staff.
    let g1 = app
        .store
        .pupil_detail(me_school(&app).await, app.id_of("pupil1").await)
        .await
        .expect("pupil")
        .expect("exists");
    let phone1 = g1.guardians[0].contact.phone.clone().expect("phone");
    assert!(class.contains(&phone1));

    // A class the teacher does not teach is not theirs to see.
    let leader = app.token("leader1").await;
    let (_, all) = app.api_get(Some(&leader), "/api/v1/me").await;
    assert!(all["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .any(|r| r == "leader"));
    let other_class = class_id + 5;
    let (status, _) = page(&client, &app, &format!("/classes/{other_class}")).await;
    assert_eq!(status, 404);
}

async fn me_school(app: &TestApp) -> skolebro_domain::SchoolId {
    app.store
        .first_school()
        .await
        .expect("school")
        .expect("exists")
        .id
}

async fn protected_details_reach_contact_teacher_on_the_pupil_record_and_are_audited(app: TestApp) {
    let pupil3 = app.id_of("pupil3").await;
    let school = me_school(&app).await;
    let detail = app
        .store
        .pupil_detail(school, pupil3)
        .await
        .expect("pupil")
        .expect("exists");
    let g3 = detail
        .guardians
        .iter()
        .find(|g| g.contact.protected)
        .expect("protected guardian");
    let phone = g3.contact.phone.clone().expect("phone");

    let teacher = app.signed_in("teacher1").await;
    let (status, body) = page(&teacher, &app, &format!("/pupils/{pupil3}")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(&phone),
        "the contact teacher sees the protected details"
    );
    assert!(body.contains("adressebeskyttelse"), "with a warning");
    let audit = app
        .store
        .audit_of(school, "protected_contact", g3.person.id.0, 10)
        .await
        .expect("audit");
    assert_eq!(audit.len(), 1, "the read is audited");
    assert_eq!(audit[0].actor_id, Some(app.id_of("teacher1").await));

    // The co-parent in the same household does not get them either: protected details never
    // leave the school's staff.
    let co = detail
        .guardians
        .iter()
        .find(|g| g.person.id != g3.person.id)
        .expect("a co-parent");
    let co_user = app
        .store
        .me(co.person.id)
        .await
        .expect("me")
        .username
        .expect("username");
    let co_client = app.signed_in(&co_user).await;
    let (status, body) = page(&co_client, &app, &format!("/pupils/{pupil3}")).await;
    assert_eq!(status, 200);
    assert!(
        !body.contains(&phone),
        "a guardian never sees protected details of another"
    );
    let guardian2 = app.signed_in("guardian2").await;
    let (status, _) = page(&guardian2, &app, &format!("/pupils/{pupil3}")).await;
    assert_eq!(status, 404);
}

async fn info_only_guardian_sees_the_child_but_not_the_other_household(app: TestApp) {
    let school = me_school(&app).await;
    let pupil4 = app.id_of("pupil4").await;
    let detail = app
        .store
        .pupil_detail(school, pupil4)
        .await
        .expect("pupil")
        .expect("exists");
    let full = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Full)
        .expect("custodial parent");
    let info = detail
        .guardians
        .iter()
        .find(|g| g.access == skolebro_domain::Access::Info)
        .expect("info-only parent");
    assert_ne!(full.contact.address, info.contact.address, "two households");
    let info_user = app
        .store
        .me(info.person.id)
        .await
        .expect("me")
        .username
        .expect("username");
    let client = app.signed_in(&info_user).await;
    let (status, body) = page(&client, &app, &format!("/pupils/{pupil4}")).await;
    assert_eq!(status, 200, "an information-only parent sees the child");
    let full_address = full.contact.address.clone().expect("address");
    assert!(
        !body.contains(&full_address),
        "but not the other household's address"
    );
    let (status, overview) = page(&client, &app, "/overview").await;
    assert_eq!(status, 200);
    assert!(overview.contains(&detail.person.full()));
}

async fn leader_sees_the_whole_school(app: TestApp) {
    let client = app.signed_in("leader1").await;
    let (status, overview) = page(&client, &app, "/overview").await;
    assert_eq!(status, 200);
    assert!(overview.contains("60 elever"), "pupil count of the school");
    assert!(overview.contains("9.A"), "the last grade's class is listed");
    let pupil = app.id_of("pupil59").await;
    let (status, _) = page(&client, &app, &format!("/pupils/{pupil}")).await;
    assert_eq!(status, 200);
}

async fn language_follows_choice_then_browser_then_school(app: TestApp) {
    // Anonymous: the school's locale (Danish), or the browser's language.
    let anon = app.client();
    let (_, body) = page(&anon, &app, "/login").await;
    assert!(body.contains("<html lang=\"da\">") && body.contains("Log ind"));
    let r = anon
        .get(app.url("/login"))
        .header("Accept-Language", "nb-NO,nb;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("get");
    let body = r.text().await.expect("body");
    assert!(body.contains("<html lang=\"nb\">") && body.contains("Logg inn"));

    // A signed-in person's own choice wins over the browser.
    let client = app.signed_in("guardian1").await;
    let (_, profile) = page(&client, &app, "/profile").await;
    let csrf = common::csrf_of(&profile);
    let r = client
        .post(app.url("/profile/language"))
        .form(&[("csrf", csrf.as_str()), ("language", "en")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let r = client
        .get(app.url("/overview"))
        .header("Accept-Language", "da")
        .send()
        .await
        .expect("get");
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<html lang=\"en\">") && body.contains("Your children"),
        "English chosen"
    );
    let (_, profile) = page(&client, &app, "/profile").await;
    assert!(profile.contains("value=\"en\" lang=\"en\" selected"));
}

on_both_databases!(
    guardian_sees_own_child_and_no_other,
    teacher_sees_their_classes_with_pupils_and_guardians,
    protected_details_reach_contact_teacher_on_the_pupil_record_and_are_audited,
    info_only_guardian_sees_the_child_but_not_the_other_household,
    leader_sees_the_whole_school,
    language_follows_choice_then_browser_then_school,
);
