//! `diandan plan` on the sample content with a throwaway store.

use std::sync::Arc;

use chrono::TimeZone;
use diandan_functions::clock::china_offset;
use diandan_functions::domain::CancelToken;
use diandan_functions::store::conformance::{name, person};
use diandan_functions::store::{NewNomination, NewOrder, SqliteStore, Store};

use super::*;

/// Where the workspace's sample content is.
fn sample_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn args(store: &std::path::Path, apply: bool) -> PlanArgs {
    PlanArgs {
        root: RootArgs {
            root: sample_root(),
        },
        store: Some(StoreSpec::Sqlite(store.to_path_buf())),
        apply,
        today: NaiveDate::from_ymd_opt(2026, 12, 1),
    }
}

async fn seed(store: &dyn Store) {
    let at = (china_offset()
        .with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
        .single())
    .unwrap();
    let orders = [("minju-chenjinggu", 0..18), ("pinghua-linzexu", 100..103)];
    for (program, people) in orders {
        for who in people {
            let order = NewOrder {
                program: program.parse().unwrap(),
                township: "nanyu".parse().unwrap(),
                person: person(who),
                name: name("张美玲"),
                note: None,
                at,
                reach: None,
            };
            store.order(order).await.unwrap();
        }
    }
    for who in 0..15 {
        let nomination = NewNomination {
            lecturer: "chen-siqi".parse().unwrap(),
            township: "shangjie".parse().unwrap(),
            person: person(who),
            name: name("林秀英"),
            topic: None,
            threshold: 15,
            at,
            withdraw: CancelToken::random(),
            reach: None,
        };
        store.nominate(nomination).await.unwrap();
    }
}

fn run_plan(args: &PlanArgs) -> String {
    let mut out = Vec::new();
    let code = execute(args, &mut out).unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    String::from_utf8(out).unwrap()
}

#[test]
fn previews_then_applies_the_most_ordered_program_and_the_nominated_lecturer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(seed(store.as_ref()));
    let preview = run_plan(&args(&path, false));
    let nanyu = (preview.lines())
        .find(|l| l.starts_with("2026-12-12 周六  南屿镇"))
        .unwrap_or_else(|| panic!("{preview}"));
    assert!(
        nanyu.contains("戏台  闽剧《陈靖姑》选段") && nanyu.ends_with("南屿镇 18 人点单"),
        "{nanyu}"
    );
    let forum = (preview.lines())
        .find(|l| l.contains("讲坛  陈思琪"))
        .unwrap_or_else(|| panic!("{preview}"));
    assert!(forum.starts_with("2026-12-20 周日  上街镇"), "{forum}");
    assert!(
        forum.ends_with("15 人点将（上街镇最多，就在本地）"),
        "{forum}"
    );
    assert!(preview.contains("这只是预览"), "{preview}");
    assert!(runtime.block_on(store.assignments()).unwrap().is_empty());
    let applied = run_plan(&args(&path, true));
    assert!(applied.contains("已保存 2 项安排"), "{applied}");
    let stored = runtime.block_on(store.assignments()).unwrap();
    let slots: Vec<_> = stored
        .iter()
        .map(|a| (a.slot.as_str(), a.reason.as_str()))
        .collect();
    assert_eq!(slots[0], ("2026-12-12-nanyu-stage", "南屿镇 18 人点单"));
    assert_eq!(slots[1].0, "2026-12-20-shangjie-forum");
    let again = run_plan(&args(&path, true));
    assert!(
        !again.contains("陈思琪") && !again.contains("南屿镇 18"),
        "{again}"
    );
}

#[test]
fn the_table_lines_up_chinese_text() {
    assert_eq!(width("南屿镇 18 人"), 12);
    assert_eq!(width("闽剧《陈靖姑》"), 14);
    assert_eq!(pad("戏台", 6), "戏台  ");
    assert_eq!(
        table(&Catalogue::default(), &[]),
        "没有需要安排的自动场次。\n"
    );
}
