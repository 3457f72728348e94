//! The admin API through the router, no network: the token and session guards on every
//! route, staff accounts and village helpers' proxy submissions (with and without scripts),
//! each staff action with what it records and whether it asks for a rebuild, and the texts
//! to residents as staff see them.

mod accounts;
mod actions;
mod guard;
mod helper_pages;
mod messages;
mod people;
mod support;
