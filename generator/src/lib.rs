//! diandan's generator: content (YAML + Markdown) → a static site, and the `diandan` command line.

pub mod build;
pub mod cli;
pub mod content;
pub mod output;
pub mod render;
pub mod serve;
