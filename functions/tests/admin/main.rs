//! The admin API through the router, no network: the token and session guards on every
//! route, staff accounts and village helpers' proxy submissions, and each staff action with
//! what it records and whether it asks for a rebuild.

mod accounts;
mod actions;
mod guard;
mod people;
mod support;
