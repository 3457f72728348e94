//! The content model: loading `content/` strictly, locating every problem, validating references.

pub mod diagnostic;
pub mod links;
pub mod load;
pub mod locate;
pub mod memo;
pub mod model;
pub mod patch;
pub mod source;
pub mod validate;

pub use diagnostic::Diagnostic;
pub use load::{load, load_with, Loaded};
pub use model::Content;
pub use validate::validate;
