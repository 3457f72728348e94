//! `POST /api/registrations` (报名): a child's place in a free course, or on its waitlist.

use chrono::{Duration, NaiveTime, TimeZone};
use serde::Serialize;

use super::fields::Checker;
use super::forms::{Control, FieldSpec, FormSpec};
use super::input::Fields;
use super::problem::{ApiError, Subject};
use super::respond;
use super::state::ApiState;
use super::submit::{public_form, Submitted};
use super::verify::{self, Verified};
use crate::catalogue::FormKind;
use crate::catalogue::{Catalogue, CourseFacts, WindowState};
use crate::clock::china_offset;
use crate::domain::{ChildAge, ConfirmationCode, CourseId};
use crate::store::reminder_time;
use crate::store::{NewRegistration, RegistrationStatus, Time};

const FIELDS: &[&str] = &[
    "course",
    "child_name",
    "child_age",
    "guardian_name",
    "phone",
    "code",
];

/// Registrations are kept this long after a course's last session, then may be purged.
const KEEP_AFTER_COURSE_DAYS: i64 = 30;

#[derive(Serialize)]
pub(super) struct RegistrationAnswer {
    status: RegistrationStatus,
    code: ConfirmationCode,
    course: CourseId,
    waitlist_position: Option<u32>,
    /// Carries the secret token: POSTing to it cancels.
    cancel_url: String,
    /// Carries the token too: the registration's status page.
    status_url: String,
    #[serde(skip)]
    receipt_path: String,
}

public_form!(
    Registration,
    Registrations,
    FIELDS,
    RegistrationAnswer.receipt_path,
    accept = register,
    spec = form
);

async fn register(s: &Submitted<'_>) -> Result<(RegistrationAnswer, Verified), ApiError> {
    let (state, catalogue, fields, caller) = (s.state, s.catalogue, s.fields, s.caller);
    let registration = check(state, catalogue, fields)?;
    let verified = verify::require_for(state, FormKind::Registrations, fields, caller).await?;
    let course = registration.course.clone();
    let done = (state.store().register(registration).await)
        .map_err(|e| ApiError::from_store(e, Subject::Registration))?;
    let token = respond::query(&[("token", done.token.reveal())]);
    let path = format!("/registrations/{}", done.code);
    let api = state.api_root();
    let answer = RegistrationAnswer {
        status: done.status,
        course,
        waitlist_position: done.waitlist_position,
        cancel_url: format!("{api}{path}/cancel?{token}"),
        status_url: format!("{api}{path}?{token}"),
        receipt_path: format!("/api{path}?{token}&new=1"),
        code: done.code,
    };
    Ok((answer, verified))
}

fn check(
    state: &ApiState,
    catalogue: &Catalogue,
    fields: &Fields,
) -> Result<NewRegistration, ApiError> {
    let mut c = Checker::new(fields);
    c.honeypot();
    let course = c.choice("course", &catalogue.courses);
    if let Some((_, facts)) = &course {
        check_window(facts, state.now().date_naive())?;
    }
    let child_name = c.name("child_name");
    let child_age = c.number("child_age", ChildAge::parse);
    if let (Some((_, facts)), Some(age)) = (&course, child_age) {
        if !facts.ages.contains(age.get()) {
            let (min, max) = (facts.ages.min, facts.ages.max);
            c.add(
                "child_age",
                format!("这门课程招收 {min} 到 {max} 岁的孩子。"),
            );
        }
    }
    let guardian_name = c.name("guardian_name");
    let phone = c.phone("phone");
    let (
        Some((course, facts)),
        Some(child_name),
        Some(child_age),
        Some(guardian_name),
        Some(phone),
    ) = (course, child_name, child_age, guardian_name, phone)
    else {
        return Err(c.into_error());
    };
    c.finish()?;
    Ok(NewRegistration {
        course,
        capacity: facts.capacity,
        waitlist: facts.waitlist,
        guardian_name,
        person: state.secret().person_key(&phone),
        reach: Some(state.seal(&phone)),
        phone,
        child_name,
        child_age,
        at: state.now(),
        expires_at: expiry(facts),
        allocation: facts.allocation,
        max_per_guardian: facts.max_per_guardian,
        remind_at: (facts.sessions.first()).and_then(|t| reminder_time(t.date_naive())),
    })
}

/// Registration is taken only inside the course's window (dates inclusive, China time).
fn check_window(facts: &CourseFacts, today: chrono::NaiveDate) -> Result<(), ApiError> {
    let w = facts.registration;
    match w.state_on(today) {
        WindowState::Open => Ok(()),
        WindowState::NotYetOpen => {
            let detail = format!(
                "“{}”将于 {} 开始报名，请到时再来。",
                facts.title,
                w.opens.format("%Y年%-m月%-d日")
            );
            Err(ApiError::conflict(
                "not-yet-open",
                "报名还没有开始",
                &detail,
            ))
        }
        WindowState::Closed => {
            let detail = format!(
                "“{}”的报名已于 {} 截止。请留意文化馆的下一期课程。",
                facts.title,
                w.closes.format("%Y年%-m月%-d日")
            );
            Err(ApiError::conflict("closed", "报名已经截止", &detail))
        }
    }
}

/// The course's last session (or, lacking sessions, its registration close) plus 30 days.
fn expiry(facts: &CourseFacts) -> Time {
    let last = facts.sessions.iter().max().copied().unwrap_or_else(|| {
        let midnight = facts.registration.closes.and_time(NaiveTime::MIN);
        (china_offset().from_local_datetime(&midnight).single())
            .unwrap_or_else(crate::clock::china_now)
    });
    last + Duration::days(KEEP_AFTER_COURSE_DAYS)
}

fn form(s: &Submitted<'_>) -> FormSpec {
    form_for(s.catalogue)
}

/// The form itself, for a catalogue: also the base of a village helper's form.
pub(super) fn form_for(catalogue: &Catalogue) -> FormSpec {
    let courses = (catalogue.courses.iter())
        .map(|(id, c)| {
            let words = format!("{}（{}–{} 岁）", c.title, c.ages.min, c.ages.max);
            (id.to_string(), words)
        })
        .collect();
    FormSpec {
        action: "/api/registrations".into(),
        title: "少儿免费课程报名".into(),
        intro: Some("名额有限，报满后可以排候补；有人取消时按报名先后递补。".into()),
        submit: "提交报名",
        fields: vec![
            FieldSpec::new("course", Control::Select(courses), true),
            FieldSpec::person("child_name", true),
            FieldSpec::new(
                "child_age",
                Control::Number {
                    min: 0,
                    max: ChildAge::MAX,
                },
                true,
            )
            .hint("填周岁，例如 8。"),
            FieldSpec::person("guardian_name", true),
            FieldSpec::new("phone", Control::Phone, true)
                .hint("家长的手机号码。递补或课程有变动时，工作人员会打这个电话。"),
        ],
    }
}
