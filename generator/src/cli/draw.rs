//! `diandan draw COURSE --witness DIGITS`: the public draw (摇号) of a lottery course, once,
//! after its registration has closed. Prints the list hash, the seed and every code's outcome;
//! the next build publishes them (`/courses/<id>/draw.json` and the result page).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{NaiveDate, NaiveTime, TimeZone};
use clap::Args;
use diandan_functions::clock::{china_now, china_offset};
use diandan_functions::lottery::{draw_course, DrawError};
use diandan_functions::store::{Draw, RegistrationStatus};

use super::serve::StoreSpec;
use super::RootArgs;
use crate::{content, render};

#[derive(Debug, Args)]
pub struct DrawArgs {
    /// The course's id (its file name under content/courses/, without `.md`).
    pub course: String,
    /// The witness digits drawn in public, as the course page announced (e.g. 371).
    #[arg(long)]
    pub witness: String,
    #[command(flatten)]
    pub root: RootArgs,
    /// The store (`sqlite:PATH` or `dynamodb:TABLE`); default: .diandan/diandan.sqlite3 under
    /// --root, as `serve` uses it.
    #[arg(long)]
    pub store: Option<StoreSpec>,
    /// Draw as if today were this date (YYYY-MM-DD); default: now in China.
    #[arg(long)]
    pub today: Option<NaiveDate>,
}

pub fn run(args: &DrawArgs) -> anyhow::Result<ExitCode> {
    execute(args, &mut std::io::stdout().lock())
}

/// The command, printing to `out`. A refused draw (not yet closed, already drawn, …) is a
/// failure exit with the reason on stderr; the store is unchanged then.
pub fn execute(args: &DrawArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let root = &args.root.root;
    let loaded = content::load(root);
    let problems = content::validate(&loaded);
    if !problems.is_empty() {
        super::check::report(&problems);
        return Ok(ExitCode::FAILURE);
    }
    let catalogue = render::catalogue::catalogue(&loaded.content);
    let spec = (args.store.clone())
        .unwrap_or_else(|| StoreSpec::Sqlite(root.join(".diandan").join("diandan.sqlite3")));
    let now = match args.today {
        // Noon, so the day is the same in every zone a reader might think in.
        Some(day) => (china_offset().from_local_datetime(
            &day.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()),
        ))
        .single()
        .context("that date has no noon in China time")?,
        None => china_now(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let store = spec.open()?;
        let drawn = draw_course(store.as_ref(), &catalogue, &args.course, &args.witness, now);
        anyhow::Ok(drawn.await)
    })?;
    match result {
        Ok(draw) => {
            write!(out, "{}", report(&draw))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(DrawError::Store(e)) => Err(e).context("the draw could not be stored"),
        Err(refused) => {
            eprintln!("error: {refused}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The draw as staff read it out: the published numbers, then each code with its outcome.
fn report(d: &Draw) -> String {
    let mut text = format!(
        "{} 摇号完成：{} 份申请，{} 个名额，{} 个候补\nlist_hash {}\nwitness   {}\nseed      {}\n\n",
        d.course,
        d.ranking.len(),
        d.capacity,
        d.waitlist,
        d.list_hash,
        d.witness.as_str(),
        d.seed
    );
    for (i, code, outcome) in d.outcomes() {
        let status = RegistrationStatus::from_outcome(outcome).as_str();
        text.push_str(&format!("{:>4}  {code}  {status}\n", i + 1));
    }
    text.push_str("\n下次构建会发布 /courses/");
    text.push_str(d.course.as_str());
    text.push_str("/draw.json 和摇号结果页。\n");
    text
}
