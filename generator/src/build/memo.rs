//! The CLI's memo: what `diandan build` made of the content last time, so that after an edit
//! it makes again only what changed — item files parsed (each with its file's size and time,
//! [`Stamp`]), bodies turned into HTML ([`Made`]), the search index's entries with their
//! pinyin ([`Indexed`]), and when the open data were read with the figures they showed
//! ([`ReadAt`]). It is kept beside the output (`.public.memo`), never in the output or in git.
//!
//! It is only a hint. A memo that is missing, made by another binary, or damaged — its length
//! or checksum does not match, a line does not parse — is ignored as a whole, and the build
//! makes everything as it would without one; an entry that no longer fits (a file whose stamp
//! moved, a body or entry whose hash changed) is made again. It is written into a temporary
//! file renamed over the old one, so a build killed at any moment leaves the old memo or the
//! new one. It holds the current content's entries only, so it never grows beyond the site;
//! and it is written again only when it has fallen behind by more than [`STALE`] entries (or
//! the open data's time changed), so a one-file edit writes no memo.

use std::borrow::Cow;
use std::hash::Hasher;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content::memo::{Parsed, Seen, Stamp};
use crate::content::model::{Course, Item, Lecturer, Page, Program};
use crate::content::Loaded;
use crate::output::sibling;
use crate::render::data::ReadAt;
use crate::render::items::SUMMARY_CHARS;
use crate::render::markdown::{Made, Markup};
use crate::render::search::{Index, Indexed};
use crate::render::Views;

const VERSION: &str = "diandan memo 1";

/// Entries made afresh beyond which the memo is written again.
pub const STALE: usize = 100;

/// One line of the memo file, as JSON.
#[derive(Serialize, Deserialize)]
enum Line<'a> {
    Program(Stamp, Cow<'a, Program>),
    Lecturer(Stamp, Cow<'a, Lecturer>),
    Course(Stamp, Cow<'a, Course>),
    Page(Stamp, Cow<'a, Page>),
    Body(u64, Cow<'a, Markup>),
    /// The search index's number of shards; its entries follow.
    Shards(usize),
    Entry(Cow<'a, Indexed>),
    Open(Cow<'a, ReadAt>),
}

/// What the last build left to start from.
#[derive(Debug, Default)]
pub struct Memo {
    pub parsed: Parsed,
    pub made: Made,
    /// The search index's shard count and entries.
    pub index: Option<(usize, Vec<Indexed>)>,
    pub open: Option<ReadAt>,
}

/// What this build made afresh: how far the memo it started from had fallen behind.
#[derive(Debug, Default)]
pub struct Fresh {
    /// Item files read and parsed.
    pub parsed: usize,
    /// Search entries made.
    pub entries: usize,
    /// The open data's time is not the memo's.
    pub open: bool,
}

impl Fresh {
    /// Whether the memo should be written again.
    pub fn stale(&self) -> bool {
        self.open || self.parsed + self.entries > STALE
    }
}

fn header(binary: u64) -> String {
    format!("{VERSION} {binary:016x}")
}

/// A hash of the version and time of the running binary: another binary may parse or render
/// otherwise, so its memo is not used.
pub fn binary() -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    super::fingerprint::hash_binary(&mut h);
    h.finish()
}

/// A hash of the body's bytes, fed as they are written (so the memo is never whole in memory).
fn checksum(body: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(body.as_bytes());
    h.finish()
}

impl Memo {
    /// The memo beside `out`, or an empty one if there is none that is whole and this
    /// binary's.
    pub fn load(out: &Path) -> Memo {
        let text = std::fs::read_to_string(sibling(out, "memo")).unwrap_or_default();
        Memo::parse(&text, binary()).unwrap_or_default()
    }

    fn parse(text: &str, binary: u64) -> Option<Memo> {
        let (first, rest) = text.split_once('\n')?;
        if first != header(binary) {
            return None;
        }
        let (body, last) = rest.trim_end_matches('\n').rsplit_once('\n')?;
        let (len, sum) = last.strip_prefix("end ")?.split_once(' ')?;
        if len.parse::<usize>().ok()? != body.len() || sum != format!("{:016x}", checksum(body)) {
            return None;
        }
        let lines: Vec<&str> = body.lines().collect();
        let parsed: Result<Vec<Line<'static>>, _> =
            lines.par_iter().map(|l| serde_json::from_str(l)).collect();
        let mut memo = Memo::default();
        for line in parsed.ok()? {
            memo.take(line)?;
        }
        Some(memo)
    }

    /// Files one line away; `None` if it does not belong where it is (an entry of the index
    /// before its number of shards).
    fn take(&mut self, line: Line<'static>) -> Option<()> {
        let p = &mut self.parsed;
        match line {
            Line::Program(s, i) => keyed(&mut p.programs, s, i),
            Line::Lecturer(s, i) => keyed(&mut p.lecturers, s, i),
            Line::Course(s, i) => keyed(&mut p.courses, s, i),
            Line::Page(s, i) => keyed(&mut p.pages, s, i),
            Line::Body(key, m) => drop(self.made.0.insert(key, m.into_owned())),
            Line::Shards(count) => self.index = Some((count, Vec::new())),
            Line::Entry(e) => self.index.as_mut()?.1.push(e.into_owned()),
            Line::Open(t) => self.open = Some(t.into_owned()),
        }
        Some(())
    }
}

/// Files an item by its file's path.
fn keyed<Id: Clone, M: Clone>(
    items: &mut crate::content::memo::Items<Item<Id, M>>,
    stamp: Stamp,
    item: Cow<'_, Item<Id, M>>,
) {
    let item = item.into_owned();
    items.insert(item.origin.rel.clone(), (stamp, item));
}

/// What a build makes its next memo from.
pub struct Sources<'a> {
    pub loaded: &'a Loaded,
    pub seen: &'a Seen,
    pub views: &'a Views,
    pub index: &'a Index,
    /// Whether the open data were read from a store (their time is a reading's, not the day).
    pub store: bool,
}

/// Writes the memo of this build beside `out`. A failure only costs the next build its
/// shortcut.
pub fn save(out: &Path, s: &Sources<'_>) {
    let (file, temp) = (sibling(out, "memo"), sibling(out, "memo.new"));
    let written = write_to(&temp, s).and_then(|()| std::fs::rename(&temp, &file));
    if let Err(e) = written {
        tracing::warn!(error = %e, "the build's memo could not be saved");
    }
}

/// Streams the memo into `path` a line at a time: at 100,000 programs it is a quarter of a
/// gigabyte, which must not sit in memory beside the build.
fn write_to(path: &Path, s: &Sources<'_>) -> std::io::Result<()> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut body = Body {
        out: file,
        len: 0,
        hash: std::collections::hash_map::DefaultHasher::new(),
    };
    writeln!(body.out, "{}", header(binary()))?;
    each_line(s, &mut |line| body.line(line))?;
    body.finish()?
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()
}

/// The memo's body as it is written: its length and checksum so far.
struct Body<W> {
    out: W,
    len: usize,
    hash: std::collections::hash_map::DefaultHasher,
}

impl<W: Write> Body<W> {
    /// Appends one line (a line that cannot be written as JSON is left out).
    fn line(&mut self, line: &Line<'_>) -> std::io::Result<()> {
        let Ok(json) = serde_json::to_vec(line) else {
            return Ok(());
        };
        if self.len > 0 {
            self.put(b"\n")?;
        }
        self.put(&json)
    }

    /// Closes the body with its length and checksum, which a reader checks.
    fn finish(mut self) -> std::io::Result<W> {
        let (len, sum) = (self.len, self.hash.finish());
        write!(self.out, "\nend {len} {sum:016x}\n")?;
        Ok(self.out)
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.hash.write(bytes);
        self.len += bytes.len();
        Ok(())
    }
}

/// Every line of the memo of this build, in order, each made only when it is written.
fn each_line(
    s: &Sources<'_>,
    emit: &mut dyn FnMut(&Line<'_>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let c = &s.loaded.content;
    let now = SystemTime::now();
    let items = (stamped(&c.programs, s.seen, now, Line::Program))
        .chain(stamped(&c.lecturers, s.seen, now, Line::Lecturer))
        .chain(stamped(&c.courses, s.seen, now, Line::Course))
        .chain(stamped(&c.pages, s.seen, now, Line::Page));
    for line in items {
        emit(&line)?;
    }
    for (key, m) in bodies(s) {
        emit(&Line::Body(key, Cow::Owned(m)))?;
    }
    emit(&Line::Shards(s.index.shards()))?;
    for e in s.index.entries() {
        emit(&Line::Entry(Cow::Borrowed(e)))?;
    }
    if s.store {
        emit(&Line::Open(Cow::Owned(s.views.open.read_at())))?;
    }
    Ok(())
}

/// A line for each item whose file's stamp is known and settled at `now` (a file written just
/// now may change again within its time's tick: it is parsed again next time).
fn stamped<'a, Id: Clone, M: Clone>(
    items: &'a [Item<Id, M>],
    seen: &'a Seen,
    now: SystemTime,
    line: fn(Stamp, Cow<'a, Item<Id, M>>) -> Line<'a>,
) -> impl Iterator<Item = Line<'a>> + 'a {
    items.iter().filter_map(move |i| {
        let stamp = seen.stamps.get(&i.origin.rel).filter(|t| t.settled(now))?;
        Some(line(*stamp, Cow::Borrowed(i)))
    })
}

/// Each item's body with the markup its view shows, by [`Made::key`].
fn bodies<'a>(s: &Sources<'a>) -> impl Iterator<Item = (u64, Markup)> + 'a {
    let (c, v) = (&s.loaded.content, s.views);
    let raw = c.site.allow_raw_html;
    let key = move |body: &str| Made::key(body, raw, SUMMARY_CHARS);
    let markup = |html: &String, summary: &String| Markup {
        html: html.clone(),
        summary: summary.clone(),
    };
    let programs = (c.programs.iter().zip(&v.programs))
        .filter(|(p, view)| p.id.as_str() == view.id)
        .map(move |(p, view)| (key(&p.body), markup(&view.html, &view.summary)));
    let lecturers = (c.lecturers.iter().zip(&v.lecturers))
        .filter(|(l, view)| l.id.as_str() == view.id)
        .map(move |(l, view)| (key(&l.body), markup(&view.html, &view.summary)));
    let courses = (c.courses.iter().zip(&v.courses))
        .filter(|(k, view)| k.id.as_str() == view.id)
        .map(move |(k, view)| (key(&k.body), markup(&view.html, &view.summary)));
    programs.chain(lecturers).chain(courses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(lines: &[Line<'_>]) -> String {
        let mut out = Vec::new();
        writeln!(out, "{}", header(7)).unwrap();
        let mut body = Body {
            out: &mut out,
            len: 0,
            hash: std::collections::hash_map::DefaultHasher::new(),
        };
        for line in lines {
            body.line(line).unwrap();
        }
        body.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_memo_written_a_line_at_a_time_reads_back_and_an_altered_one_does_not() {
        let text = written(&[Line::Shards(3), Line::Shards(5)]);
        let memo = Memo::parse(&text, 7).expect("the memo reads back whole");
        assert_eq!(
            memo.index.map(|(shards, _)| shards),
            Some(5),
            "both lines read"
        );
        assert!(
            Memo::parse(&text.replacen("5", "4", 1), 7).is_none(),
            "checksum"
        );
        assert!(Memo::parse(&text, 8).is_none(), "another binary's");
        assert!(
            Memo::parse(&text[..text.len() / 2], 7).is_none(),
            "cut short"
        );
        assert!(
            Memo::parse(&written(&[]), 7).is_some(),
            "an empty memo is whole too"
        );
    }
}
