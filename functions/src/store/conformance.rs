//! The store conformance suite, written once against [`Store`] and run for every backend.
//!
//! A backend's test file invokes [`store_conformance_tests!`](crate::store_conformance_tests)
//! with an expression that makes a fresh, empty store; each case becomes its own
//! `#[tokio::test]`, so failures are reported case by case. The test crate needs `tokio` (with
//! `macros` and `rt-multi-thread`) among its dependencies.
//!
//! The cases panic on failure, as tests do; they are public only so the macro can call them.

mod accounts;
mod activity;
mod cases;
mod courses;
mod lottery;
mod notices;
mod outbox;
mod privacy;
mod public;
mod schedule;
mod staff;
mod verify;

pub use accounts::*;
pub use activity::*;
pub use cases::*;
pub use courses::*;
pub use lottery::*;
pub use notices::*;
pub use outbox::*;
pub use privacy::*;
pub use public::*;
pub use schedule::*;
pub use staff::*;
pub use verify::*;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, TimeZone};

use crate::clock::china_offset;
use crate::domain::{DataKey, PersonKey, PersonName, Phone, SealedPhone, Secret};
use crate::store::Store;

/// What the cases receive: a fresh, empty store.
pub type Shared = Arc<dyn Store>;

/// Expands to one `#[tokio::test]` per conformance case, each on a fresh store made by the
/// given expression (a future of `Arc<impl Store>` or `Arc<dyn Store>`).
///
/// ```text
/// diandan_functions::store_conformance_tests!(async {
///     std::sync::Arc::new(SqliteStore::temporary().expect("a temporary store"))
/// });
/// ```
///
/// `if ENABLED, MAKE` runs the cases only when `ENABLED` (a `bool` expression, evaluated in
/// each test) is true; a backend whose server may be absent on purpose reports them skipped.
#[macro_export]
macro_rules! store_conformance_tests {
    (if $enabled:expr, $make:expr) => {
        $crate::store_conformance_tests!(@cases ($enabled) $make;
            order_repeat_is_counted_once,
            orders_are_tallied_per_township_and_in_total,
            closed_orders_may_be_placed_again,
            concurrent_orders_are_counted_exactly,
            nomination_repeat_is_counted_once,
            concurrent_nominations_cross_the_threshold_once,
            withdrawal_is_allowed_before_the_threshold_only,
            withdrawing_nothing_is_not_found,
            withdrawal_needs_the_nominations_own_token,
            registrations_confirm_then_waitlist_then_refuse,
            concurrent_registrations_never_exceed_capacity,
            same_child_twice_is_a_duplicate,
            cancel_promotes_the_first_waitlisted,
            cancelling_a_waitlisted_place_promotes_nobody,
            cancel_refuses_a_wrong_token,
            concurrent_cancels_promote_each_waiter_once,
            registration_view_needs_the_token,
            one_guardian_holds_at_most_the_cap,
            concurrent_registrations_of_one_guardian_respect_the_cap,
            lottery_applications_wait_for_the_draw,
            the_draw_ranks_every_application_once,
            cancelling_after_the_draw_promotes_in_draw_order,
            concurrent_draws_have_one_winner,
            rating_is_once_per_person_per_slot,
            wishes_are_public_only_when_replied,
            public_wishes_never_carry_contact_details,
            tallies_have_the_design_shape,
            lecture_requests_list_crossed_lecturers,
            purge_drops_expired_personal_data,
            plans_fill_empty_slots_only,
            pins_replace_and_unpins_clear,
            malformed_assignments_are_refused,
            order_demand_counts_open_orders_with_the_first,
            marking_done_fulfils_orders_once,
            snapshot_holds_what_the_site_shows,
            admin_actions_are_logged_newest_first,
            pending_wishes_are_unanswered_and_unhidden,
            exports_list_every_order,
            exports_list_nominations_and_registrations,
            attempts_are_counted_per_key_and_window,
            concurrent_attempts_are_counted_exactly,
            person_data_holds_everything_of_one_person,
            forgetting_a_person_erases_them_and_fixes_tallies,
            accounts_are_created_once_and_listed,
            sessions_idle_out_and_end_on_logout,
            disabling_or_a_new_password_ends_live_sessions,
            login_failures_run_until_cleared_or_lapsed,
            concurrent_login_failures_are_counted_exactly,
            actions_are_listed_per_actor,
            codes_hold_ten_minutes_and_five_wrong_tries_burn_them,
            a_code_verifies_only_its_own_number,
            code_requests_are_limited_per_number,
            concurrent_code_requests_send_one,
            devices_are_bound_to_their_person_and_expire,
            forgetting_a_person_drops_their_codes_and_devices,
            a_promotion_queues_one_text_for_the_promoted_guardian,
            a_message_is_claimed_once_and_settling_erases_the_number,
            forgetting_a_person_drops_their_messages,
            a_confirmed_place_is_told_at_once_and_a_waitlisted_one_when_promoted,
            a_drawn_place_is_told_to_its_guardian,
            an_applied_plan_tells_each_resident_who_asked_once,
            a_forum_tells_the_lecturers_nominators,
            a_reply_tells_the_wishs_author_once,
            a_plan_tells_more_residents_than_one_transaction_holds,
            activity_counts_by_month_in_china_time,
        );
    };
    (@cases ($enabled:expr) $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let enabled: bool = $enabled;
                if !enabled {
                    eprintln!("skipped: {}", stringify!($case));
                    return;
                }
                let store: ::std::sync::Arc<dyn $crate::store::Store> = $make.await;
                $crate::store::conformance::$case(store).await;
            }
        )*
    };
    ($make:expr) => {
        $crate::store_conformance_tests!(if true, $make);
    };
}

/// The secret the cases hash persons with.
pub fn secret() -> Secret {
    Secret::new("conformance-suite-secret").expect("a long enough secret")
}

/// A distinct phone number per index.
pub fn phone(i: u32) -> Phone {
    Phone::parse(&format!("138{:08}", i)).expect("a valid mobile number")
}

/// The key the cases seal numbers with.
pub fn data_key() -> &'static DataKey {
    static KEY: std::sync::OnceLock<DataKey> = std::sync::OnceLock::new();
    KEY.get_or_init(DataKey::random)
}

/// Person `i`'s number, sealed, as a form that asked to hear back passes it.
pub fn sealed(i: u32) -> SealedPhone {
    data_key().seal(&phone(i))
}

/// A distinct person per index.
pub fn person(i: u32) -> PersonKey {
    secret().person_key(&phone(i))
}

pub fn name(s: &str) -> PersonName {
    PersonName::parse(s).expect("a valid name")
}

/// A time on a day of December 2026, China time.
pub fn day(d: u32) -> DateTime<FixedOffset> {
    china_offset()
        .with_ymd_and_hms(2026, 12, d, 10, 0, 0)
        .single()
        .expect("a valid date")
}

/// Parses an id the cases spell out.
pub fn id<T: TryFrom<String>>(s: &str) -> T {
    T::try_from(s.to_owned()).unwrap_or_else(|_| panic!("{s} is a valid id"))
}
