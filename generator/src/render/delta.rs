//! Views after an edit, made from the previous views: items whose inputs did not change keep
//! their view (no Markdown is rendered again), and the result says which views changed, so
//! only the pages showing them are rendered again. The result equals [`Views::new`] on the
//! same inputs; the incremental build tests hold it to that.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use diandan_functions::catalogue::Catalogue;

use super::live::StoreData;
use super::markdown::Made;
use super::pages::Dep;
use super::views::{site_view, township_view, Index, ProgramView, SlotView, Views};
use super::{items, slots};
use crate::content::model::Content;

/// Ids of items whose source (file or tally) changed since the views were made.
#[derive(Debug, Clone, Default)]
pub struct Dirty {
    pub programs: BTreeSet<String>,
    pub lecturers: BTreeSet<String>,
    pub courses: BTreeSet<String>,
}

impl Dirty {
    pub fn extend(&mut self, other: Dirty) {
        self.programs.extend(other.programs);
        self.lecturers.extend(other.lecturers);
        self.courses.extend(other.courses);
    }
}

/// Which views differ from the previous ones (added and removed ones included).
#[derive(Debug, Default)]
pub struct Changed {
    /// The site, today or the townships: every page shows them.
    pub base: bool,
    pub programs: HashSet<String>,
    pub cards: HashSet<String>,
    pub lecturers: HashSet<String>,
    pub courses: HashSet<String>,
    pub slots: HashSet<String>,
    pub wishes: bool,
    /// The open data (`/data/`): its pages and downloads.
    pub open: bool,
}

impl Changed {
    /// Whether a page that shows `dep` must render again.
    pub fn touches(&self, dep: &Dep<'_>) -> bool {
        match *dep {
            Dep::Program(id) => self.programs.contains(id),
            Dep::Card(id) => self.cards.contains(id),
            Dep::Lecturer(id) => self.lecturers.contains(id),
            Dep::Course(id) => self.courses.contains(id),
            Dep::Slot(id) => self.slots.contains(id),
            Dep::Wishes => self.wishes,
        }
    }
}

/// Told each changed view's id, its view before (if any) and now (if any).
type OnChange<'a, V> = dyn FnMut(&str, Option<&V>, Option<&V>) + 'a;

/// Items of one kind: the new list in content order, old views reused unless `dirty`.
fn merge<V: PartialEq>(
    old: Vec<V>,
    id_of: impl Fn(&V) -> &str,
    ids: impl Iterator<Item = String>,
    dirty: &BTreeSet<String>,
    mut make: impl FnMut(usize) -> V,
    changed: &mut OnChange<'_, V>,
) -> Vec<V> {
    let mut old: HashMap<String, V> = old.into_iter().map(|v| (id_of(&v).to_owned(), v)).collect();
    let mut out = Vec::new();
    for (i, id) in ids.enumerate() {
        let kept = old.remove(&id);
        let view = match kept {
            Some(v) if !dirty.contains(&id) => v,
            before => {
                let now = make(i);
                if before.as_ref() != Some(&now) {
                    changed(&id, before.as_ref(), Some(&now));
                }
                now
            }
        };
        out.push(view);
    }
    for (id, gone) in &old {
        changed(id, Some(gone), None);
    }
    out
}

fn program_changed(
    c: &mut Changed,
    id: &str,
    before: Option<&ProgramView>,
    now: Option<&ProgramView>,
) {
    c.programs.insert(id.to_owned());
    if before.map(ProgramView::card) != now.map(ProgramView::card) {
        c.cards.insert(id.to_owned());
    }
}

/// The views for `c`, made from `old`; see the module comment. `same_data`: the store's part
/// is what `old` was made from (read again, but equal), so the open data are remade only if
/// the names they show changed.
pub fn patch(
    old: Views,
    c: &Content,
    cat: &Catalogue,
    data: &StoreData,
    today: NaiveDate,
    dirty: &Dirty,
    same_data: bool,
) -> (Views, Changed) {
    let old_names = names(&old);
    let site = site_view(c);
    let townships: Vec<_> = c.townships.iter().map(township_view).collect();
    let mut changed = Changed {
        base: site != old.site || townships != old.townships || old.today != today,
        ..Changed::default()
    };
    let mut v = Views {
        site,
        today,
        townships,
        programs: Vec::new(),
        lecturers: Vec::new(),
        courses: Vec::new(),
        slots: Vec::new(),
        wishes: Vec::new(),
        index: Index::of(c),
        open: Default::default(),
    };
    v.programs = merge(
        old.programs,
        |p| &p.id,
        c.programs.iter().map(|p| p.id.to_string()),
        &dirty.programs,
        |i| items::program(c, &c.programs[i], data, &Made::default()),
        &mut |id, b, n| program_changed(&mut changed, id, b, n),
    );
    v.lecturers = merge(
        old.lecturers,
        |l| &l.id,
        c.lecturers.iter().map(|l| l.id.to_string()),
        &dirty.lecturers,
        |i| items::lecturer(c, &c.lecturers[i], &v, data, &Made::default()),
        &mut |id, _, _| {
            changed.lecturers.insert(id.to_owned());
        },
    );
    patch_courses(&mut v, old.courses, c, data, dirty, &mut changed);
    v.slots = slots::slot_views(cat, &v, data, today);
    changed.slots = changed_slots(&old.slots, &v.slots);
    v.wishes = slots::wish_views(&v, data);
    changed.wishes = v.wishes != old.wishes;
    if same_data && !changed.base && names(&v) == old_names {
        v.open = old.open;
    } else {
        v.open = super::data::OpenData::new(c, &v, data);
        changed.open = true;
    }
    (v, changed)
}

/// What the open data show of the catalogue besides the store's figures, as a hash: the names
/// of programs, lecturers and courses (an edit of a body or a picture leaves them as they were).
fn names(v: &Views) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &v.programs {
        (&p.id, &p.title).hash(&mut h);
    }
    for l in &v.lecturers {
        (&l.id, &l.name).hash(&mut h);
    }
    for c in &v.courses {
        (&c.id, &c.title).hash(&mut h);
    }
    h.finish()
}

/// Slots are few and cheap: all are remade, and compared by id.
fn changed_slots(old: &[SlotView], now: &[SlotView]) -> HashSet<String> {
    let before: HashMap<&str, _> = old.iter().map(|s| (s.id.as_str(), s)).collect();
    let after: HashMap<&str, _> = now.iter().map(|s| (s.id.as_str(), s)).collect();
    (before.keys().chain(after.keys()))
        .filter(|id| before.get(*id) != after.get(*id))
        .map(|id| (*id).to_owned())
        .collect()
}

/// Courses show their teacher's name, so a lecturer edit reaches the courses they teach.
fn patch_courses(
    v: &mut Views,
    old: Vec<super::views::CourseView>,
    c: &Content,
    data: &StoreData,
    dirty: &Dirty,
    changed: &mut Changed,
) {
    let teacher_changed: BTreeSet<String> = c
        .courses
        .iter()
        .filter(|k| changed.lecturers.contains(k.meta.teacher.as_str()))
        .map(|k| k.id.to_string())
        .collect();
    let redo: BTreeSet<String> = dirty.courses.union(&teacher_changed).cloned().collect();
    let today = v.today;
    let view: &Views = v;
    let courses = merge(
        old,
        |k| &k.id,
        c.courses.iter().map(|k| k.id.to_string()),
        &redo,
        |i| items::course(c, &c.courses[i], view, data, today, &Made::default()),
        &mut |id, _, _| {
            changed.courses.insert(id.to_owned());
        },
    );
    v.courses = courses;
}
