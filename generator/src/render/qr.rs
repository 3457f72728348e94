//! QR codes for printed posters, drawn at build time as inline SVG (no image from elsewhere).

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white around the code: the quiet zone the QR standard asks for, so phones find
/// the code on a busy notice board.
const QUIET: usize = 4;

/// The code for `text` as an `<svg>` element for inline use in HTML (which needs no `xmlns`), error correction M (15 % of it may be torn or
/// stained and it still reads). `None` only if the text is too long for any QR version.
pub fn svg(text: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Light {
                x += 1;
                continue;
            }
            // One rectangle per run of dark modules keeps the path short.
            let start = x;
            while x < width && row[x] == Color::Dark {
                x += 1;
            }
            path.push_str(&format!(
                "M{} {}h{}v1h-{}z",
                start + QUIET,
                y + QUIET,
                x - start,
                x - start
            ));
        }
    }
    let size = width + 2 * QUIET;
    Some(format!(
        "<svg class=\"qr\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"{}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>",
        escape(label)
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_has_a_quiet_zone_and_only_dark_paths_inside_it() {
        let svg = svg("https://diandan.example.cn/townships/nanyu/", "扫码").unwrap();
        let code = QrCode::with_error_correction_level(
            b"https://diandan.example.cn/townships/nanyu/",
            EcLevel::M,
        )
        .unwrap();
        let size = code.width() + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")));
        // The first dark module (the finder pattern's corner) sits 4 modules in.
        assert!(svg.contains("d=\"M4 4h7v1h-7z"), "{svg}");
        assert_eq!(code.error_correction_level(), EcLevel::M);
    }

    #[test]
    fn labels_are_escaped() {
        let svg = svg("x", "a\"<b>").unwrap();
        assert!(svg.contains("aria-label=\"a&quot;&lt;b&gt;\""));
    }
}
