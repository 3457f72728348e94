//! Site search at `/search/?q=…`: a build-time index of programs, lecturers, courses and
//! townships with their pinyin, split into shards by the first "gram" a query can start with,
//! so a large catalogue's first search fetches one shard, not the whole index.
//!
//! A gram is one Chinese character, or the first one or two letters of a pinyin piece that a
//! query can start with: at a syllable's start in the full pinyin (`mi` of `minju`) or in the
//! initials (`mj`). `search.js` computes the same gram from the query and the same hash.
//!
//! A build makes the [`Index`] once and streams its shards to the sink with the other data
//! files; `serve` keeps it, and after an edit [`Index::update`] makes again only the entries
//! that changed and writes only the shards whose rows changed.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use serde_json::{json, Value};

use super::pages::{ready, Job};
use super::pinyin_keys::syllables;
use super::views::{CourseView, LecturerView, ProgramView, TownshipView, Views};
use super::{put, RenderError, Sink};

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
    sources(v).map(|s| s.entry()).collect()
}

/// A searchable thing as the views hold it: what its [`Entry`] is made from.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    Program(&'a ProgramView),
    Lecturer(&'a LecturerView),
    Course(&'a CourseView),
    Township(&'a TownshipView),
}

/// Every searchable thing of the site, in the order of [`entries`].
fn sources(v: &Views) -> impl Iterator<Item = Source<'_>> {
    (v.programs.iter().map(Source::Program))
        .chain(v.lecturers.iter().map(Source::Lecturer))
        .chain(v.courses.iter().map(Source::Course))
        .chain(v.townships.iter().map(Source::Township))
}

/// Something an entry is made from: its kind and id, a hash of every field its entry is made
/// of (equal hashes mean equal entries), and the entry.
trait Item: Send + Sync {
    fn key(&self) -> (u8, &str);
    fn hash(&self) -> u64;
    fn entry(&self) -> Entry;
}

impl Item for Source<'_> {
    fn key(&self) -> (u8, &str) {
        match *self {
            Source::Program(p) => (0, &p.id),
            Source::Lecturer(l) => (1, &l.id),
            Source::Course(k) => (2, &k.id),
            Source::Township(t) => (3, &t.id),
        }
    }

    /// Hashes the view's fields without making the entry.
    fn hash(&self) -> u64 {
        let mut h = DefaultHasher::new();
        match *self {
            Source::Program(p) => {
                (
                    0u8,
                    &p.id,
                    &p.title,
                    &p.category,
                    &p.troupe,
                    &p.tags,
                    &p.audience,
                )
                    .hash(&mut h);
            }
            Source::Lecturer(l) => (1u8, &l.id, &l.name, &l.title, &l.topics).hash(&mut h),
            Source::Course(k) => {
                let teacher = k.teacher.as_ref().map(|t| &t.title);
                (2u8, &k.id, &k.title, &k.category, &k.venue, teacher).hash(&mut h);
            }
            Source::Township(t) => (3u8, &t.id, &t.name, t.kind, &t.venues).hash(&mut h),
        }
        h.finish()
    }

    fn entry(&self) -> Entry {
        match *self {
            Source::Program(p) => {
                let mut extra = p.tags.clone();
                extra.push(p.audience.clone());
                let sub = format!("{} · {}", p.category, p.troupe);
                entry(0, &p.id, &p.title, &sub, &extra)
            }
            Source::Lecturer(l) => entry(1, &l.id, &l.name, &l.title, &l.topics),
            Source::Course(k) => {
                let teacher = (k.teacher.as_ref())
                    .map(|t| t.title.clone())
                    .unwrap_or_default();
                let sub = format!("{} · {}", k.category, k.venue);
                entry(2, &k.id, &k.title, &sub, &[teacher])
            }
            Source::Township(t) => entry(3, &t.id, &t.name, t.kind, &t.venues),
        }
    }
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

/// An entry made already (tests): its hash is of its own fields.
impl Item for Entry {
    fn key(&self) -> (u8, &str) {
        (self.kind, &self.id)
    }

    fn hash(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (self.kind, &self.id, &self.title, &self.sub, &self.extra).hash(&mut h);
        h.finish()
    }

    fn entry(&self) -> Entry {
        self.clone()
    }
}

impl Entry {
    /// The fields a query is matched against, in the order results rank by.
    fn fields(&self) -> [&str; 3] {
        [&self.title, &self.sub, &self.extra]
    }

    /// Each field's syllables.
    fn syllables(&self) -> [Vec<String>; 3] {
        self.fields().map(syllables)
    }

    /// Each field's syllables (`sy`), space-separated; fields separated by `|`.
    fn pinyin_of(sy: &[Vec<String>; 3]) -> String {
        let fields: Vec<String> = sy.iter().map(|s| s.join(" ")).collect();
        fields.join("|")
    }

    /// Calls `f` with each gram a query matching this entry can start with (some more than
    /// once); `sy` are [`Entry::syllables`].
    fn each_gram(&self, sy: &[Vec<String>; 3], mut f: impl FnMut(&str)) {
        let mut buf = [0; 4];
        for (field, sy) in self.fields().iter().zip(sy) {
            for c in field.chars().filter(|c| is_han(*c)) {
                f(c.encode_utf8(&mut buf));
            }
            let compact = sy.concat();
            let initials: String = sy.iter().filter_map(|s| s.chars().next()).collect();
            let mut at = 0;
            for s in sy {
                prefixes(&compact[at..], &mut f);
                at += s.len();
            }
            for i in 0..initials.len() {
                prefixes(&initials[i..], &mut f);
            }
        }
    }

    #[cfg(test)]
    fn pinyin(&self) -> String {
        Entry::pinyin_of(&self.syllables())
    }

    #[cfg(test)]
    fn grams(&self) -> BTreeSet<String> {
        let mut grams = BTreeSet::new();
        self.each_gram(&self.syllables(), |g| {
            grams.insert(g.to_owned());
        });
        grams
    }
}

/// Calls `f` with the one- and two-letter starts of `s` (ASCII only).
fn prefixes(s: &str, f: &mut impl FnMut(&str)) {
    for n in 1..=2.min(s.len()) {
        f(&s[..n]);
    }
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

/// One entry as the index holds it: its row of a shard, ready to be written, and where it goes.
/// The CLI's memo keeps them ([`Index::entries`], [`Index::reusing`]), so a build makes again
/// only the entries whose hash changed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Indexed {
    kind: u8,
    id: String,
    /// A hash of what the [`Entry`] is made from ([`Source::hash`]): an entry with the same
    /// hash is not made again after an edit, and a shard's key is made of its entries' hashes.
    hash: u64,
    /// `[kind, id, title, sub, extra, pinyin]` as JSON.
    row: String,
    /// The shards the entry is written into.
    shards: Vec<u16>,
}

impl Indexed {
    fn new(e: Entry, hash: u64, count: usize) -> Indexed {
        let sy = e.syllables();
        let mut shards = BTreeSet::from([0]);
        if count > 1 {
            shards.clear();
            // `count` is at most 1024, so a shard number fits.
            e.each_gram(&sy, |g| {
                shards.insert((gram_hash(g) as usize % count) as u16);
            });
        }
        let pinyin = Entry::pinyin_of(&sy);
        let row = json!([e.kind, e.id, e.title, e.sub, e.extra, pinyin]).to_string();
        Indexed {
            kind: e.kind,
            hash,
            id: e.id,
            row,
            shards: shards.into_iter().collect(),
        }
    }
}

/// The entries of each of `count` shards, in the site's order.
fn members_of(count: usize, entries: &[Indexed]) -> Vec<Vec<u32>> {
    let mut members = vec![Vec::new(); count];
    for (i, e) in entries.iter().enumerate() {
        for &n in &e.shards {
            // Entries are counted in the tens of thousands, far below u32::MAX.
            members[usize::from(n)].push(i as u32);
        }
    }
    members
}

/// The search index: every entry's row and shards, and a fingerprint ("key") of each shard's
/// rows. Equal keys mean equal bytes, so after an edit only the shards whose key changed are
/// written again: `serve` through [`Index::update`], `diandan build` through its page cache,
/// which keeps the shards' keys as it keeps the pages'. A shard's bytes are made when it is
/// written; the index never holds them.
#[derive(Debug)]
pub struct Index {
    count: usize,
    entries: Vec<Indexed>,
    keys: Vec<u64>,
}

/// What an edit changed in the index: shards to write, and shards that are gone.
#[derive(Debug, Default)]
pub struct IndexPatch {
    pub put: Vec<(String, Vec<u8>)>,
    pub remove: Vec<String>,
}

impl Index {
    /// The index of every searchable thing of `v` (entries made in parallel).
    pub fn new(v: &Views) -> Index {
        Index::of_items(sources(v).collect())
    }

    fn of_items(items: Vec<impl Item>) -> Index {
        let count = shard_count(items.len());
        let entries = (items.into_par_iter())
            .map(|s| Indexed::new(s.entry(), s.hash(), count))
            .collect();
        Index::of(count, entries).0
    }

    /// The index of these entries, and each shard's entries.
    fn of(count: usize, entries: Vec<Indexed>) -> (Index, Vec<Vec<u32>>) {
        let members = members_of(count, &entries);
        let keys = (members.iter())
            .map(|m| {
                // A cheap mix of the entries' hashes in order (a shard can hold thousands).
                let mix =
                    |h: u64, x: u64| (h.rotate_left(23) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let start = mix(count as u64, m.len() as u64);
                m.iter()
                    .fold(start, |h, &i| mix(h, entries[i as usize].hash))
            })
            .collect();
        (
            Index {
                count,
                entries,
                keys,
            },
            members,
        )
    }

    /// The number of shards.
    pub fn shards(&self) -> usize {
        self.count
    }

    /// Every shard's path and key, in order.
    pub fn keys(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        self.keys
            .iter()
            .enumerate()
            .map(|(n, k)| (shard_path(n), *k))
    }

    /// Every shard's path.
    pub fn paths(&self) -> impl Iterator<Item = String> {
        (0..self.count).map(shard_path)
    }

    fn members(&self) -> Vec<Vec<u32>> {
        members_of(self.count, &self.entries)
    }

    /// A shard's file: `{"e": [[kind, id, title, sub, extra, pinyin]…]}`.
    fn shard(&self, members: &[u32]) -> Vec<u8> {
        let rows = members.iter().map(|&i| &self.entries[i as usize].row);
        let len: usize = rows.clone().map(|r| r.len() + 1).sum();
        let mut out = Vec::with_capacity(len + 8);
        out.extend_from_slice(b"{\"e\":[");
        for (k, row) in rows.enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.extend_from_slice(row.as_bytes());
        }
        out.extend_from_slice(b"]}");
        out
    }

    /// Writes the shards numbered in `which` into `sink`, in parallel, each made as it is
    /// written.
    pub fn put(&self, sink: &dyn Sink, which: &[usize]) -> Result<(), RenderError> {
        let members = self.members();
        which
            .par_iter()
            .try_for_each(|&n| put(sink, &shard_path(n), self.shard(&members[n])))
    }

    /// Every shard's path and bytes, in order (tests, small sites).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let members = self.members();
        (members.iter().enumerate())
            .map(|(n, m)| (shard_path(n), self.shard(m)))
            .collect()
    }

    /// The index of `v`, made from this one: the rows of entries that did not change are
    /// taken as they are; the patch has the shards whose bytes changed.
    pub fn update(self, v: &Views) -> (Index, IndexPatch) {
        self.update_items(sources(v).collect())
    }

    fn update_items(self, sources: Vec<impl Item>) -> (Index, IndexPatch) {
        let Index {
            count: before,
            entries,
            keys,
        } = self;
        let (next, members, _) = Index::reuse(before, entries, sources);
        let put = (members.iter().enumerate())
            .filter(|(n, _)| keys.get(*n) != Some(&next.keys[*n]))
            .map(|(n, m)| (shard_path(n), next.shard(m)))
            .collect();
        let remove = (next.count..before).map(shard_path).collect();
        (next, IndexPatch { put, remove })
    }

    /// Every entry, for the CLI's memo.
    pub fn entries(&self) -> &[Indexed] {
        &self.entries
    }

    /// The index of `v`, taking from `entries` (an earlier index's, of `count` shards) those
    /// whose hash is unchanged instead of making them again; and how many it made.
    pub fn reusing(count: usize, entries: Vec<Indexed>, v: &Views) -> (Index, usize) {
        let (index, _, made) = Index::reuse(count, entries, sources(v).collect());
        (index, made)
    }

    /// The index of `sources`, made from the `entries` of an index of `before` shards: an
    /// entry whose hash is unchanged keeps its row; each shard's entries; how many entries
    /// were made.
    fn reuse(
        before: usize,
        entries: Vec<Indexed>,
        sources: Vec<impl Item>,
    ) -> (Index, Vec<Vec<u32>>, usize) {
        let count = shard_count(sources.len());
        // With another number of shards every entry goes elsewhere: none is kept.
        let mut old: Vec<Option<Indexed>> = (entries.into_iter())
            .filter(|_| count == before)
            .map(Some)
            .collect();
        let hashes: Vec<u64> = sources.par_iter().map(|s| s.hash()).collect();
        // Most entries are where they were; the others are found by kind and id.
        let mut moved: Option<HashMap<(u8, String), usize>> = None;
        let kept: Vec<Option<Indexed>> = (sources.iter().zip(&hashes).enumerate())
            .map(|(i, (s, &hash))| {
                let (kind, id) = s.key();
                let in_place = (old.get(i).and_then(Option::as_ref))
                    .is_some_and(|e| e.kind == kind && e.id == id);
                let at = if in_place {
                    Some(i)
                } else {
                    let moved = moved.get_or_insert_with(|| {
                        (old.iter().enumerate())
                            .filter_map(|(j, e)| e.as_ref().map(|e| ((e.kind, e.id.clone()), j)))
                            .collect()
                    });
                    moved.get(&(kind, id.to_owned())).copied()
                };
                at.and_then(|j| old[j].take()).filter(|e| e.hash == hash)
            })
            .collect();
        let made = kept.iter().filter(|k| k.is_none()).count();
        let entries = (sources.into_par_iter().zip(hashes).zip(kept))
            .map(|((s, hash), kept)| kept.unwrap_or_else(|| Indexed::new(s.entry(), hash, count)))
            .collect();
        let (index, members) = Index::of(count, entries);
        (index, members, made)
    }
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

    /// `n` programs with distinct titles, enough of them for several shards.
    fn many(n: usize) -> Vec<Entry> {
        const WORDS: [&str; 8] = [
            "闽剧", "评话", "十番", "木偶", "剪纸", "合唱", "讲座", "古筝",
        ];
        (0..n)
            .map(|i| {
                let title = format!("{}{}{i}", WORDS[i % 8], WORDS[(i / 8) % 8]);
                entry(0, &format!("p{i}"), &title, "闽剧 · 县剧团", &[])
            })
            .collect()
    }

    #[test]
    fn an_update_writes_exactly_the_shards_whose_bytes_changed() {
        let before = many(1_200);
        let old = Index::of_items(before.clone());
        let was = old.files();
        assert!(old.shards() > 1);
        let mut after = before;
        after[7].title = "芗剧新编".to_owned();
        after.remove(20);
        after.push(entry(1, "new", "新老师", "讲师", &["剪纸".to_owned()]));
        let (next, patch) = old.update_items(after.clone());
        let want = Index::of_items(after.clone()).files();
        assert_eq!(next.files(), want, "the same as an index made afresh");
        let differ: Vec<&(String, Vec<u8>)> = (want.iter().zip(&was))
            .filter(|(a, b)| a != b)
            .map(|(a, _)| a)
            .collect();
        assert!(
            !differ.is_empty() && differ.len() < want.len(),
            "{}",
            differ.len()
        );
        let put: Vec<&(String, Vec<u8>)> = patch.put.iter().collect();
        assert_eq!(put, differ, "only and every changed shard");
        assert!(patch.remove.is_empty());

        let (same, nothing) = next.update_items(after);
        assert_eq!(same.files(), want);
        assert!(nothing.put.is_empty() && nothing.remove.is_empty());
    }

    #[test]
    fn an_index_that_shrinks_to_one_shard_drops_the_others() {
        let old = Index::of_items(many(1_200));
        let shards = old.shards();
        let (next, patch) = old.update_items(many(900));
        assert_eq!(next.shards(), 1);
        assert_eq!(patch.put, next.files());
        assert_eq!(patch.remove.len(), shards - 1);
        assert_eq!(patch.remove[0], "search/1.json");
    }

    #[test]
    fn small_sites_have_one_shard_large_ones_many() {
        assert_eq!(shard_count(64), 1);
        assert_eq!(shard_count(12_015), 1024);
        assert_eq!(shard_count(2_000), 256);
    }
}
