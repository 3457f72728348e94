//! What makes the site installable and recognisable: `/manifest.webmanifest` and
//! `/favicon.ico` at the site's root (browsers ask there), from the theme's icons.

use serde_json::json;

use super::views::Views;
use super::Theme;

/// The theme's colour: the header's red, for the browser's bar and the installed app.
pub const THEME_COLOR: &str = "#a61b1b";

/// PNG icons the theme ships under `static/icons/`, by edge length in pixels.
pub const PNG_ICONS: &[u32] = &[192, 512];

/// The manifest, and the theme's `icons/favicon.ico` copied to the root.
pub fn files(v: &Views, theme: &Theme) -> Vec<(String, Vec<u8>)> {
    let icons: Vec<_> = PNG_ICONS
        .iter()
        .map(|n| json!({"src": format!("/assets/icons/icon-{n}.png"), "sizes": format!("{n}x{n}"), "type": "image/png", "purpose": "any"}))
        .collect();
    let manifest = json!({
        "name": v.site.title,
        "short_name": v.site.short_title,
        "description": v.site.description,
        "lang": v.site.language,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": "#fdf9f1",
        "icons": icons,
    });
    let mut out = vec![(
        "manifest.webmanifest".to_owned(),
        serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
    )];
    if let Some((_, ico)) = theme
        .assets
        .iter()
        .find(|(p, _)| p == "assets/icons/favicon.ico")
    {
        out.push(("favicon.ico".to_owned(), ico.clone()));
    }
    out
}
