//! The monthly report on paper: Chromium prints the sample content's first month to PDF on A4
//! (WebDriver's print command) in one or two pages, and no table is wider than the page.

use fantoccini::wd::PrintConfiguration;

use crate::driver::Browser;

/// The sample schedule's first month.
const REPORT: &str = "/data/report/2026-12/";

/// A4's printable width in CSS pixels: 210 mm less the page's 2 × 12 mm margins, at 96 px per
/// inch.
const A4_PRINTABLE_PX: u32 = 703;

/// Pages in a PDF: its page objects (`/Type /Page`, not the `/Type /Pages` tree nodes).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    (0..pdf.len().saturating_sub(needle.len()))
        .filter(|&i| {
            &pdf[i..i + needle.len()] == needle && pdf.get(i + needle.len()) != Some(&b's')
        })
        .count()
}

/// Loads the report into a frame as wide as A4's printable area and lists every table wider
/// than its box (scrollWidth > clientWidth), or the tables found when none is.
async fn tables_at_a4_width(b: &Browser) -> Result<u64, Vec<String>> {
    let script = format!(
        "var done = arguments[arguments.length - 1];
         var f = document.createElement('iframe');
         f.style.width = '{A4_PRINTABLE_PX}px'; f.style.height = '1200px'; f.style.border = '0';
         f.onload = function () {{
           var d = f.contentDocument, wide = [];
           var tables = d.querySelectorAll('table');
           tables.forEach(function (t) {{
             if (t.scrollWidth > t.clientWidth || t.getBoundingClientRect().right > d.documentElement.clientWidth) {{
               wide.push((t.caption ? t.caption.textContent : 'a table') + ': ' + t.scrollWidth + ' > ' + t.clientWidth);
             }}
           }});
           f.remove();
           done({{ tables: tables.length, wide: wide }});
         }};
         f.src = '{REPORT}';
         document.body.appendChild(f);"
    );
    let found = b
        .client
        .execute_async(&script, vec![])
        .await
        .expect("the frame loads");
    let wide: Vec<String> = serde_json::from_value(found["wide"].clone()).unwrap_or_default();
    if wide.is_empty() {
        Ok(found["tables"].as_u64().unwrap_or(0))
    } else {
        Err(wide)
    }
}

pub async fn report_prints_on_a4(b: &Browser) {
    b.goto(REPORT).await;
    let title = b.text("h1").await;
    assert!(title.contains("2026年12月"), "{title}");
    let tables = tables_at_a4_width(b).await.unwrap_or_else(|wide| {
        panic!("tables wider than A4's printable width: {wide:?}");
    });
    assert!(tables >= 2, "the report's tables were measured: {tables}");
    let config = PrintConfiguration::builder()
        .shrink_to_fit(false)
        .build()
        .expect("an A4 print configuration");
    let pdf = b
        .client
        .print(config)
        .await
        .expect("Chromium prints to PDF");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let pages = pdf_pages(&pdf);
    assert!(
        (1..=2).contains(&pages),
        "the report prints on one or two A4 pages, not {pages}"
    );
}
