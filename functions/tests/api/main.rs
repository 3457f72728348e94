//! The HTTP API through the router, no network: bad input, happy paths, receipts, tallies.

mod attacker;
mod bad_input;
mod courses;
mod demand;
mod documented;
mod guardian;
mod limits;
mod lottery;
mod notify;
mod openapi;
mod support;
mod verify;
