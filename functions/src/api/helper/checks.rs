//! Each kind of proxy submission checked with the public forms' field types and rules, plus
//! the channel and the helper's townships, then stored through the same store operations.

use chrono::{Duration, NaiveTime, TimeZone};
use serde_json::{json, Value};

use super::kind::Kind;
use crate::api::fields::Checker;
use crate::api::input::Fields;
use crate::api::problem::{ApiError, Subject};
use crate::api::state::ApiState;
use crate::catalogue::{Catalogue, CourseFacts, WindowState};
use crate::clock::china_offset;
use crate::domain::{CancelToken, Channel, ChildAge, PersonName, Stars, TownshipId};
use crate::store::reminder_time;
use crate::store::{
    Account, NewNomination, NewOrder, NewRating, NewRegistration, NewWish, RegistrationStatus, Time,
};

/// Registrations are kept this long after the course's last session, as the public form does.
const KEEP_AFTER_COURSE_DAYS: i64 = 30;

/// A submission ready for the store.
pub(super) enum Checked {
    Order(NewOrder, Channel),
    Nomination(NewNomination, Channel),
    Registration(NewRegistration, Channel, TownshipId),
    Rating(NewRating, Channel, TownshipId),
    Wish(NewWish, Channel),
}

/// What was stored: for the log, the JSON answer and the receipt read out to the resident.
pub(super) struct Done {
    pub kind: Kind,
    pub subject: String,
    pub log_detail: String,
    pub json: Value,
    pub receipt: Vec<String>,
}

/// The channel and the resident's township, which must be one the helper serves.
fn common(
    c: &mut Checker<'_>,
    catalogue: &Catalogue,
    helper: &Account,
) -> Option<(Channel, TownshipId)> {
    let channel = match c.optional("channel").map(str::parse::<Channel>) {
        Some(Ok(channel)) => Some(channel),
        _ => {
            let message = "请选择代办方式：纸质登记（paper）、电话（phone）或上门（visit）。";
            c.add("channel", message.to_owned());
            None
        }
    };
    let township = c.choice("township", &catalogue.townships).map(|(t, _)| t);
    if let Some(t) = &township {
        if !helper.serves(t) {
            let message = "这个乡镇（街道）不在您的帮办范围内，请让当地的帮办员或文化馆代办。";
            c.add("township", message.to_owned());
            return None;
        }
    }
    Some((channel?, township?))
}

pub(super) fn check(
    state: &ApiState,
    helper: &Account,
    kind: Kind,
    fields: &Fields,
) -> Result<Checked, ApiError> {
    let catalogue = state.catalogue();
    let mut c = Checker::new(fields);
    let common = common(&mut c, &catalogue, helper);
    let checked = match kind {
        Kind::Order => order(state, &catalogue, &mut c),
        Kind::Nomination => nomination(state, &catalogue, &mut c),
        Kind::Registration => registration(state, &catalogue, &mut c)?,
        Kind::Rating => rating(state, &catalogue, &mut c)?,
        Kind::Wish => wish(state, &mut c),
    };
    let (Some((channel, township)), Some(checked)) = (common, checked) else {
        return Err(c.into_error());
    };
    c.finish()?;
    Ok(match checked {
        Partial::Order(mut o) => {
            o.township = township;
            Checked::Order(o, channel)
        }
        Partial::Nomination(mut n) => {
            n.township = township;
            Checked::Nomination(n, channel)
        }
        Partial::Wish(mut w) => {
            w.township = township;
            Checked::Wish(w, channel)
        }
        Partial::Registration(r) => Checked::Registration(r, channel, township),
        Partial::Rating(r) => Checked::Rating(r, channel, township),
    })
}

/// A checked submission before the township is set (it comes from [`common`]).
enum Partial {
    Order(NewOrder),
    Nomination(NewNomination),
    Registration(NewRegistration),
    Rating(NewRating),
    Wish(NewWish),
}

/// A placeholder overwritten by the checked township.
fn any_township(catalogue: &Catalogue) -> Option<TownshipId> {
    catalogue.townships.keys().next().cloned()
}

fn order(state: &ApiState, catalogue: &Catalogue, c: &mut Checker<'_>) -> Option<Partial> {
    let program = c.choice("program", &catalogue.programs);
    if let Some((_, facts)) = &program {
        if !facts.orderable {
            c.add("program", format!("“{}”目前暂停点单。", facts.title));
        }
    }
    let name = c.name("name");
    let phone = c.phone("phone");
    let note = c.optional_text::<1, 200>("note");
    let reach = c.reach(state, phone.as_ref());
    let ((program, _), name, phone) = (program?, name?, phone?);
    Some(Partial::Order(NewOrder {
        program,
        township: any_township(catalogue)?,
        person: state.secret().person_key(&phone),
        name,
        note,
        at: state.now(),
        reach,
    }))
}

fn nomination(state: &ApiState, catalogue: &Catalogue, c: &mut Checker<'_>) -> Option<Partial> {
    let lecturer = c.choice("lecturer", &catalogue.lecturers);
    let name = c.name("name");
    let phone = c.phone("phone");
    let topic = c.optional_text::<1, 200>("topic");
    let reach = c.reach(state, phone.as_ref());
    let ((lecturer, facts), name, phone) = (lecturer?, name?, phone?);
    Some(Partial::Nomination(NewNomination {
        lecturer,
        township: any_township(catalogue)?,
        person: state.secret().person_key(&phone),
        name,
        topic,
        threshold: facts.threshold,
        at: state.now(),
        withdraw: CancelToken::random(),
        reach,
    }))
}

fn wish(state: &ApiState, c: &mut Checker<'_>) -> Option<Partial> {
    let text = c.text::<5, 500>("text");
    let name = c.optional_name("name");
    let phone = c.optional_phone("phone");
    let reach = c.reach(state, phone.as_ref());
    Some(Partial::Wish(NewWish {
        text: text?,
        township: any_township(&state.catalogue())?,
        name,
        person: phone.map(|p| state.secret().person_key(&p)),
        at: state.now(),
        reach,
    }))
}

fn registration(
    state: &ApiState,
    catalogue: &Catalogue,
    c: &mut Checker<'_>,
) -> Result<Option<Partial>, ApiError> {
    let course = c.choice("course", &catalogue.courses);
    if let Some((_, facts)) = &course {
        if facts.registration.state_on(state.now().date_naive()) != WindowState::Open {
            let detail = format!("“{}”现在不在报名时间内。", facts.title);
            return Err(ApiError::conflict("closed", "现在不能报名", &detail));
        }
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
        return Ok(None);
    };
    Ok(Some(Partial::Registration(NewRegistration {
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
    })))
}

/// The course's last session (or its registration close) plus the keeping period.
fn expiry(facts: &CourseFacts) -> Time {
    let last = facts.sessions.iter().max().copied().unwrap_or_else(|| {
        let midnight = facts.registration.closes.and_time(NaiveTime::MIN);
        (china_offset().from_local_datetime(&midnight).single())
            .unwrap_or_else(crate::clock::china_now)
    });
    last + Duration::days(KEEP_AFTER_COURSE_DAYS)
}

fn rating(
    state: &ApiState,
    catalogue: &Catalogue,
    c: &mut Checker<'_>,
) -> Result<Option<Partial>, ApiError> {
    let slot = c.choice("slot", &catalogue.slots);
    if let Some((_, facts)) = &slot {
        if facts.date > state.now().date_naive() {
            let detail = "这场活动还没有举行，请在活动之后再来评价。";
            return Err(ApiError::conflict("not-yet-held", "活动还没有举行", detail));
        }
    }
    let phone = c.phone("phone");
    let stars = c.number("stars", Stars::parse);
    let comment = c.optional_text::<1, 300>("comment");
    let (Some((slot, _)), Some(phone), Some(stars)) = (slot, phone, stars) else {
        return Ok(None);
    };
    Ok(Some(Partial::Rating(NewRating {
        slot,
        person: state.secret().person_key(&phone),
        stars,
        comment,
        at: state.now(),
    })))
}

fn detail(channel: Channel, township: &TownshipId, who: Option<&PersonName>) -> String {
    let who = who
        .map(PersonName::masked)
        .unwrap_or_else(|| "（未留名）".into());
    format!("{} · {township} · {who}", channel.words())
}

/// Stores the submission through the public forms' store operation.
pub(super) async fn store(state: &ApiState, checked: Checked) -> Result<Done, ApiError> {
    let store = state.store();
    let catalogue = state.catalogue();
    match checked {
        Checked::Order(o, channel) => {
            let (program, township) = (o.program.clone(), o.township.clone());
            let log_detail = detail(channel, &township, Some(&o.name));
            let title =
                (catalogue.programs.get(&program)).map_or(String::new(), |p| p.title.clone());
            let out = store
                .order(o)
                .await
                .map_err(|e| ApiError::from_store(e, Subject::Order))?;
            let line = format!(
                "已代为点单“{title}”。本乡镇（街道）已有 {} 人点了这个节目。",
                out.township_count
            );
            Ok(Done {
                kind: Kind::Order,
                subject: program.to_string(),
                log_detail,
                json: json!({ "kind": "order", "channel": channel, "program": program, "township": township, "township_count": out.township_count, "program_total": out.program_total, "receipt": [line] }),
                receipt: vec![line],
            })
        }
        Checked::Nomination(n, channel) => {
            let (lecturer, township) = (n.lecturer.clone(), n.township.clone());
            let log_detail = detail(channel, &township, Some(&n.name));
            let who =
                (catalogue.lecturers.get(&lecturer)).map_or(String::new(), |l| l.name.clone());
            let token = n.withdraw.clone();
            let out = (store.nominate(n).await)
                .map_err(|e| ApiError::from_store(e, Subject::Nomination))?;
            let q = super::super::respond::query(&[("token", token.reveal())]);
            let withdraw_url = format!("{}/nominations/{lecturer}/withdraw?{q}", state.api_root());
            let receipt = vec![
                format!(
                    "已代为点将{who}：现有 {} 人点将，满 {} 人开讲。",
                    out.count, out.threshold
                ),
                format!("想撤回点将时，打开这个链接并填写手机号：{withdraw_url}"),
            ];
            Ok(Done {
                kind: Kind::Nomination,
                subject: lecturer.to_string(),
                log_detail,
                json: json!({ "kind": "nomination", "channel": channel, "lecturer": lecturer, "township": township, "count": out.count, "threshold": out.threshold, "withdraw_url": withdraw_url, "receipt": receipt }),
                receipt,
            })
        }
        Checked::Wish(w, channel) => {
            let township = w.township.clone();
            let log_detail = detail(channel, &township, w.name.as_ref());
            let id = store
                .wish(w)
                .await
                .map_err(|e| ApiError::from_store(e, Subject::Wish))?;
            let line = "诉求已经收到，文化馆答复后会在网站的诉求墙上公布。".to_owned();
            Ok(Done {
                kind: Kind::Wish,
                subject: id.to_string(),
                log_detail,
                json: json!({ "kind": "wish", "channel": channel, "id": id, "township": township, "receipt": [line] }),
                receipt: vec![line],
            })
        }
        Checked::Registration(r, channel, township) => {
            registered(state, r, channel, township).await
        }
        Checked::Rating(r, channel, township) => {
            let slot = r.slot.clone();
            let stars = r.stars.get();
            store
                .rate(r)
                .await
                .map_err(|e| ApiError::from_store(e, Subject::Rating))?;
            let line = format!("已代为评价：{stars} 颗星。谢谢参与！");
            Ok(Done {
                kind: Kind::Rating,
                subject: slot.to_string(),
                log_detail: detail(channel, &township, None),
                json: json!({ "kind": "rating", "channel": channel, "slot": slot, "stars": stars, "receipt": [line] }),
                receipt: vec![line],
            })
        }
    }
}

async fn registered(
    state: &ApiState,
    r: NewRegistration,
    channel: Channel,
    township: TownshipId,
) -> Result<Done, ApiError> {
    let course = r.course.clone();
    let log_detail = detail(channel, &township, Some(&r.guardian_name));
    let title = (state.catalogue().courses.get(&course)).map_or(String::new(), |c| c.title.clone());
    let done = (state.store().register(r).await)
        .map_err(|e| ApiError::from_store(e, Subject::Registration))?;
    let token = super::super::respond::query(&[("token", done.token.reveal())]);
    let cancel_url = format!(
        "{}/registrations/{}/cancel?{token}",
        state.api_root(),
        done.code
    );
    let status = match (done.status, done.waitlist_position) {
        (RegistrationStatus::Confirmed, _) => "报名成功，已录取".to_owned(),
        (_, Some(n)) => format!("名额已满，排在候补第 {n} 位"),
        _ => "已登记，结果会另行通知（抽签课程在报名截止后抽签）".to_owned(),
    };
    let receipt = vec![
        format!("“{title}”：{status}。"),
        format!("报名码：{}（请让家长记下，取消报名时要用）", done.code),
        format!("取消报名的链接：{cancel_url}"),
    ];
    Ok(Done {
        kind: Kind::Registration,
        subject: course.to_string(),
        log_detail,
        json: json!({ "kind": "registration", "channel": channel, "course": course, "status": done.status, "code": done.code, "waitlist_position": done.waitlist_position, "cancel_url": cancel_url, "receipt": receipt }),
        receipt,
    })
}
