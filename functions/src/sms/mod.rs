//! Text messages: one small trait, [`Sms`], and a provider per vendor, chosen by `DIANDAN_SMS`:
//! `aliyun` (Aliyun SMS), `tencent` (Tencent Cloud SMS), `console` (printed on the terminal of
//! `diandan serve`, for trying the site without any account) or `off`.
//!
//! The vendors' requests are signed here with `hmac` + `sha2` (their Rust crates are young
//! single-maintainer projects); each signer reproduces its vendor's documented example in the
//! unit tests, and `functions/tests/sms.rs` runs the adapters against loopback stand-ins.

pub mod aliyun;
pub mod console;
mod http;
pub mod inbox;
pub mod sign;
pub mod tencent;
pub mod testing;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{mask_phones_in, Phone};

pub use aliyun::Aliyun;
pub use console::Console;
pub use inbox::Inbox;
pub use tencent::Tencent;

pub const PROVIDER_VAR: &str = "DIANDAN_SMS";
pub const ENDPOINT_VAR: &str = "DIANDAN_SMS_ENDPOINT";
pub const SIGN_NAME_VAR: &str = "DIANDAN_SMS_SIGN_NAME";

/// The kinds of message the service sends; each is its own template approved at the vendor,
/// its code read from `DIANDAN_SMS_TEMPLATE_<KIND>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Template {
    /// A one-time code; parameter `code`.
    Code,
    /// A registration has a place (at once or drawn): `course`, `code`, `first`, as below.
    Confirmed,
    /// A waitlisted child has a place: `course` (its title), `code` (the registration's),
    /// `first` (the first session, e.g. 1月18日).
    Promoted,
    /// An ordered program is on the township's stage: `program` (its title), `date`
    /// (12月12日), `time` (19:30), `venue`.
    Scheduled,
    /// A nominated lecturer has a forum: `lecturer` (the name), `date`, `township`, `venue`.
    Lecture,
    /// Staff answered a wish: `township` (where it was asked).
    Answered,
    /// Tomorrow's stage or first session: `what` (the program or course), `date`, `time`.
    Reminder,
}

impl Template {
    pub const ALL: [Template; 7] = [
        Template::Code,
        Template::Confirmed,
        Template::Promoted,
        Template::Scheduled,
        Template::Lecture,
        Template::Answered,
        Template::Reminder,
    ];

    /// The variable holding the vendor's template code for this kind.
    pub fn var(self) -> &'static str {
        match self {
            Template::Code => "DIANDAN_SMS_TEMPLATE_CODE",
            Template::Confirmed => "DIANDAN_SMS_TEMPLATE_CONFIRMED",
            Template::Promoted => "DIANDAN_SMS_TEMPLATE_PROMOTED",
            Template::Scheduled => "DIANDAN_SMS_TEMPLATE_SCHEDULED",
            Template::Lecture => "DIANDAN_SMS_TEMPLATE_LECTURE",
            Template::Answered => "DIANDAN_SMS_TEMPLATE_ANSWERED",
            Template::Reminder => "DIANDAN_SMS_TEMPLATE_REMINDER",
        }
    }

    /// The message's words, as the console prints them (the vendors fill their own templates,
    /// whose texts docs/notifications.md gives for approval).
    fn words(self, params: &[(&'static str, String)]) -> String {
        let get = |name: &str| {
            (params.iter())
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        match self {
            Template::Code => format!(
                "您的验证码是 {}，10 分钟内有效。请勿告诉他人；如非本人操作，请忽略。",
                get("code")
            ),
            Template::Promoted => format!(
                "好消息：有家长退出了“{}”，您的孩子已从候补转为正式报名（报名码 {}），第一次课在 {}。不能来请凭报名码取消，把名额留给别人。",
                get("course"),
                get("code"),
                get("first")
            ),
            Template::Confirmed => format!(
                "报名成功：您的孩子已报上“{}”（报名码 {}），第一次课在 {}。不能来请凭报名码取消，把名额留给别人。",
                get("course"),
                get("code"),
                get("first")
            ),
            Template::Scheduled => format!(
                "您点的“{}”排上了！{} {} 在{}演出，欢迎来看。",
                get("program"),
                get("date"),
                get("time"),
                get("venue")
            ),
            Template::Lecture => format!(
                "您点将的{}老师来开讲了：{}在{}{}，欢迎来听。",
                get("lecturer"),
                get("date"),
                get("township"),
                get("venue")
            ),
            Template::Answered => format!(
                "您在{}提的诉求，文化馆已经答复，请到网站“群众诉求”栏目查看。",
                get("township")
            ),
            Template::Reminder => format!(
                "提醒您：明天（{}）{}，{}，别忘了来。",
                get("date"),
                get("time"),
                get("what")
            ),
        }
    }
}

/// The vendor's template code for each kind of message (`DIANDAN_SMS_TEMPLATE_<KIND>`): the
/// code's is required; the others only for the messages they send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates(std::collections::BTreeMap<Template, String>);

impl Templates {
    pub fn from_lookup(value: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let code = need(
            value,
            Template::Code.var(),
            "the approved template of the verification text (Aliyun: SMS_…; Tencent: its id)",
        )?;
        let mut map = std::collections::BTreeMap::from([(Template::Code, code)]);
        for t in Template::ALL.into_iter().skip(1) {
            if let Some(v) = value(t.var()).filter(|v| !v.trim().is_empty()) {
                map.insert(t, v.trim().to_owned());
            }
        }
        Ok(Self(map))
    }

    /// The template for `t`; none set is a refusal the sender records (not a retry).
    pub fn get(&self, t: Template) -> Result<&str, SmsError> {
        (self.0.get(&t).map(String::as_str)).ok_or_else(|| SmsError::NotApproved {
            code: format!("{} is not set", t.var()),
        })
    }
}

/// One message to one phone. `Debug` shows neither the number nor the parameters (a code is
/// one of them), so a message can never reach a log line whole.
#[derive(Clone)]
pub struct Message {
    pub phone: Phone,
    pub template: Template,
    pub params: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("phone", &self.phone.masked())
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

/// Why a message was not sent, in the vendors' terms made common.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The vendor did not accept our signature or key: the deployment's credentials are wrong.
    #[error(
        "the SMS service refused our signature or key ({code}); check the access key and secret"
    )]
    SignatureRefused { code: String },
    /// The sign name or the template is not approved (or does not match its parameters).
    #[error("the SMS service has not approved the sign name or template ({code})")]
    NotApproved { code: String },
    /// The vendor's own limit for this number (per day, per hour…) is reached.
    #[error("the SMS service's limit for this number is reached ({code})")]
    NumberLimit { code: String },
    /// Any other refusal.
    #[error("the SMS service refused the message ({code}): {message}")]
    Refused { code: String, message: String },
    /// No answer, or one that could not be read.
    #[error("the SMS service could not be reached: {0}")]
    Transport(String),
}

impl SmsError {
    /// A vendor's message, with any phone number in it masked.
    fn refused(code: &str, message: &str) -> Self {
        SmsError::Refused {
            code: code.to_owned(),
            message: mask_phones_in(message).chars().take(200).collect(),
        }
    }
}

/// Sends text messages.
#[async_trait]
pub trait Sms: Send + Sync {
    async fn send(&self, message: &Message) -> Result<(), SmsError>;
}

pub type SharedSms = Arc<dyn Sms>;

/// A request ready to send to a vendor: URL, headers (signature included) and body.
pub type Outgoing = (String, Vec<(String, String)>, Vec<u8>);

/// Which provider `DIANDAN_SMS` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Aliyun,
    Tencent,
    Console,
    Off,
}

impl Choice {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "aliyun" => Ok(Choice::Aliyun),
            "tencent" => Ok(Choice::Tencent),
            "console" => Ok(Choice::Console),
            "off" | "" => Ok(Choice::Off),
            other => Err(format!(
                "{PROVIDER_VAR}={other} is not a provider: write aliyun, tencent, console or off"
            )),
        }
    }
}

/// The provider the environment describes; `default` applies when `DIANDAN_SMS` is unset
/// (`console` for `diandan serve`, `off` on Lambda). `Ok(None)` is `off`. A missing setting
/// of the chosen vendor is an error naming the variable.
pub fn from_lookup(
    get: impl Fn(&str) -> Option<String>,
    default: Choice,
) -> Result<Option<SharedSms>, String> {
    let value = |var: &str| get(var).filter(|v| !v.trim().is_empty());
    let choice = match value(PROVIDER_VAR) {
        Some(text) => Choice::parse(&text)?,
        None => default,
    };
    Ok(match choice {
        Choice::Off => None,
        Choice::Console => Some(Arc::new(Console)),
        Choice::Aliyun => Some(Arc::new(Aliyun::from_lookup(&value)?)),
        Choice::Tencent => Some(Arc::new(Tencent::from_lookup(&value)?)),
    })
}

/// A setting the chosen vendor needs.
fn need(value: &impl Fn(&str) -> Option<String>, var: &str, what: &str) -> Result<String, String> {
    value(var)
        .map(|v| v.trim().to_owned())
        .ok_or_else(|| format!("{var} is not set: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_debug_print_their_code_or_number() {
        let message = Message {
            phone: Phone::parse("13912345678").unwrap(),
            template: Template::Code,
            params: vec![("code", "482913".into())],
        };
        let shown = format!("{message:?}");
        assert!(
            !shown.contains("482913") && !shown.contains("13912345678"),
            "{shown}"
        );
        assert!(Template::Code.words(&message.params).contains("482913"));
    }

    #[test]
    fn the_provider_comes_from_the_environment() {
        let none = |_: &str| None::<String>;
        assert!(from_lookup(none, Choice::Console).unwrap().is_some());
        assert!(from_lookup(none, Choice::Off).unwrap().is_none());
        let bad = from_lookup(|_| Some("carrier-pigeon".into()), Choice::Off);
        assert!(bad
            .err()
            .unwrap()
            .contains("aliyun, tencent, console or off"));
        let aliyun = from_lookup(
            |v| (v == PROVIDER_VAR).then(|| "aliyun".into()),
            Choice::Off,
        );
        assert!(aliyun
            .err()
            .unwrap()
            .contains("ALIBABA_CLOUD_ACCESS_KEY_ID"));
    }
}
