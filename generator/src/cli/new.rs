//! `diandan new program|lecturer|course SLUG`: a new content file with every field to fill in.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use diandan_functions::domain::ProgramId;

use super::RootArgs;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Program,
    Lecturer,
    Course,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(flatten)]
    pub root: RootArgs,
    /// What to create.
    pub kind: Kind,
    /// The file name without `.md`: lowercase pinyin, digits and dashes, e.g. `minju-chenjinggu`.
    pub slug: String,
}

const PROGRAM: &str = "---\ntitle: 节目名称\ncategory: 闽剧\ntroupe: 演出团体\nduration_minutes: 60\naudience: 全年龄\ntags: []\norderable: true\n---\n用几句话介绍这个节目：演什么、谁来演、为什么好看。\n";
const LECTURER: &str =
    "---\nname: 老师姓名\ntitle: 职务或职称\ntopics: []\n---\n介绍老师，以及讲座会讲些什么。\n";
const COURSE: &str = "---\ntitle: 课程名称\ncategory: 美术\nteacher: lecturer-slug\nages: [7, 12]\ncapacity: 30\nwaitlist: 10\nvenue: 上课地点\nsessions: [\"2027-07-10T09:00+08:00\"]\nregistration: { opens: 2027-06-20, closes: 2027-07-05 }\nallocation: first_come\nmax_per_guardian: 2\n---\n孩子们会学到什么，要带什么。\n";

pub fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    // Every kind shares the slug rule; checking through one id type is enough.
    if let Err(e) = args.slug.parse::<ProgramId>() {
        bail!(
            "`{}` cannot be a file name: {e} — use lowercase pinyin, digits and dashes",
            args.slug
        );
    }
    let (dir, text) = match args.kind {
        Kind::Program => ("programs", PROGRAM),
        Kind::Lecturer => ("lecturers", LECTURER),
        Kind::Course => ("courses", COURSE),
    };
    let path: PathBuf = args
        .root
        .root
        .join("content")
        .join(dir)
        .join(format!("{}.md", args.slug));
    if path.exists() {
        bail!(
            "{} already exists — pick another name or edit that file",
            path.display()
        );
    }
    std::fs::create_dir_all(path.parent().unwrap_or(&args.root.root))
        .with_context(|| format!("cannot create the folder for {}", path.display()))?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "created {} — fill in the fields, then run `diandan check`",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
