//! The search index's budgets: at most 30 KB gzipped for the sample content, and at the
//! 10,000-program benchmark catalogue (`diandan bench`'s synthetic content) a first search
//! fetches one shard of at most 150 KB gzipped. Prints the figures docs/performance.md quotes.

mod common;

use std::io::Write;

use diandan::cli::bench::synth;
use diandan::render::search;
use flate2::write::GzEncoder;
use flate2::Compression;

fn gzipped(bytes: &[u8]) -> usize {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap().len()
}

#[test]
fn the_sample_index_is_one_small_file() {
    let files = common::search_index(&common::repo_root());
    assert_eq!(files.len(), 1, "one shard");
    let (raw, gz) = (files[0].1.len(), gzipped(&files[0].1));
    println!("sample index: {raw} B, {gz} B gzipped");
    assert!(gz <= 30 * 1024, "{gz} B gzipped, over 30 KB");
}

#[test]
fn at_ten_thousand_programs_a_first_search_fetches_one_shard_under_150_kb() {
    let dir = tempfile::tempdir().unwrap();
    synth::write_diandan(dir.path(), &synth::Sizes::for_n(10_000)).unwrap();
    let files = common::search_index(dir.path());
    let shards = files.len();
    assert!(shards > 1, "a large index is split");
    // Raw: gzipping every shard would cost this test most of its time.
    let total: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut heaviest = (0, String::new());
    // What residents type: categories, townships, lecturers, in Chinese, pinyin and initials.
    for q in [
        "闽剧",
        "minju",
        "mj",
        "shifan",
        "sf",
        "南屿",
        "nanyu",
        "木偶戏",
        "muou",
        "讲师0042",
        "剪纸",
        "jianzhi",
        "少儿课程",
        "shaoer",
    ] {
        let n = search::shard_for(q, shards);
        let (path, bytes) = &files[n];
        assert_eq!(path, &search::shard_path(n));
        let gz = gzipped(bytes);
        println!(
            "first search {q:>8}: {path} {} B, {gz} B gzipped",
            bytes.len()
        );
        if gz > heaviest.0 {
            heaviest = (gz, q.to_owned());
        }
    }
    println!("{shards} shards, {total} B in all; heaviest first search: {heaviest:?}");
    assert!(heaviest.0 <= 150 * 1024, "{heaviest:?} over 150 KB gzipped");
}
