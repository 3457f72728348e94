//! `diandan bench`: the build benchmark of docs/performance.md. Builds a synthetic catalogue
//! with diandan and with Hugo, and copies the output with `cp -r` as the floor the disk sets;
//! prints medians, ratios and peak memory. The load test (`diandan loadtest`) lives here too.

pub mod hugo;
pub mod load;
pub mod measure;
pub mod reload;
pub mod synth;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;
use clap::Args;

use super::RootArgs;
use measure::{summarise, Sample};

/// What to measure and where.
pub struct BenchOptions {
    pub programs: usize,
    pub runs: usize,
    pub work: PathBuf,
    pub theme_root: PathBuf,
    pub hugo: Option<PathBuf>,
}

struct Row {
    name: &'static str,
    samples: Vec<Sample>,
    note: String,
}

fn diandan_build(site: &Path, out: &Path) -> anyhow::Result<Sample> {
    let exe = std::env::current_exe().context("cannot find the diandan binary")?;
    measure::run(
        Command::new(exe)
            .args(["build", "--no-store", "--today", "2026-12-15", "--root"])
            .arg(site)
            .arg("--out")
            .arg(out),
    )
}

/// "written" count from `diandan build`'s summary line.
fn written(sample: &Sample) -> String {
    sample
        .stdout
        .split(", ")
        .find(|p| p.ends_with(" written"))
        .unwrap_or("?")
        .to_owned()
}

fn prepare(o: &BenchOptions) -> anyhow::Result<(PathBuf, PathBuf)> {
    let site = o.work.join("site");
    let hugo = o.work.join("hugo");
    for dir in [&site, &hugo] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
    }
    synth::write_diandan(&site, &synth::Sizes::for_n(o.programs))?;
    copy_dir(&o.theme_root.join("themes"), &site.join("themes"))?;
    hugo::write_site(&site, &hugo)?;
    Ok((site, hugo))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for e in walkdir::WalkDir::new(from) {
        let e = e?;
        let dest = to.join(e.path().strip_prefix(from)?);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else {
            std::fs::copy(e.path(), &dest)?;
        }
    }
    Ok(())
}

fn remove(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    Ok(())
}

/// Runs every measurement `o.runs` times and prints the table.
pub fn bench(o: &BenchOptions) -> anyhow::Result<()> {
    let (site, hugo_site) = prepare(o)?;
    let out = o.work.join("out");
    let copy = o.work.join("copy");
    let mut rows: Vec<Row> = [
        "full build",
        "no-change rebuild",
        "one-program edit",
        "cp -r of the output",
        "hugo build",
        "serve: one-program edit → reload",
        "serve: one-program title edit → reload",
        "serve: site.yaml edit (full rebuild) → reload",
    ]
    .into_iter()
    .map(|name| Row {
        name,
        samples: Vec::new(),
        note: String::new(),
    })
    .collect();
    for i in 0..o.runs {
        remove(&out)?;
        rows[0].samples.push(diandan_build(&site, &out)?);
        let again = diandan_build(&site, &out)?;
        rows[1].note = written(&again);
        rows[1].samples.push(again);
        let edited = synth::first_program(&site);
        let text = std::fs::read_to_string(&edited)?;
        std::fs::write(&edited, format!("{text}\n第 {i} 次修改。\n"))?;
        let edit = diandan_build(&site, &out)?;
        rows[2].note = written(&edit);
        rows[2].samples.push(edit);
        remove(&copy)?;
        rows[3].samples.push(measure::run(
            Command::new("cp").arg("-r").arg(&out).arg(&copy),
        )?);
        if let Some(hugo) = &o.hugo {
            remove(&hugo_site.join("public"))?;
            rows[4].samples.push(measure::run(
                Command::new(hugo)
                    .args(["--quiet", "--source"])
                    .arg(&hugo_site),
            )?);
        }
    }
    serve_rows(o, &site, &mut rows[5..])?;
    print_table(o, &rows, &out);
    Ok(())
}

/// Times edits while `serve` runs in this process (see [`reload`]).
fn serve_rows(o: &BenchOptions, site: &Path, rows: &mut [Row]) -> anyhow::Result<()> {
    let store = o.work.join("serve-store");
    remove(&store)?;
    let edits = reload::Edits {
        small: (o.runs * 3).max(5),
        full: o.runs,
    };
    let times = reload::measure(site, &store, &edits)?;
    rows[0].samples = times.body;
    rows[0].note = "text added; watcher, 15 ms quiet, long-poll answer; peak MB of serve".into();
    rows[1].samples = times.title;
    rows[1].note = "its page, list pages, catalogue".into();
    rows[2].samples = times.full;
    rows[2].note = "what every edit cost before".into();
    remove(&store)
}

fn print_table(o: &BenchOptions, rows: &[Row], out: &Path) {
    let files = walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .count();
    let sizes = synth::Sizes::for_n(o.programs);
    println!(
        "catalogue: {} programs, {} lecturers, {} courses → {files} files; {} runs, medians",
        sizes.programs, sizes.lecturers, sizes.courses, o.runs
    );
    println!("| step | median s | peak MB | note |");
    println!("|---|---:|---:|---|");
    for r in rows.iter().filter(|r| !r.samples.is_empty()) {
        let (t, mb) = summarise(&r.samples);
        println!("| {} | {t:.3} | {mb:.0} | {} |", r.name, r.note);
    }
    let median = |i: usize| summarise(&rows[i].samples).0;
    if !rows[3].samples.is_empty() {
        println!("full build / cp -r floor: {:.2}×", median(0) / median(3));
    }
    if !rows[4].samples.is_empty() {
        println!(
            "hugo / full build: {:.2}× (diandan is that many times faster)",
            median(4) / median(0)
        );
    } else {
        println!("hugo: not measured (pass --hugo PATH)");
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Where the themes come from.
    #[command(flatten)]
    pub root: RootArgs,
    /// Programs in the synthetic catalogue (lecturers and courses are a tenth each).
    #[arg(long, default_value_t = 10_000)]
    pub n: usize,
    /// Repetitions of each measurement; the table shows medians.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// A scratch folder (it is emptied).
    #[arg(long, default_value = "target/bench")]
    pub work: PathBuf,
    /// The Hugo binary to compare with.
    #[arg(long)]
    pub hugo: Option<PathBuf>,
}

pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    bench(&BenchOptions {
        programs: args.n,
        runs: args.runs.max(1),
        work: args.work.clone(),
        theme_root: args.root.root.clone(),
        hugo: args.hugo.clone(),
    })?;
    Ok(ExitCode::SUCCESS)
}
