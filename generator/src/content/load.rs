//! Loading `content/`: every file read and parsed in parallel, every failure kept as a
//! diagnostic so one run reports all of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use walkdir::WalkDir;

use super::diagnostic::Diagnostic;
use super::memo::{Items, Parsed, Seen, Stamp};
use super::model::*;
use super::source::Source;

/// What loading produced: the items that parsed, the problems, and the ids of files that did
/// not parse (so references to them are not reported a second time as dangling).
#[derive(Debug)]
pub struct Loaded {
    pub content: Content,
    pub problems: Vec<Diagnostic>,
    pub broken: BTreeSet<String>,
}

/// Reads and parses everything under `root/content`.
pub fn load(root: &Path) -> Loaded {
    load_from(root, None).0
}

/// [`load`], taking the item files whose stamp is unchanged from `memo` instead of reading
/// them; says what it saw, for the next memo. The result is what [`load`] gives.
pub fn load_with(root: &Path, memo: Parsed) -> (Loaded, Seen) {
    let (loaded, seen) = load_from(root, Some(memo));
    (loaded, seen.unwrap_or_default())
}

fn load_from(root: &Path, memo: Option<Parsed>) -> (Loaded, Option<Seen>) {
    let mut l = Loading {
        root,
        problems: Vec::new(),
        broken: BTreeSet::new(),
        seen: memo.as_ref().map(|_| Seen::default()),
    };
    let mut memo = memo.unwrap_or_default();
    let (site, site_origin) = load_site(root, &mut l.problems);
    let townships = load_townships(root, &mut l.problems);
    let programs = l.items::<ProgramMeta, _>("programs", &mut memo.programs);
    let lecturers = l.items::<LecturerMeta, _>("lecturers", &mut memo.lecturers);
    let courses = l.items::<CourseMeta, _>("courses", &mut memo.courses);
    let pages = l.items::<PageMeta, _>("pages", &mut memo.pages);
    let Loading {
        mut problems,
        broken,
        seen,
        ..
    } = l;
    let months = load_months(root, &mut problems);
    problems.extend(super::links::outside_root(root));
    let loaded = Loaded {
        content: Content {
            site,
            site_origin,
            townships,
            programs,
            lecturers,
            courses,
            months,
            pages,
        },
        problems,
        broken,
    };
    (loaded, seen)
}

fn load_site(root: &Path, problems: &mut Vec<Diagnostic>) -> (SiteConfig, Origin) {
    let rel = PathBuf::from("content/site.yaml");
    let parsed = Source::read(root, &rel).and_then(|src| {
        let meta: SiteConfig = src.as_yaml().parse(&rel, "site settings")?;
        Ok((meta, Origin::new(rel.clone(), src.as_yaml(), "")))
    });
    parsed.unwrap_or_else(|d| {
        problems.push(d);
        (
            fallback_site(),
            Origin::new(
                rel.clone(),
                super::source::Yaml {
                    text: "",
                    first_line: 1,
                },
                "",
            ),
        )
    })
}

/// Stands in for a broken `site.yaml` so the rest can still be checked.
fn fallback_site() -> SiteConfig {
    serde_yaml::from_str("{title: '', short_title: '', organiser: '', base_url: 'http://localhost', api_url: '/api'}")
        .expect("the fallback site settings are valid")
}

fn load_townships(root: &Path, problems: &mut Vec<Diagnostic>) -> Vec<Township> {
    let rel = PathBuf::from("content/townships.yaml");
    let parsed = Source::read(root, &rel).and_then(|src| {
        let metas: Vec<TownshipMeta> = src.as_yaml().parse(&rel, "township list")?;
        Ok(metas
            .into_iter()
            .enumerate()
            .map(|(i, meta)| Township {
                meta,
                origin: Origin::new(rel.clone(), src.as_yaml(), format!("[{i}]")),
            })
            .collect())
    });
    parsed.unwrap_or_else(|d| {
        problems.push(d);
        Vec::new()
    })
}

/// The `.md` (or `.yaml`) files directly inside `content/<dir>`, sorted by name.
fn files_in(root: &Path, dir: &str, ext: &str) -> Vec<PathBuf> {
    let base = root.join("content").join(dir);
    let mut files: Vec<PathBuf> = WalkDir::new(&base)
        .min_depth(1)
        .max_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == ext))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .collect();
    files.sort();
    files
}

pub(super) fn stem(rel: &Path) -> String {
    rel.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A load under way: what it found so far.
struct Loading<'a> {
    root: &'a Path,
    problems: Vec<Diagnostic>,
    broken: BTreeSet<String>,
    /// With a memo: every item file's stamp and how many were parsed.
    seen: Option<Seen>,
}

impl Loading<'_> {
    /// The items of `content/<dir>`; with a memo ([`Loading::seen`]), those whose file has
    /// the stamp `memo` has for it are taken from there.
    fn items<M, Id>(&mut self, dir: &str, memo: &mut Items<Item<Id, M>>) -> Vec<Item<Id, M>>
    where
        M: DeserializeOwned + Send,
        Id: TryFrom<String> + Send,
        Id::Error: std::fmt::Display,
    {
        let root = self.root;
        let files = files_in(root, dir, "md");
        let todo: Vec<(PathBuf, Option<Item<Id, M>>)> = match &mut self.seen {
            None => files.into_iter().map(|rel| (rel, None)).collect(),
            Some(seen) => known(root, files, memo, seen),
        };
        let results: Vec<Result<Item<Id, M>, (String, Diagnostic)>> = todo
            .into_par_iter()
            .map(|(rel, known)| match known {
                Some(item) => Ok(item),
                None => load_item(root, rel).map_err(|(d, rel)| (stem(&rel), d)),
            })
            .collect();
        let mut items = Vec::with_capacity(results.len());
        for r in results {
            match r {
                Ok(item) => items.push(item),
                Err((id, d)) => {
                    self.broken.insert(format!("{dir}/{id}"));
                    self.problems.push(d);
                }
            }
        }
        items
    }
}

/// Each file with its item from `memo` if the file's stamp is the one the memo has; the
/// stamps and the number of files left to parse go to `seen`.
fn known<T: Send>(
    root: &Path,
    files: Vec<PathBuf>,
    memo: &mut Items<T>,
    seen: &mut Seen,
) -> Vec<(PathBuf, Option<T>)> {
    let stamps: Vec<Option<Stamp>> = files
        .par_iter()
        .map(|rel| Stamp::of(&root.join(rel)))
        .collect();
    let mut out = Vec::with_capacity(files.len());
    for (rel, stamp) in files.into_iter().zip(stamps) {
        let hit = (memo.remove(&rel))
            .filter(|(was, _)| Some(*was) == stamp)
            .map(|(_, item)| item);
        seen.parsed += usize::from(hit.is_none());
        if let Some(stamp) = stamp {
            seen.stamps.insert(rel.clone(), stamp);
        }
        out.push((rel, hit));
    }
    out
}

pub(super) fn load_item<M, Id>(
    root: &Path,
    rel: PathBuf,
) -> Result<Item<Id, M>, (Diagnostic, PathBuf)>
where
    M: DeserializeOwned,
    Id: TryFrom<String>,
    Id::Error: std::fmt::Display,
{
    let id = Id::try_from(stem(&rel)).map_err(|e| {
        let d = Diagnostic::file(&rel, format!("the file name is not a valid id: {e}")).hint(
            "rename the file using lowercase pinyin, digits and dashes, e.g. `minju-chenjinggu.md`",
        );
        (d, rel.clone())
    })?;
    let src = Source::read(root, &rel).map_err(|d| (d, rel.clone()))?;
    let fm = src.front_matter().map_err(|d| (d, rel.clone()))?;
    let meta = fm
        .yaml
        .parse(&rel, "front matter")
        .map_err(|d| (d, rel.clone()))?;
    Ok(Item {
        id,
        meta,
        body: fm.body.to_owned(),
        origin: Origin::new(rel, fm.yaml, ""),
    })
}

fn load_months(root: &Path, problems: &mut Vec<Diagnostic>) -> Vec<Month> {
    let mut months = Vec::new();
    for rel in files_in(root, "schedule", "yaml") {
        let first_day = NaiveDate::parse_from_str(&format!("{}-01", stem(&rel)), "%Y-%m-%d");
        let Ok(first_day) = first_day else {
            problems.push(
                Diagnostic::file(&rel, "a schedule file must be named after its month")
                    .hint("rename it to YYYY-MM.yaml, e.g. 2026-12.yaml"),
            );
            continue;
        };
        let parsed = Source::read(root, &rel).and_then(|src| {
            let meta: MonthMeta = if src.text.trim().is_empty() {
                MonthMeta::default()
            } else {
                src.as_yaml().parse(&rel, "schedule")?
            };
            Ok(Month {
                first_day,
                meta,
                origin: Origin::new(rel.clone(), src.as_yaml(), ""),
            })
        });
        match parsed {
            Ok(m) => months.push(m),
            Err(d) => problems.push(d),
        }
    }
    months
}
