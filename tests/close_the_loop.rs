//! The loop closed: residents' orders and nominations → `diandan plan --apply` → `diandan build`
//! → the township page, the month calendar and the township's `.ics` show what was planned,
//! with the reason, and the calendar parses as iCalendar.

mod support;

use std::path::Path;

use clap::Parser as _;
use icalendar::{Calendar, CalendarComponent, Component};
use serde_json::json;
use support::*;

const SECRET: &str = "loop-test-secret-0123456789abcdef";

fn residents_order_and_nominate(server: &Server) {
    for n in 0..18 {
        let body = json!({"program": "pinghua-linzexu", "township": "nanyu", "name": "乡亲", "phone": format!("1370000{n:04}")});
        assert_eq!(server.post_json("/api/orders", body).0, 201);
    }
    for n in 0..3 {
        let body = json!({"program": "muou-xiaomao-diaoyu", "township": "nanyu", "name": "乡亲", "phone": format!("1371111{n:04}")});
        assert_eq!(server.post_json("/api/orders", body).0, 201);
    }
    for n in 0..15 {
        let body = json!({"lecturer": "chen-siqi", "township": "shangjie", "name": "乡亲", "phone": format!("1372222{n:04}")});
        assert_eq!(server.post_json("/api/nominations", body).0, 201);
    }
}

fn cli(args: &[&str]) {
    let code = diandan::cli::Cli::try_parse_from(args)
        .expect("valid arguments")
        .run()
        .expect("the command runs");
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{args:?}");
}

fn read(out: &Path, path: &str) -> String {
    std::fs::read_to_string(out.join(path)).unwrap_or_else(|_| panic!("{path} was not built"))
}

/// The events of an `.ics` file, parsed by a real iCalendar parser: (UID, SUMMARY, DESCRIPTION).
fn events(ics: &str) -> Vec<(String, String, String)> {
    let cal: Calendar = ics.parse().expect("the calendar parses as RFC 5545");
    cal.components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some((
                e.get_uid().unwrap_or_default().to_owned(),
                e.get_summary().unwrap_or_default().to_owned(),
                e.get_description().unwrap_or_default().to_owned(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn orders_and_nominations_fill_the_next_auto_slots_on_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite3");
    let server = Server::start(&repo_root(), &db, SECRET, china("2026-12-01"));
    residents_order_and_nominate(&server);
    server.stop();

    let root = repo_root();
    let (root_s, store) = (root.to_str().unwrap(), format!("sqlite:{}", db.display()));
    cli(&[
        "diandan",
        "plan",
        "--root",
        root_s,
        "--store",
        &store,
        "--today",
        "2026-12-01",
        "--apply",
    ]);
    let out = dir.path().join("public");
    cli(&[
        "diandan",
        "build",
        "--root",
        root_s,
        "--store",
        &store,
        "--today",
        "2026-12-01",
        "--out",
        out.to_str().unwrap(),
    ]);

    let township = read(&out, "townships/nanyu/index.html");
    assert!(
        township.contains("评话《林则徐》") || township.contains("pinghua-linzexu"),
        "the township page shows the planned program"
    );
    assert!(township.contains("南屿镇 18 人点单"), "with the reason");
    let month = read(&out, "calendar/2026-12/index.html");
    assert!(month.contains("南屿镇 18 人点单"));
    let stage = events(&read(&out, "townships/nanyu/calendar.ics"))
        .into_iter()
        .find(|(uid, _, _)| uid.starts_with("2026-12-12-nanyu-stage@"))
        .expect("the 12 December stage is in the township's calendar");
    assert!(
        stage.1.contains("林则徐"),
        "its summary names the program: {}",
        stage.1
    );
    assert!(
        stage.2.contains("南屿镇 18 人点单"),
        "its description gives the reason: {}",
        stage.2
    );
    let forum = events(&read(&out, "calendar/all.ics"))
        .into_iter()
        .find(|(uid, _, _)| uid.starts_with("2026-12-20-shangjie-forum@"))
        .expect("the 20 December forum is in the county calendar");
    assert!(
        forum.1.contains("陈思琪"),
        "15 nominations brought the lecturer: {}",
        forum.1
    );
}
