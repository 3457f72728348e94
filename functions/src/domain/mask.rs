//! Finding mobile numbers inside free text (a wish, a reply) to mask them before they are
//! published: every spelling [`Phone::parse`] accepts, and the ones people use to slip a
//! number past a filter — Chinese numerals, dots, slashes, underscores, doubled spaces.

use super::phone::{ascii_digit, Phone};

/// What a digit may be written as: ASCII, full-width, or a Chinese numeral (幺 is how 1 is
/// read out in phone numbers).
fn digit_of(c: char) -> Option<char> {
    ascii_digit(c).or(match c {
        '零' | '〇' | '○' => Some('0'),
        '一' | '幺' | '壹' => Some('1'),
        '二' | '贰' => Some('2'),
        '三' | '叁' => Some('3'),
        '四' | '肆' => Some('4'),
        '五' | '伍' => Some('5'),
        '六' | '陆' => Some('6'),
        '七' | '柒' => Some('7'),
        '八' | '捌' => Some('8'),
        '九' | '玖' => Some('9'),
        _ => None,
    })
}

/// What people put between groups of digits.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}'
            | '\t'
            | '-'
            | '－'
            | '—'
            | '–'
            | '.'
            | '．'
            | '。'
            | '·'
            | '/'
            | '／'
            | '\\'
            | '_'
            | '＿'
            | '('
            | ')'
            | '（'
            | '）'
            | '~'
            | '～'
            | '*'
    )
}

/// At most this many separators in a row still join two groups of one number.
const MAX_GAP: usize = 3;

/// Masks every mainland mobile number written inside free text (`打我电话13800138000` →
/// `打我电话138****8000`), so a number a resident typed into a wish is not published with it.
/// Other numbers (dates, landlines, long reference numbers) are left as they are.
pub fn mask_phones_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let groups = groups_from(&chars, i);
        if groups.is_empty() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        write_masked(&chars, &groups, &mut out);
        i = groups.last().map_or(i + 1, |g| g.end);
    }
    out
}

/// A group of digits: its chars `start..end` (a leading plus included) and its digits.
struct Group {
    start: usize,
    end: usize,
    digits: String,
}

/// The groups of the run of digits that starts at `start` (empty when none does): groups of
/// digits joined by at most [`MAX_GAP`] separators.
fn groups_from(chars: &[char], start: usize) -> Vec<Group> {
    let digit = |i: usize| chars.get(i).and_then(|c| digit_of(*c));
    let plus = matches!(chars.get(start), Some('+' | '＋')) && digit(start + 1).is_some();
    if !plus && digit(start).is_none() {
        return Vec::new();
    }
    let mut groups = Vec::new();
    let mut i = start + usize::from(plus);
    let mut from = start;
    loop {
        let mut digits = String::new();
        while let Some(d) = digit(i) {
            digits.push(d);
            i += 1;
        }
        groups.push(Group {
            start: from,
            end: i,
            digits,
        });
        let gap = (i..chars.len())
            .take_while(|&k| is_separator(chars[k]))
            .count();
        if gap == 0 || gap > MAX_GAP || digit(i + gap).is_none() {
            return groups;
        }
        i += gap;
        from = i;
    }
}

/// Writes the run: each longest span of consecutive groups that spells a mobile number
/// masked, everything else (separators too) as it was.
fn write_masked(chars: &[char], groups: &[Group], out: &mut String) {
    let text = |from: usize, to: usize| chars[from..to].iter().collect::<String>();
    let mut j = 0;
    while j < groups.len() {
        if j > 0 {
            out.push_str(&text(groups[j - 1].end, groups[j].start));
        }
        let spelled = (j..groups.len()).rev().find_map(|k| {
            let plus = matches!(chars[groups[j].start], '+' | '＋');
            let digits: String = groups[j..=k].iter().map(|g| g.digits.as_str()).collect();
            let phone = Phone::parse(&format!("{}{digits}", if plus { "+" } else { "" })).ok()?;
            Some((k, phone))
        });
        match spelled {
            Some((k, phone)) => {
                out.push_str(&phone.masked());
                j = k + 1;
            }
            None => {
                out.push_str(&text(groups[j].start, groups[j].end));
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_inside_text_are_masked() {
        for (text, masked) in [
            ("打我电话13800138000好吗", "打我电话138****8000好吗"),
            ("电话：+86 138-0013-8000。", "电话：138****8000。"),
            ("2026 138 0013 8000 谢谢", "2026 138****8000 谢谢"),
            ("１３８００１３８０００", "138****8000"),
            ("138.0013.8000", "138****8000"),
            ("138  0013  8000", "138****8000"),
            ("138/0013/8000", "138****8000"),
            ("（138）0013-8000", "（138****8000"),
            ("138_0013_8000", "138****8000"),
            ("一三八零零一三八零零零", "138****8000"),
            ("幺三八 〇〇幺三 八〇〇〇", "138****8000"),
            (
                "文化馆 0591-22036185，12 月 5 日",
                "文化馆 0591-22036185，12 月 5 日",
            ),
            ("编号123456789012345", "编号123456789012345"),
            ("+ 和 - 号", "+ 和 - 号"),
            ("一二三", "一二三"),
        ] {
            assert_eq!(mask_phones_in(text), masked, "{text}");
        }
    }

    /// A small deterministic generator, so the property test needs no extra crate and every
    /// failure can be replayed from its seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<T: Copy>(&mut self, from: &[T]) -> T {
            from[self.below(from.len())]
        }
    }

    const SEPARATORS: &[&str] = &[
        " ", "  ", "   ", "\u{3000}", "-", "－", ".", "．", "/", "／", "_", "＿", " - ", "·", "~",
    ];

    /// One way to write `digit`: ASCII, full-width or a Chinese numeral.
    fn write_digit(rng: &mut Rng, digit: u8) -> char {
        const CHINESE: [&[char]; 10] = [
            &['零', '〇'],
            &['一', '幺'],
            &['二'],
            &['三'],
            &['四'],
            &['五'],
            &['六'],
            &['七'],
            &['八'],
            &['九'],
        ];
        match rng.below(3) {
            0 => char::from(b'0' + digit),
            1 => char::from_u32('０' as u32 + u32::from(digit)).unwrap_or('0'),
            _ => rng.pick(CHINESE[usize::from(digit)]),
        }
    }

    /// A random mobile number written a random way inside some words.
    fn spelling(rng: &mut Rng) -> (String, String) {
        let mut digits = vec![1, 3 + rng.below(7) as u8];
        digits.extend((0..9).map(|_| rng.below(10) as u8));
        let number: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        const CUTS: [&[usize]; 5] = [&[], &[3, 7], &[3, 6], &[4, 8], &[2, 5, 8]];
        let cuts: &[usize] = rng.pick(&CUTS);
        let prefix: &str = rng.pick(&["", "+86", "＋86 ", "86", "0086 ", "+86-"]);
        let mut written = String::from(prefix);
        let bracket = rng.below(4) == 0 && !cuts.is_empty();
        if bracket {
            written.push('（');
        }
        for (k, d) in digits.iter().enumerate() {
            if cuts.contains(&k) {
                let separator: &str = rng.pick(SEPARATORS);
                written.push_str(if bracket && k == cuts[0] {
                    "）"
                } else {
                    separator
                });
            }
            written.push(write_digit(rng, *d));
        }
        let before: &str = rng.pick(&["", "电话", "我的手机：", "联系人王阿姨 ", "号码是 "]);
        let after: &str = rng.pick(&["", "。", "，谢谢", " 请回电", "！"]);
        (number, format!("{before}{written}{after}"))
    }

    #[test]
    fn no_generated_spelling_survives_masking() {
        let mut rng = Rng(0x5eed_d1a0_da11_2026);
        for case in 0..5_000 {
            let (number, text) = spelling(&mut rng);
            let masked = mask_phones_in(&text);
            let left: String = masked.chars().filter_map(digit_of).collect();
            assert!(
                !left.contains(&number) && masked.contains("****"),
                "case {case}: {text:?} became {masked:?}"
            );
            assert!(
                left.ends_with(&number[7..])
                    || left.contains(&format!("{}{}", &number[..3], &number[7..])),
                "case {case}: the masked form keeps the ends for its owner: {masked:?}"
            );
        }
    }
}
