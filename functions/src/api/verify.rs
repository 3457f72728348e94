//! Verified voices. `POST /api/verify` sends a phone a one-time code by text message, and
//! [`require`] stands before every counted submission of a form that `site.yaml`'s `verify:`
//! names: it needs a verified-device token for the same phone, or that phone's current code
//! (which earns a token), or nothing is counted. In mainland China every mobile number is
//! registered to a real name, so this is what makes "one person, one voice" hold.

use std::net::IpAddr;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Serialize;

use super::fields::Checker;
use super::forms::{Control, FieldSpec, FormSpec};
use super::guard::ClientAddr;
use super::html::{self, escape};
use super::input::{read_submission, Fields, Mode};
use super::problem::{ApiError, FieldError};
use super::respond;
use super::state::ApiState;
use crate::catalogue::FormKind;
use crate::domain::{DeviceToken, OneTimeCode, Phone};
use crate::sms::{Message, SmsError, Template};
use crate::store::{
    Attempt, CodeCheck, Issued, LimitKey, NewCode, NewDevice, CODE_SECS, DEVICE_SECS, RESEND_SECS,
};

/// The form field a code is typed into.
pub const CODE_FIELD: &str = "code";
/// The cookie holding a browser's device token.
pub const COOKIE: &str = "diandan_verified";
/// `Authorization: Verified <token>`, for app clients.
const AUTH_SCHEME: &str = "Verified";
/// Codes one client address may ask for per hour: a village culture station helps several
/// residents from one connection, but not dozens an hour.
const PER_CLIENT_PER_HOUR: u32 = 10;

pub(super) const MISSING: &str = "请先获取短信验证码";

/// Who is submitting, beyond the fields: how they talk, their headers (cookie, token), and
/// their address (for the per-client limit on codes).
pub(super) struct Caller<'a> {
    pub mode: Mode,
    pub headers: &'a HeaderMap,
    pub client: Option<IpAddr>,
}

impl<'a> Caller<'a> {
    pub fn new(mode: Mode, headers: &'a HeaderMap, client: Option<Extension<ClientAddr>>) -> Self {
        Self {
            mode,
            headers,
            client: client.map(|Extension(ClientAddr(ip))| ip),
        }
    }
}

/// The outcome of [`require`]: a new device token when a code just earned one.
#[derive(Debug, Default)]
pub(super) struct Verified {
    token: Option<DeviceToken>,
}

impl Verified {
    /// A JSON answer with the new token (`verified_token`) and its cookie, if any.
    pub fn json<T: Serialize>(&self, state: &ApiState, status: StatusCode, answer: &T) -> Response {
        let mut value = serde_json::to_value(answer).unwrap_or_default();
        if let (Some(token), Some(map)) = (&self.token, value.as_object_mut()) {
            map.insert("verified_token".into(), token.reveal().into());
        }
        self.with_cookie(state, respond::json(status, &value))
    }

    /// `303` to the receipt, setting the cookie if a token was earned.
    pub fn see_other(&self, state: &ApiState, location: &str) -> Response {
        self.with_cookie(state, respond::see_other(location))
    }

    fn with_cookie(&self, state: &ApiState, mut response: Response) -> Response {
        if let Some(token) = &self.token {
            let secure = if state.base_url().starts_with("https://") {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{COOKIE}={}; Path=/api; Max-Age={DEVICE_SECS}; HttpOnly; SameSite=Lax{secure}",
                token.reveal()
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// Lets a submission of `form` from `phone` count, or says why not (a 422 on `code`). With a
/// plain HTML form and no usable code, a code is sent first, so the resident only has to type
/// it into the form that comes back.
pub(super) async fn require(
    state: &ApiState,
    form: FormKind,
    phone: &Phone,
    fields: &Fields,
    caller: &Caller<'_>,
) -> Result<Verified, ApiError> {
    if !state.catalogue().needs_code(form) {
        return Ok(Verified::default());
    }
    let person = state.secret().person_key(phone);
    let now = state.now().timestamp();
    for token in tokens(caller.headers) {
        let found = (state
            .store()
            .device_person(&token.hash(state.secret()), now)
            .await)
            .map_err(|e| ApiError::internal(&e.to_string()))?;
        if found.as_ref() == Some(&person) {
            return Ok(Verified::default());
        }
    }
    let typed = fields.get(CODE_FIELD);
    let check = match typed.map(OneTimeCode::parse) {
        Some(None) => return Err(code_error("验证码是短信里的 6 位数字，请核对后再提交。")),
        Some(Some(code)) => {
            let hash = code.hash(state.secret(), &person);
            (state.store().check_code(&person, &hash, now).await)
                .map_err(|e| ApiError::internal(&e.to_string()))?
        }
        None => CodeCheck::Missing,
    };
    match check {
        CodeCheck::Valid => earn_token(state, person, now).await,
        CodeCheck::Wrong { tries_left: 0 } => Err(code_error(
            "验证码输错次数太多，已经失效。请重新获取验证码。",
        )),
        CodeCheck::Wrong { tries_left } => Err(code_error(&format!(
            "验证码不对，请核对短信里的 6 位数字（还可以再试 {tries_left} 次）。"
        ))),
        CodeCheck::Missing if caller.mode == Mode::Form => {
            Err(send_for_form(state, phone, caller.client, typed.is_some()).await)
        }
        CodeCheck::Missing if typed.is_some() => {
            Err(code_error("验证码已过期或已失效，请重新获取验证码。"))
        }
        CodeCheck::Missing => Err(code_error(MISSING)),
    }
}

async fn earn_token(
    state: &ApiState,
    person: crate::domain::PersonKey,
    now: i64,
) -> Result<Verified, ApiError> {
    let token = DeviceToken::random();
    let device = NewDevice {
        token_hash: token.hash(state.secret()),
        person,
        expires_at: now + DEVICE_SECS,
    };
    (state.store().add_device(device).await).map_err(|e| ApiError::internal(&e.to_string()))?;
    Ok(Verified { token: Some(token) })
}

/// The device tokens a request carries: its cookie(s) and an `Authorization: Verified` header.
fn tokens(headers: &HeaderMap) -> Vec<DeviceToken> {
    let mut found = Vec::new();
    for value in headers.get_all(header::COOKIE) {
        let text = value.to_str().unwrap_or_default();
        for pair in text.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                if name == COOKIE {
                    found.extend(DeviceToken::parse(value));
                }
            }
        }
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if let Some((scheme, value)) = auth.and_then(|a| a.trim().split_once(' ')) {
        if scheme.eq_ignore_ascii_case(AUTH_SCHEME) {
            found.extend(DeviceToken::parse(value));
        }
    }
    found
}

fn code_error(message: &str) -> ApiError {
    ApiError::validation(vec![FieldError {
        field: CODE_FIELD.to_owned(),
        message: message.to_owned(),
    }])
}

/// A plain form arrived without a usable code: send one and say so on the `code` field.
async fn send_for_form(
    state: &ApiState,
    phone: &Phone,
    client: Option<IpAddr>,
    expired: bool,
) -> ApiError {
    let masked = phone.masked();
    match send_code(state, phone, client).await {
        Ok(()) => code_error(&format!(
            "{}验证码已发送至 {masked}，10 分钟内有效。请填写短信里的 6 位数字，再提交一次。",
            if expired { "原来的验证码已失效，新的" } else { "" }
        )),
        Err(Refusal::Wait(seconds)) if seconds <= RESEND_SECS as u32 => code_error(&format!(
            "验证码刚刚发送至 {masked}，请查看短信并填写；如果没有收到，请 {seconds} 秒后再提交一次。"
        )),
        Err(refusal) => refusal.into_error().0,
    }
}

/// Why no code was sent.
enum Refusal {
    /// A limit: ask again in this many seconds.
    Wait(u32),
    Sms(SmsError),
    Unavailable(String),
}

impl Refusal {
    /// The answer, with any `Retry-After` seconds.
    fn into_error(self) -> (ApiError, Option<u32>) {
        match self {
            Refusal::Wait(seconds) => {
                let wait = if seconds >= 120 {
                    format!("{} 分钟", seconds.div_ceil(60))
                } else {
                    format!("{seconds} 秒")
                };
                let detail = format!(
                    "为防止短信被滥用，每个号码每分钟只能获取一次验证码，每小时、每天也有次数限制。请 {wait}后再获取。"
                );
                let error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "获取验证码太频繁了",
                    &detail,
                );
                (error, Some(seconds))
            }
            Refusal::Sms(SmsError::NumberLimit { .. }) => {
                let error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "这个号码今天收到的短信太多了",
                    "短信服务商限制了这个号码今天能收到的短信数量，请明天再试，或拨打文化馆服务台电话。",
                );
                (error, Some(3600))
            }
            Refusal::Sms(e) => {
                tracing::error!(error = %e, "a verification text could not be sent");
                (sms_down(), None)
            }
            Refusal::Unavailable(cause) => {
                tracing::error!(%cause, "verification codes cannot be sent");
                (sms_down(), None)
            }
        }
    }
}

fn sms_down() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "短信暂时发不出去",
        "请稍后再试；如果一直不行，请拨打文化馆服务台电话。",
    )
}

/// Sends `phone` a fresh code, within the per-client and per-number limits.
async fn send_code(state: &ApiState, phone: &Phone, client: Option<IpAddr>) -> Result<(), Refusal> {
    let Some(sms) = state.sms() else {
        return Err(Refusal::Unavailable("no SMS provider is configured".into()));
    };
    let now = state.now().timestamp();
    if let Some(ip) = client {
        let key = LimitKey::client(state.secret(), ip).for_codes();
        let attempt = Attempt::new(key, now, 3600);
        let ends = attempt.expires_at;
        match state.store().count_attempt(attempt).await {
            Ok(n) if n > PER_CLIENT_PER_HOUR => {
                return Err(Refusal::Wait(
                    u32::try_from((ends - now).max(1)).unwrap_or(3600),
                ))
            }
            Ok(_) => {}
            Err(e) => return Err(Refusal::Unavailable(e.to_string())),
        }
    }
    let person = state.secret().person_key(phone);
    let code = OneTimeCode::random();
    let new = NewCode {
        hash: code.hash(state.secret(), &person),
        person,
        at: now,
    };
    match state.store().issue_code(new).await {
        Ok(Issued::Sent) => {}
        Ok(Issued::Wait(seconds)) => return Err(Refusal::Wait(seconds)),
        Err(e) => return Err(Refusal::Unavailable(e.to_string())),
    }
    let message = Message {
        phone: phone.clone(),
        template: Template::Code,
        params: vec![("code", code.reveal().to_owned())],
    };
    sms.send(&message).await.map_err(Refusal::Sms)
}

#[derive(Serialize)]
struct SentAnswer {
    phone: String,
    expires_in: i64,
    resend_after: i64,
}

/// `POST /api/verify` `{phone}`: `202` once a code is on its way.
pub(super) async fn post(
    State(state): State<ApiState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (mode, fields) = match read_submission(&headers, body, &["phone"]).await {
        Ok(read) => read,
        Err(rejected) => return respond::rejected(&state, rejected),
    };
    let caller = Caller::new(mode, &headers, client);
    let mut c = Checker::new(&fields);
    c.honeypot();
    let phone = c.phone("phone");
    let phone = match (phone, c.finish()) {
        (Some(phone), Ok(())) => phone,
        (_, Err(err)) => return respond::fail(&state, mode, err, &fields, verify_form),
        (None, Ok(())) => {
            return respond::fail(&state, mode, phone_required(), &fields, verify_form)
        }
    };
    match send_code(&state, &phone, caller.client).await {
        Ok(()) => sent(&state, mode, &phone),
        Err(refusal) => {
            let (error, retry) = refusal.into_error();
            let mut response = respond::fail(&state, mode, error, &fields, verify_form);
            if let Some(seconds) = retry {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    }
}

fn phone_required() -> ApiError {
    ApiError::validation(vec![FieldError {
        field: "phone".into(),
        message: "请填写手机号码。".into(),
    }])
}

fn sent(state: &ApiState, mode: Mode, phone: &Phone) -> Response {
    if mode == Mode::Json {
        let answer = SentAnswer {
            phone: phone.masked(),
            expires_in: CODE_SECS,
            resend_after: RESEND_SECS,
        };
        return respond::json(StatusCode::ACCEPTED, &answer);
    }
    let body = format!(
        "<h1>验证码已发送</h1>\n<p>验证码已发送至 {}，10 分钟内有效。请回到刚才的页面，填写短信里的 6 位数字后提交。</p>\n",
        escape(&phone.masked())
    );
    html::respond(
        StatusCode::ACCEPTED,
        html::page(&state.chrome(), "验证码已发送", &body),
    )
}

/// The form of `POST /api/verify` itself, re-shown after a mistake.
fn verify_form() -> FormSpec {
    FormSpec {
        action: "/api/verify".into(),
        title: "获取短信验证码".into(),
        intro: None,
        submit: "获取验证码",
        fields: vec![FieldSpec::new("phone", Control::Phone, true)],
    }
}

/// A form re-shown after a mistake: with the code field when `form` needs a code, and, when
/// the mistake is about the code, with the phone number kept (the code was sent to it; making
/// the resident retype it would invite a typo that makes the code useless).
pub(super) fn fail(
    state: &ApiState,
    caller_mode: Mode,
    form: FormKind,
    err: ApiError,
    fields: &Fields,
    spec: impl FnOnce() -> FormSpec,
) -> Response {
    let needs = state.catalogue().needs_code(form);
    let keep_phone = err.errors.iter().any(|e| e.field == CODE_FIELD);
    respond::fail(state, caller_mode, err, fields, || {
        let mut spec = spec();
        if needs {
            with_code_field(&mut spec, keep_phone);
        }
        spec
    })
}

fn with_code_field(spec: &mut FormSpec, keep_phone: bool) {
    let Some(at) = spec.fields.iter().position(|f| f.name == "phone") else {
        return;
    };
    if keep_phone {
        spec.fields[at].control = Control::PhoneKept;
    }
    let code = FieldSpec::new(CODE_FIELD, Control::Code, true)
        .hint("发送到上面手机号码的 6 位数字。同一部手机验证一次，30 天内再提交不用再收短信。");
    spec.fields.insert(at + 1, code);
}

/// [`require`] for a submission whose fields were checked already, the phone among them (a
/// form without a phone, such as a wish, must carry one when it needs a code).
pub(super) async fn require_for(
    state: &ApiState,
    form: FormKind,
    fields: &Fields,
    caller: &Caller<'_>,
) -> Result<Verified, ApiError> {
    if !state.catalogue().needs_code(form) {
        return Ok(Verified::default());
    }
    let mut c = Checker::new(fields);
    match c.phone("phone") {
        Some(phone) => require(state, form, &phone, fields, caller).await,
        None => Err(c.into_error()),
    }
}
