//! One content file of arbitrary bytes, read as each kind of file the loader knows: bytes to
//! text, the front matter split, YAML into every content type, the value locator. The first
//! byte picks the kind. Nothing may panic, and every problem names the file and a line in it.

#![no_main]

use std::path::Path;

use diandan::content::locate::Locator;
use diandan::content::model::{
    CourseMeta, LecturerMeta, MonthMeta, PageMeta, ProgramMeta, SiteConfig, TownshipMeta,
};
use diandan::content::source::{Source, Yaml};
use diandan::content::Diagnostic;
use libfuzzer_sys::fuzz_target;

const REL: &str = "content/programs/fuzz.md";

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let rel = Path::new(REL);
    let src = match Source::from_bytes(rel, rest.to_vec()) {
        Ok(src) => src,
        Err(d) => return located(&d, &String::from_utf8_lossy(rest)),
    };
    if pick % 2 == 0 {
        markdown_file(&src, pick / 2);
    } else {
        yaml_file(&src, pick / 2);
    }
});

/// A problem must name the file and a line that exists (or the one after the last, where
/// an unfinished file ends), counting `\n` as editors do; columns start at 1.
fn located(d: &Diagnostic, text: &str) {
    assert_eq!(d.path, Path::new(REL), "{d}");
    let lines = text.split('\n').count();
    assert!(d.line >= 1 && d.line <= lines + 1, "{d} (of {lines} lines)");
    assert!(d.col >= 1, "{d}");
}

/// Lines as YAML counts them (the locator's positions): a lone CR, NEL, U+2028 and U+2029
/// end lines too.
fn yaml_lines(text: &str) -> usize {
    let text = text.replace("\r\n", "\n");
    text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .count()
}

fn markdown_file(src: &Source, pick: u8) {
    let fm = match src.front_matter() {
        Ok(fm) => fm,
        Err(d) => return located(&d, &src.text),
    };
    let rel = Path::new(REL);
    let parsed = match pick % 4 {
        0 => fm.yaml.parse::<ProgramMeta>(rel, "front matter").map(drop),
        1 => fm.yaml.parse::<LecturerMeta>(rel, "front matter").map(drop),
        2 => fm.yaml.parse::<CourseMeta>(rel, "front matter").map(drop),
        _ => fm.yaml.parse::<PageMeta>(rel, "front matter").map(drop),
    };
    if let Err(d) = parsed {
        located(&d, &src.text);
    }
    locate(fm.yaml);
}

fn yaml_file(src: &Source, pick: u8) {
    let rel = Path::new(REL);
    let yaml = src.as_yaml();
    let parsed = match pick % 3 {
        0 => yaml.parse::<SiteConfig>(rel, "site settings").map(drop),
        1 => yaml
            .parse::<Vec<TownshipMeta>>(rel, "township list")
            .map(drop),
        _ => yaml.parse::<MonthMeta>(rel, "schedule").map(drop),
    };
    if let Err(d) = parsed {
        located(&d, &src.text);
    }
    locate(yaml);
}

/// The locator answers for any path, within the file.
fn locate(yaml: Yaml<'_>) {
    let locator = Locator::new(yaml);
    let lines = yaml.first_line + yaml_lines(yaml.text);
    for path in [
        "title",
        "registration.opens",
        "stages[1].township",
        "[0].venues[2]",
    ] {
        let (line, col) = locator.at(path);
        assert!(
            line >= 1 && line <= lines && col >= 1,
            "{path}: {line}:{col}"
        );
    }
}
