//! Site search at `/search/?q=…`: a build-time index of programs, lecturers, courses and
//! townships with their pinyin, split into shards by the first "gram" a query can start with,
//! so a large catalogue's first search fetches one shard, not the whole index.
//!
//! A gram is one Chinese character, or the first one or two letters of a pinyin piece that a
//! query can start with: at a syllable's start in the full pinyin (`mi` of `minju`) or in the
//! initials (`mj`). `search.js` computes the same gram from the query and the same hash.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::pages::{ready, Job};
use super::pinyin_keys::syllables;
use super::views::Views;

/// One searchable thing: what the results list shows and the fields a query matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 0 program, 1 lecturer, 2 course, 3 township: `search.js` maps it to a label and path.
    pub kind: u8,
    pub id: String,
    pub title: String,
    pub sub: String,
    /// Further words it is found by (tags, topics, troupe, venues), not shown.
    pub extra: String,
}

/// What the script prefixes an entry's id with, by kind.
pub const PATHS: [&str; 4] = ["/programs/", "/lecturers/", "/courses/", "/townships/"];

/// Every searchable thing of the site, in a stable order.
pub fn entries(v: &Views) -> Vec<Entry> {
    let mut out = Vec::new();
    for p in &v.programs {
        let mut extra = p.tags.clone();
        extra.push(p.audience.clone());
        out.push(entry(
            0,
            &p.id,
            &p.title,
            &format!("{} · {}", p.category, p.troupe),
            &extra,
        ));
    }
    for l in &v.lecturers {
        out.push(entry(1, &l.id, &l.name, &l.title, &l.topics));
    }
    for k in &v.courses {
        let teacher = k
            .teacher
            .as_ref()
            .map(|t| t.title.clone())
            .unwrap_or_default();
        let sub = format!("{} · {}", k.category, k.venue);
        out.push(entry(2, &k.id, &k.title, &sub, &[teacher]));
    }
    for t in &v.townships {
        out.push(entry(3, &t.id, &t.name, t.kind, &t.venues));
    }
    out
}

fn entry(kind: u8, id: &str, title: &str, sub: &str, extra: &[String]) -> Entry {
    let extra: Vec<&str> = extra
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    Entry {
        kind,
        id: id.to_owned(),
        title: title.to_owned(),
        sub: sub.to_owned(),
        extra: extra.join(" "),
    }
}

impl Entry {
    /// The fields a query is matched against, in the order results rank by.
    fn fields(&self) -> [&str; 3] {
        [&self.title, &self.sub, &self.extra]
    }

    /// Each field's syllables, space-separated; fields separated by `|`.
    fn pinyin(&self) -> String {
        let fields: Vec<String> = self
            .fields()
            .iter()
            .map(|f| syllables(f).join(" "))
            .collect();
        fields.join("|")
    }

    /// The grams a query matching this entry can start with.
    fn grams(&self) -> BTreeSet<String> {
        let mut grams = BTreeSet::new();
        for field in self.fields() {
            grams.extend(field.chars().filter(|c| is_han(*c)).map(String::from));
            let sy = syllables(field);
            let compact = sy.concat();
            let initials: String = sy.iter().filter_map(|s| s.chars().next()).collect();
            let mut at = 0;
            for s in &sy {
                grams.extend(prefixes(&compact[at..]));
                at += s.len();
            }
            for i in 0..initials.len() {
                grams.extend(prefixes(&initials[i..]));
            }
        }
        grams
    }
}

/// The one- and two-letter starts of `s` (ASCII only).
fn prefixes(s: &str) -> Vec<String> {
    (1..=2.min(s.len())).map(|n| s[..n].to_owned()).collect()
}

/// CJK Unified Ideographs and Extension A: what `search.js` treats as a Chinese query.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// 32-bit FNV-1a over UTF-16 code units, as JavaScript strings hold text.
pub fn gram_hash(gram: &str) -> u32 {
    gram.encode_utf16().fold(0x811c_9dc5_u32, |h, unit| {
        (h ^ u32::from(unit)).wrapping_mul(0x0100_0193)
    })
}

/// The shard `search.js` fetches for an already normalised query (lowercase, no tones, no
/// spaces): its first Chinese character, else its first two letters.
pub fn shard_for(query: &str, shards: usize) -> usize {
    let gram: String = match query.chars().next() {
        Some(c) if is_han(c) => c.to_string(),
        _ => query.chars().take(2).collect(),
    };
    gram_hash(&gram) as usize % shards.max(1)
}

/// One shard for a small site (the whole index is one small file); at larger sizes about one
/// shard per dozen entries, so each holds the entries of a few grams.
pub fn shard_count(entries: usize) -> usize {
    if entries <= 1000 {
        1
    } else {
        (entries / 12).next_power_of_two().min(1024)
    }
}

/// Path of shard `n` in the site.
pub fn shard_path(n: usize) -> String {
    format!("search/{n}.json")
}

/// The index's shards: `search/<n>.json`, each `{"e": [[kind, id, title, sub, extra, pinyin]…]}`.
pub fn files(v: &Views) -> Vec<(String, Vec<u8>)> {
    let entries = entries(v);
    let count = shard_count(entries.len());
    let mut shards: Vec<Vec<Value>> = vec![Vec::new(); count];
    for e in &entries {
        let mut to: BTreeSet<usize> = BTreeSet::new();
        if count > 1 {
            to.extend(e.grams().iter().map(|g| gram_hash(g) as usize % count));
        } else {
            to.insert(0);
        }
        let row = json!([e.kind, e.id, e.title, e.sub, e.extra, e.pinyin()]);
        for n in to {
            shards[n].push(row.clone());
        }
    }
    shards
        .into_iter()
        .enumerate()
        .map(|(n, rows)| (shard_path(n), json!({ "e": rows }).to_string().into_bytes()))
        .collect()
}

/// Paths of shards a previous build wrote that the new index no longer has.
pub fn stale<'a>(
    before: impl Iterator<Item = &'a String>,
    now: &[(String, Vec<u8>)],
) -> Vec<String> {
    before
        .filter(|p| p.starts_with("search/") && p.ends_with(".json"))
        .filter(|p| !now.iter().any(|(q, _)| q == *p))
        .cloned()
        .collect()
}

/// The search page: the box, room for the results, and (for readers without JavaScript)
/// the categories and townships to browse.
pub fn page(v: &Views) -> Job<'_> {
    let categories: Vec<Value> = v
        .categories()
        .iter()
        .map(|(name, ps)| json!({"title": name, "url": super::views::category_url(name), "count": ps.len()}))
        .collect();
    let count = v.programs.len() + v.lecturers.len() + v.courses.len() + v.townships.len();
    ready(
        "search/index.html".into(),
        "search.html",
        json!({"section": "search", "categories": categories, "shards": shard_count(count)}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(title: &str, sub: &str) -> Entry {
        entry(0, "x", title, sub, &["传统戏曲".to_owned()])
    }

    #[test]
    fn grams_cover_characters_syllable_starts_and_initials() {
        let g = program("闽剧《陈靖姑》", "闽剧 · 闽侯县闽剧团").grams();
        for want in [
            "闽", "剧", "m", "mi", "ju", "mj", "cj", "jg", "ch", "tu", "ct",
        ] {
            assert!(g.contains(want), "{want} in {g:?}");
        }
        // A query never starts inside a syllable.
        assert!(!g.contains("in"), "{g:?}");
        assert!(!g.contains("nj"), "{g:?}");
    }

    #[test]
    fn pinyin_keeps_fields_and_syllables_apart() {
        let e = program("十番音乐合奏", "十番音乐 · 县十番队");
        assert_eq!(
            e.pinyin(),
            "shi fan yin yue he zou|shi fan yin yue xian shi fan dui|chuan tong xi qu"
        );
    }

    #[test]
    fn the_hash_matches_javascripts_utf16_fnv1a() {
        // Values computed by hand with the same algorithm over UTF-16 code units.
        assert_eq!(gram_hash(""), 0x811c_9dc5);
        assert_eq!(gram_hash("a"), 0xe40c_292c);
        assert_ne!(gram_hash("mi"), gram_hash("im"));
    }

    #[test]
    fn small_sites_have_one_shard_large_ones_many() {
        assert_eq!(shard_count(64), 1);
        assert_eq!(shard_count(12_015), 1024);
        assert_eq!(shard_count(2_000), 256);
    }
}
