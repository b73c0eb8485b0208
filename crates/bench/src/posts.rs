//! `skolebro-bench posts`: a post to the whole school costs one write whatever the school's
//! size, and a guardian's list of posts costs the same with 10 and with 10,000 posts in the
//! school's history (fan-out on read, keyset cursor). Measured through the store, with the
//! queries `GET /api/v1/posts` runs (the page, then its images), on SQLite or PostgreSQL.

use std::time::Instant;

use skolebro_domain::access::post_scope;
use skolebro_domain::posts::{Audience, PAGE_SIZE};
use skolebro_domain::{Country, PersonId, SchoolId};
use skolebro_store::demo::DemoOptions;
use skolebro_store::posts::{NewPost, PostQuery};
use skolebro_store::Store;

use crate::database::Fresh;
use crate::stats::{ms, summarize, Summary};

#[derive(clap::Args, Debug, Clone)]
pub struct PostsArgs {
    /// Where to measure (as for `messages`): a PostgreSQL server URL, or SQLite by default.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Posts in the history written before the second round.
    #[arg(long, default_value_t = 10_000)]
    pub history: u64,
    /// Timed repetitions of each read.
    #[arg(long, default_value_t = 200)]
    pub repetitions: usize,
    /// Pupils of the demo school.
    #[arg(long, default_value_t = 600)]
    pub pupils: u32,
    /// Posts to the whole school, for the median.
    #[arg(long, default_value_t = 20)]
    pub broadcasts: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// What `GET /api/v1/posts` asks of the store for `reader`: a page, then its images.
async fn list_once(store: &Store, school: SchoolId, reader: PersonId) -> Result<usize, String> {
    let actor = store.actor(reader, school).await.map_err(err)?;
    let scope = post_scope(&actor);
    let posts = store
        .posts_for(&PostQuery {
            school_id: school,
            reader,
            scope: &scope,
            now: skolebro_store::now(),
            before: None,
            limit: PAGE_SIZE + 1,
            pinned_only: false,
        })
        .await
        .map_err(err)?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    store.post_images(&ids).await.map_err(err)?;
    Ok(posts.len())
}

async fn lists(
    store: &Store,
    school: SchoolId,
    readers: &[(&str, PersonId)],
    reps: usize,
) -> Result<Vec<(String, Summary, usize)>, String> {
    let mut out = Vec::new();
    for (name, reader) in readers {
        let mut n = 0;
        for _ in 0..10 {
            n = list_once(store, school, *reader).await?;
        }
        let mut samples = Vec::with_capacity(reps);
        for _ in 0..reps {
            let t = Instant::now();
            list_once(store, school, *reader).await?;
            samples.push(t.elapsed());
        }
        out.push((name.to_string(), summarize(samples), n));
    }
    Ok(out)
}

pub async fn run(args: &PostsArgs) -> Result<(), String> {
    let fresh = Fresh::create(args.database_url.as_deref()).await?;
    let result = measure(args, &fresh.url).await;
    fresh.remove().await?;
    result
}

async fn measure(args: &PostsArgs, url: &str) -> Result<(), String> {
    let store = Store::connect(url).await.map_err(err)?;
    store.migrate().await.map_err(err)?;
    let demo = store
        .create_demo(
            &DemoOptions {
                pupils: args.pupils,
                country: Country::Dk,
                password: "demo".into(),
            },
            &|_, _| {},
        )
        .await
        .map_err(err)?;
    let school = demo.school_id;
    let person = |name: &'static str| {
        let store = store.clone();
        async move {
            store
                .person_by_username(name)
                .await
                .map_err(err)?
                .ok_or_else(|| format!("no demo user {name}"))
        }
    };
    let leader = person("leader1").await?;
    let readers = [
        ("guardian1", person("guardian1").await?),
        ("teacher1", person("teacher1").await?),
        ("pupil1", person("pupil1").await?),
    ];
    println!(
        "school: {} pupils, {} guardians, {} classes ({:?})",
        demo.pupils,
        demo.guardians,
        demo.classes,
        store.backend()
    );

    // A post to the whole school: one row, one transaction.
    let mut samples = Vec::new();
    for n in 0..args.broadcasts {
        let at = skolebro_store::now();
        let title = format!("Til alle {n}");
        let t = Instant::now();
        store
            .create_post(&NewPost {
                announce: true,
                images: &[],
                school_id: school,
                author_id: leader,
                audience: Audience::School,
                title: &title,
                body: "Kære alle forældre.",
                acknowledge: true,
                emergency: false,
                publish_at: at,
                created_at: at,
            })
            .await
            .map_err(err)?;
        samples.push(t.elapsed());
    }
    let broadcast = summarize(samples);
    println!(
        "post to the whole school ({} guardians): p50 {}, max {} ({} posts)",
        demo.guardians,
        ms(broadcast.p50),
        ms(broadcast.max),
        broadcast.count
    );

    let small = lists(&store, school, &readers, args.repetitions).await?;
    let t = Instant::now();
    store
        .create_post_history(school, leader, args.history, skolebro_store::now() - 3600)
        .await
        .map_err(err)?;
    if store.backend() == skolebro_store::Backend::Postgres {
        // What autovacuum does after a bulk load (the store refreshes SQLite's statistics).
        let pool = sqlx::AnyPool::connect(url).await.map_err(err)?;
        sqlx::query("VACUUM ANALYZE post")
            .execute(&pool)
            .await
            .map_err(err)?;
        pool.close().await;
    }
    println!(
        "history: {} posts written in {:.1} s",
        args.history,
        t.elapsed().as_secs_f64()
    );
    let large = lists(&store, school, &readers, args.repetitions).await?;
    println!("GET /api/v1/posts (store queries), p50 / p95:");
    for ((name, s, n), (_, l, m)) in small.iter().zip(large.iter()) {
        println!(
            "  {name:<10} {:>5} posts: {} / {}   {:>6} posts: {} / {}   (page {n} → {m})",
            2 + args.broadcasts,
            ms(s.p50),
            ms(s.p95),
            2 + args.broadcasts as u64 + args.history,
            ms(l.p50),
            ms(l.p95),
        );
    }
    store.close().await;
    Ok(())
}
