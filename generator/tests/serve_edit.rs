//! `serve` watching its files: an edit is rebuilt (incrementally) and served; a broken edit
//! shows its problems over the last good site; fixing it brings the new site back.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use diandan::serve::{app, watch_files, Live};
use diandan_functions::api::ApiState;
use diandan_functions::catalogue::Catalogue;
use diandan_functions::domain::Secret;
use diandan_functions::store::SqliteStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

mod common;

async fn get(app: &Router, uri: &str) -> String {
    let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The page at `uri` once a build serves it as `wanted` says. A write may reach the watcher
/// as several events and so as more than one build: waits through them, up to 30 s.
async fn served(live: &Live, site: &Router, uri: &str, wanted: impl Fn(&str) -> bool) -> String {
    let mut rx = live.version.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let page = get(site, uri).await;
        if wanted(&page) {
            return page;
        }
        let next = tokio::time::timeout_at(deadline, rx.changed()).await;
        assert!(
            next.is_ok(),
            "no build served the wanted page within 30 s:\n{page}"
        );
    }
}

fn rewrite(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_served_and_broken_edits_keep_the_last_good_site() {
    let dir = tempfile::tempdir().unwrap();
    let repo = common::repo_root();
    common::copy_dir(&repo.join("content"), &dir.path().join("content"));
    common::copy_dir(&repo.join("themes"), &dir.path().join("themes"));
    let store = Arc::new(SqliteStore::temporary().unwrap());
    let secret = Secret::new("serve-edit-test-secret-0123456").unwrap();
    let api = ApiState::new(store, Catalogue::default(), secret).with_base_url("");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
    let live = Live::new(dir.path().to_path_buf(), api, today);
    let first = live.clone();
    tokio::task::spawn_blocking(move || first.rebuild())
        .await
        .unwrap();
    let _watcher = watch_files::watch(dir.path(), live.clone()).unwrap();
    let site = app(live.clone());
    let program = "/programs/minju-chenjinggu/";
    let file = "content/programs/minju-chenjinggu.md";
    let banner = "构建失败";

    rewrite(dir.path(), file, "《陈靖姑》选段", "《陈靖姑》新编");
    served(&live, &site, program, |p| p.contains("《陈靖姑》新编")).await;
    let home = get(&site, "/").await;
    assert!(home.contains("《陈靖姑》新编"), "featured on the home page");

    rewrite(
        dir.path(),
        file,
        "duration_minutes: 90",
        "duration_minutes: [",
    );
    let page = served(&live, &site, program, |p| p.contains(banner)).await;
    assert!(
        page.contains("minju-chenjinggu.md"),
        "the problem names the file: {}",
        page.split("</div>").next().unwrap_or_default()
    );
    assert!(page.contains("《陈靖姑》新编"), "over the last good page");
    assert!(page.contains("约 90 分钟"));

    rewrite(
        dir.path(),
        file,
        "duration_minutes: [",
        "duration_minutes: 80",
    );
    let page = served(&live, &site, program, |p| !p.contains(banner)).await;
    assert!(page.contains("约 80 分钟"), "the fixed edit is served");
}
