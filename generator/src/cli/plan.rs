//! `diandan plan [--apply]`: fills the `auto` slots from the store's orders and nominations,
//! printing the proposals as a table; `--apply` stores them (a running `serve` shows them after
//! its next rebuild, and `build` always reads them).

use std::io::Write;
use std::process::ExitCode;

use chrono::{Datelike, NaiveDate};
use clap::Args;
use diandan_functions::catalogue::{Catalogue, SlotKind};
use diandan_functions::clock::china_now;
use diandan_functions::planner::{self, township_name, Proposal};

use super::serve::StoreSpec;
use super::RootArgs;
use crate::{build, content, render};

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub root: RootArgs,
    /// The store (`sqlite:PATH` or `dynamodb:TABLE`); default: .diandan/diandan.sqlite3 under
    /// --root, as `serve` uses it.
    #[arg(long)]
    pub store: Option<StoreSpec>,
    /// Store the proposals; without it, only show them.
    #[arg(long)]
    pub apply: bool,
    /// Plan as if today were this date (YYYY-MM-DD); default: today in China.
    #[arg(long)]
    pub today: Option<NaiveDate>,
}

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    execute(args, &mut std::io::stdout().lock())
}

/// The command, printing to `out`.
pub fn execute(args: &PlanArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
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
    let today = args.today.unwrap_or_else(build::today_in_china);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (proposals, stored) = runtime.block_on(async {
        let store = spec.open()?;
        let proposals = planner::propose(store.as_ref(), &catalogue, today).await?;
        let stored = if args.apply {
            Some(planner::apply(store.as_ref(), &proposals, china_now()).await?)
        } else {
            None
        };
        anyhow::Ok((proposals, stored))
    })?;
    let months = catalogue.site.repeat_after_months;
    writeln!(
        out,
        "{today} 起的自动场次（同一乡镇 {months} 个月内不重复同一节目）"
    )?;
    writeln!(out)?;
    write!(out, "{}", table(&catalogue, &proposals))?;
    writeln!(out)?;
    writeln!(out, "{}", summary(&proposals, stored))?;
    Ok(ExitCode::SUCCESS)
}

fn summary(proposals: &[Proposal], stored: Option<u32>) -> String {
    let filled = proposals
        .iter()
        .filter(|p| p.program.is_some() || p.lecturer.is_some());
    let filled = filled.count();
    let empty = proposals.len() - filled;
    let counts = format!("{filled} 场可以安排，{empty} 场暂空。");
    match stored {
        None if filled > 0 => format!("{counts}这只是预览：加 --apply 保存这些安排。"),
        None => counts,
        Some(n) if n as usize == filled => format!("{counts}已保存 {n} 项安排。"),
        Some(n) => format!(
            "{counts}已保存 {n} 项；其余 {} 场在此期间已有安排，保持不变。",
            filled.saturating_sub(n as usize)
        ),
    }
}

/// Columns a terminal gives a character: two for Chinese (and other wide) characters.
fn width(text: &str) -> usize {
    let wide = |c: char| {
        matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
    };
    text.chars().map(|c| if wide(c) { 2 } else { 1 }).sum()
}

fn pad(text: &str, columns: usize) -> String {
    let fill = columns.saturating_sub(width(text));
    format!("{text}{}", " ".repeat(fill))
}

const WEEKDAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// One row per proposal: date, township, kind, what, why.
fn rows(c: &Catalogue, proposals: &[Proposal]) -> Vec<[String; 5]> {
    proposals
        .iter()
        .map(|p| {
            let weekday = WEEKDAYS[p.date.weekday().num_days_from_monday() as usize];
            let kind = match p.kind {
                SlotKind::Stage => "戏台",
                SlotKind::Forum => "讲坛",
            };
            let program = (p.program.as_ref())
                .and_then(|id| c.programs.get(id))
                .map(|x| x.title.clone());
            let lecturer = (p.lecturer.as_ref())
                .and_then(|id| c.lecturers.get(id))
                .map(|x| x.name.clone());
            let what = program.or(lecturer).unwrap_or_else(|| "（空）".to_owned());
            [
                format!("{} {weekday}", p.date),
                township_name(c, &p.township),
                kind.to_owned(),
                what,
                p.reason.clone(),
            ]
        })
        .collect()
}

/// The proposals as an aligned table, or a line saying there is nothing to plan.
pub fn table(c: &Catalogue, proposals: &[Proposal]) -> String {
    if proposals.is_empty() {
        return "没有需要安排的自动场次。\n".to_owned();
    }
    let header = ["日期", "乡镇", "类型", "安排", "理由"].map(String::from);
    let body = rows(c, proposals);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&body) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&body) {
        let cells: Vec<String> = (row.iter().zip(widths))
            .map(|(cell, w)| pad(cell, w))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests;
