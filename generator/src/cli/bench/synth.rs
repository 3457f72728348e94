//! A synthetic catalogue of any size, in our format and in an equivalent Hugo layout, so both
//! generators build the same pages from the same text.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

const CATEGORIES: [&str; 10] = [
    "闽剧",
    "十番音乐",
    "评话",
    "伬唱",
    "舞蹈",
    "歌曲",
    "曲艺",
    "器乐",
    "木偶戏",
    "小品",
];
const TOWNSHIPS: [(&str, &str); 15] = [
    ("ganzhe", "甘蔗街道"),
    ("shangjie", "上街镇"),
    ("nanyu", "南屿镇"),
    ("nantong", "南通镇"),
    ("qingkou", "青口镇"),
    ("xiangqian", "祥谦镇"),
    ("shanggan", "尚干镇"),
    ("jingxi", "荆溪镇"),
    ("baisha", "白沙镇"),
    ("zhuqi", "竹岐乡"),
    ("hongwei", "鸿尾乡"),
    ("yangli", "洋里乡"),
    ("dahu", "大湖乡"),
    ("tingping", "廷坪乡"),
    ("xiaoruo", "小箬乡"),
];
const PHRASES: [&str; 12] = [
    "这出戏讲的是闽江两岸百姓熟悉的老故事",
    "演员唱腔圆润，身段利落",
    "锣鼓一响，村口的戏台就热闹起来",
    "老人家听得懂，孩子们也看得进",
    "剧团每年下乡演出上百场",
    "唱词用的是地道的福州话",
    "节目短小精悍，适合在文化广场演出",
    "曲调悠扬，是非物质文化遗产代表项目",
    "演出结束后演员会和观众聊聊戏",
    "服装道具都是剧团自己缝制的",
    "适合全家老小一起来看",
    "很多村民点名要看这一出",
];

/// Deterministic pseudo-random numbers: the same catalogue for the same size, every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// A Markdown body of a few hundred characters with a heading, a list and a link.
fn body(rng: &mut Lcg) -> String {
    let mut s = String::new();
    for _ in 0..4 {
        let _ = write!(s, "{}，", PHRASES[rng.next(PHRASES.len())]);
    }
    s.push_str("欢迎点单。\n\n## 节目看点\n\n");
    for _ in 0..3 {
        let _ = writeln!(s, "- {}", PHRASES[rng.next(PHRASES.len())]);
    }
    let _ = write!(
        s,
        "\n更多节目请看[节目单](/programs/)。{}。\n",
        PHRASES[rng.next(PHRASES.len())]
    );
    s
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

pub struct Sizes {
    pub programs: usize,
    pub lecturers: usize,
    pub courses: usize,
}

impl Sizes {
    pub fn for_n(n: usize) -> Sizes {
        Sizes {
            programs: n,
            lecturers: (n / 10).max(1),
            courses: (n / 10).max(1),
        }
    }
}

/// Writes `root/content` for diandan (the theme is copied separately).
pub fn write_diandan(root: &Path, sizes: &Sizes) -> anyhow::Result<()> {
    let c = root.join("content");
    write(&c.join("site.yaml"), "title: 基准测试 · 点单点将\nshort_title: 点单点将\norganiser: 基准测试文化馆\nbase_url: https://bench.example.cn\napi_url: /api\npage_size: 50\n")?;
    let mut t = String::new();
    for (id, name) in TOWNSHIPS {
        let _ = writeln!(
            t,
            "- {{ id: {id}, name: {name}, kind: 镇, venues: [{name}文化广场] }}"
        );
    }
    write(&c.join("townships.yaml"), &t)?;
    let mut rng = Lcg(42);
    for i in 0..sizes.programs {
        let cat = CATEGORIES[i % CATEGORIES.len()];
        let text = format!("---\ntitle: 节目{i:05}《{}》\ncategory: {cat}\ntroupe: 剧团{:02}\nduration_minutes: 60\naudience: 全年龄\ntags: [传统, 下乡]\n---\n{}", &PHRASES[i % PHRASES.len()][..9], i % 30, body(&mut rng));
        write(&c.join(format!("programs/p{i:05}.md")), &text)?;
    }
    for i in 0..sizes.lecturers {
        let text = format!(
            "---\nname: 讲师{i:04}\ntitle: 文化志愿者\ntopics: [剪纸, 书法]\n---\n{}",
            body(&mut rng)
        );
        write(&c.join(format!("lecturers/l{i:04}.md")), &text)?;
    }
    for i in 0..sizes.courses {
        let text = format!("---\ntitle: 少儿课程{i:04}\ncategory: 美术\nteacher: l{:04}\nages: [7, 12]\ncapacity: 30\nwaitlist: 10\nvenue: 县文化馆\nsessions: [\"2027-07-10T09:00+08:00\"]\nregistration: {{ opens: 2027-06-20, closes: 2027-07-05 }}\n---\n{}", i % sizes.lecturers, body(&mut rng));
        write(&c.join(format!("courses/k{i:04}.md")), &text)?;
    }
    let mut s = String::from("stages:\n");
    for (d, (id, name)) in TOWNSHIPS.iter().enumerate() {
        let _ = writeln!(s, "  - {{ township: {id}, date: 2026-12-{:02}, time: \"19:30\", venue: {name}文化广场, program: auto }}", d + 1);
    }
    write(&c.join("schedule/2026-12.yaml"), &s)?;
    write(
        &c.join("pages/about.md"),
        "---\ntitle: 关于\nmenu: 1\n---\n基准测试站点。\n",
    )
}

/// The file an edit benchmark touches.
pub fn first_program(root: &Path) -> std::path::PathBuf {
    root.join("content/programs/p00000.md")
}
