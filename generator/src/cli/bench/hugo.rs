//! The same synthetic catalogue as a Hugo site with equivalent templates: a page per item with
//! its facts and order form, paginated lists of 50, per-category lists, a sitemap.

use std::path::Path;

use anyhow::Context;

const CONFIG: &str = r#"baseURL = "https://bench.example.cn/"
languageCode = "zh-CN"
title = "基准测试 · 点单点将"
disableKinds = ["RSS"]
[taxonomies]
category = "category"
[pagination]
pagerSize = 50
"#;

const BASEOF: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title><link rel="stylesheet" href="/assets/site.css"></head>
<body><header><a href="/">点单点将</a><nav><ul><li><a href="/programs/">点单·看戏</a></li><li><a href="/lecturers/">点将·讲座</a></li><li><a href="/courses/">少儿课程</a></li></ul></nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer><p>基准测试文化馆</p></footer></body></html>
"#;

const SINGLE: &str = r#"{{ define "main" }}<article><h1>{{ with .Params.name }}{{ . }}{{ else }}{{ .Title }}{{ end }}</h1>
<dl>{{ with .Params.category }}<dt>类别</dt><dd>{{ . }}</dd>{{ end }}{{ with .Params.troupe }}<dt>演出团体</dt><dd>{{ . }}</dd>{{ end }}{{ with .Params.duration_minutes }}<dt>时长</dt><dd>约 {{ . }} 分钟</dd>{{ end }}</dl>
<div class="prose">{{ .Content }}</div></article>
<section><h2>我要点单</h2><form method="post" action="/api/orders"><input type="hidden" name="program" value="{{ .File.ContentBaseName }}">
<label for="township">乡镇</label><select id="township" name="township">{{ range $id, $name := site.Data.townships }}<option value="{{ $id }}">{{ $name }}</option>{{ end }}</select>
<label for="name">称呼</label><input id="name" name="name"><label for="phone">手机号码</label><input id="phone" name="phone" type="tel"><button>点单</button></form></section>{{ end }}
"#;

const LIST: &str = r#"{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><h2><a href="{{ .RelPermalink }}">{{ with .Params.name }}{{ . }}{{ else }}{{ .Title }}{{ end }}</a></h2><p>{{ .Summary | plainify | truncate 70 }}</p></li>{{ end }}</ul>
<nav>{{ with .Paginator.Prev }}<a href="{{ .URL }}">上一页</a>{{ end }} 第 {{ .Paginator.PageNumber }} / {{ .Paginator.TotalPages }} 页 {{ with .Paginator.Next }}<a href="{{ .URL }}">下一页</a>{{ end }}</nav>{{ end }}
"#;

const HOME: &str = r#"{{ define "main" }}<h1>{{ site.Title }}</h1><ul>{{ range first 6 (where site.RegularPages "Section" "programs") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"#;

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes the Hugo site at `hugo`, taking the items from the diandan site at `ours`.
pub fn write_site(ours: &Path, hugo: &Path) -> anyhow::Result<()> {
    write(&hugo.join("hugo.toml"), CONFIG)?;
    let layouts = hugo.join("layouts");
    for (name, text) in [
        ("baseof.html", BASEOF),
        ("single.html", SINGLE),
        ("list.html", LIST),
        ("home.html", HOME),
    ] {
        write(&layouts.join(name), text)?;
    }
    let mut towns = String::new();
    for line in std::fs::read_to_string(ours.join("content/townships.yaml"))?.lines() {
        // `- { id: nanyu, name: 南屿镇, … }` → `nanyu: 南屿镇`
        let field = |key: &str| {
            line.split(&format!("{key}: "))
                .nth(1)
                .and_then(|r| r.split(',').next())
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        towns.push_str(&format!("{}: {}\n", field("id"), field("name")));
    }
    write(&hugo.join("data/townships.yaml"), &towns)?;
    for section in ["programs", "lecturers", "courses"] {
        let from = ours.join("content").join(section);
        let to = hugo.join("content").join(section);
        std::fs::create_dir_all(&to)?;
        write(
            &to.join("_index.md"),
            &format!("---\ntitle: {section}\n---\n"),
        )?;
        for e in std::fs::read_dir(&from)? {
            let e = e?;
            std::fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    let css = ours.join("themes/default/static/site.css");
    if css.exists() {
        std::fs::create_dir_all(hugo.join("static/assets"))?;
        std::fs::copy(css, hugo.join("static/assets/site.css"))?;
    }
    Ok(())
}
