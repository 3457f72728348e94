//! Pinyin search keys: Chinese text → toneless syllables, with a small table of corrections
//! for words the character-by-character reading gets wrong (长乐 is changle, not zhangle).

use pinyin::ToPinyin;

/// Words whose characters have several readings and which the site's content uses, with the
/// reading residents would type. Longest match wins, so a word may contain another.
pub const CORRECTIONS: &[(&str, &[&str])] = &[
    ("长乐", &["chang", "le"]),
    ("水长", &["shui", "chang"]),
    ("重阳", &["chong", "yang"]),
    // 番 also reads pan (番禺); pinned so a dictionary update cannot break finding 十番.
    ("十番", &["shi", "fan"]),
    ("音乐", &["yin", "yue"]),
    ("乐器", &["yue", "qi"]),
    ("器乐", &["qi", "yue"]),
    ("民乐", &["min", "yue"]),
    ("乐队", &["yue", "dui"]),
    ("乐曲", &["yue", "qu"]),
    ("伬唱", &["che", "chang"]),
    ("调养", &["tiao", "yang"]),
    ("调解", &["tiao", "jie"]),
    ("五都", &["wu", "du"]),
    ("行当", &["hang", "dang"]),
    ("角色", &["jue", "se"]),
    ("还乡", &["huan", "xiang"]),
];

/// The toneless syllables of `text`, lowercase: Chinese characters one syllable each (after
/// the corrections), runs of ASCII letters and digits as one piece each; everything else
/// (spaces, punctuation) separates pieces and is dropped.
pub fn syllables(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut ascii = String::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((len, reading)) = correction_at(&chars[i..]) {
            flush(&mut ascii, &mut out);
            out.extend(reading.iter().map(|s| (*s).to_owned()));
            i += len;
            continue;
        }
        let c = chars[i];
        if c.is_ascii_alphanumeric() {
            ascii.push(c.to_ascii_lowercase());
        } else {
            flush(&mut ascii, &mut out);
            if let Some(p) = c.to_pinyin() {
                out.push(p.plain().replace('ü', "v"));
            }
        }
        i += 1;
    }
    flush(&mut ascii, &mut out);
    out
}

fn flush(ascii: &mut String, out: &mut Vec<String>) {
    if !ascii.is_empty() {
        out.push(std::mem::take(ascii));
    }
}

/// The longest correction that `chars` starts with: its length in characters and reading.
fn correction_at(chars: &[char]) -> Option<(usize, &'static [&'static str])> {
    CORRECTIONS
        .iter()
        .filter(|(word, _)| {
            let n = word.chars().count();
            chars.len() >= n && word.chars().zip(chars).all(|(a, b)| a == *b)
        })
        .max_by_key(|(word, _)| word.chars().count())
        .map(|(word, reading)| (word.chars().count(), *reading))
}

/// All syllables joined: what a resident types for the whole word (`minju`).
pub fn full(text: &str) -> String {
    syllables(text).concat()
}

/// The first letter of each syllable: the initials residents type (`mj`).
pub fn initials(text: &str) -> String {
    syllables(text)
        .iter()
        .filter_map(|s| s.chars().next())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_pinyin_and_initials_without_tones() {
        assert_eq!(full("闽剧"), "minju");
        assert_eq!(initials("闽剧"), "mj");
        assert_eq!(full("评话"), "pinghua");
        assert_eq!(
            syllables("闽剧《陈靖姑》选段"),
            ["min", "ju", "chen", "jing", "gu", "xuan", "duan"]
        );
    }

    #[test]
    fn the_corrections_table_fixes_readings_the_dictionary_gets_wrong() {
        for (word, expected) in [
            ("长乐", "changle"),
            ("重阳", "chongyang"),
            ("十番", "shifan"),
            ("音乐", "yinyue"),
            ("十番音乐", "shifanyinyue"),
            ("伬唱", "chechang"),
            ("器乐合奏", "qiyuehezou"),
            ("原创歌曲《闽江水长》", "yuanchuanggequminjiangshuichang"),
            ("五都村十番乐队", "wuducunshifanyuedui"),
        ] {
            assert_eq!(full(word), expected, "{word}");
        }
        assert_eq!(initials("十番音乐"), "sfyy");
    }

    /// The dictionary's reading, character by character, without the table.
    fn dictionary(word: &str) -> Vec<String> {
        word.chars()
            .filter_map(|c| c.to_pinyin().map(|p| p.plain().to_owned()))
            .collect()
    }

    #[test]
    fn every_correction_fixes_a_reading_the_dictionary_gets_wrong() {
        let needless: Vec<&str> = CORRECTIONS
            .iter()
            .filter(|(word, reading)| *word != "十番" && dictionary(word) == *reading)
            .map(|(word, _)| *word)
            .collect();
        assert!(needless.is_empty(), "already read right: {needless:?}");
    }

    #[test]
    fn each_correction_is_well_formed_and_applied() {
        for (word, reading) in CORRECTIONS {
            assert_eq!(
                word.chars().count(),
                reading.len(),
                "{word}: one syllable a character"
            );
            assert!(
                reading
                    .iter()
                    .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase())),
                "{word}: toneless lowercase syllables"
            );
            assert_eq!(syllables(word), *reading, "{word}");
        }
    }

    #[test]
    fn ascii_runs_stay_whole_and_punctuation_separates() {
        assert_eq!(syllables("剧团03 A组"), ["ju", "tuan", "03", "a", "zu"]);
        assert_eq!(initials("剧团03"), "jt0");
    }
}
