//! The admin API through the router, no network: the token guard on every route, and each
//! staff action with what it records and whether it asks for a rebuild.

mod actions;
mod guard;
mod people;
mod support;
