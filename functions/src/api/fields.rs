//! Checking submitted fields into domain values, collecting every mistake with a message in
//! plain Chinese, so a form can show them all at once.

use std::collections::BTreeMap;

use super::input::Fields;
use super::problem::{ApiError, FieldError};
use super::state::ApiState;
use crate::domain::{NumberError, PersonName, Phone, PhoneError, SealedPhone, Text, TextError};

/// The honeypot: hidden from people, irresistible to form-filling robots. It must stay empty.
pub const HONEYPOT: &str = "website";

/// What a field is called on the page and in messages.
pub fn label(field: &str) -> &'static str {
    match field {
        "program" => "节目",
        "township" => "乡镇（街道）",
        "name" => "姓名",
        "phone" => "手机号码",
        "code" => "短信验证码",
        "note" => "留言",
        "lecturer" => "讲师",
        "topic" => "希望讲的内容",
        "course" => "课程",
        "child_name" => "孩子姓名",
        "child_age" => "孩子年龄",
        "guardian_name" => "家长姓名",
        "text" => "诉求内容",
        "slot" => "场次",
        "stars" => "评分",
        "comment" => "评价",
        "token" => "取消凭据",
        "reply" => "回复内容",
        "reason" => "说明",
        "channel" => "代办方式",
        "account" => "账号",
        "password" => "密码",
        "notify" => "有安排时短信通知我",
        HONEYPOT => "网站",
        _ => "这一项",
    }
}

/// Collects field values and mistakes; [`Checker::finish`] turns the mistakes into a 422.
pub struct Checker<'a> {
    fields: &'a Fields,
    errors: Vec<FieldError>,
}

impl<'a> Checker<'a> {
    pub fn new(fields: &'a Fields) -> Self {
        Self {
            fields,
            errors: Vec::new(),
        }
    }

    pub fn add(&mut self, field: &str, message: String) {
        // One message per field is enough; the first is the most basic.
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError {
                field: field.to_owned(),
                message,
            });
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// A value that must be there; a missing one is reported as such.
    pub fn required(&mut self, field: &str) -> Option<&'a str> {
        let value = self.fields.get(field);
        if value.is_none() {
            self.add(field, format!("请填写{}。", label(field)));
        }
        value
    }

    /// A value the person may leave out.
    pub fn optional(&self, field: &str) -> Option<&'a str> {
        self.fields.get(field)
    }

    /// A catalogue id chosen from a list: it must name something in `known`.
    pub fn choice<'c, K, V>(&mut self, field: &str, known: &'c BTreeMap<K, V>) -> Option<(K, &'c V)>
    where
        K: Ord + TryFrom<String>,
    {
        let Some(raw) = self.fields.get(field) else {
            self.add(field, format!("请选择{}。", label(field)));
            return None;
        };
        let found = K::try_from(raw.to_owned()).ok().and_then(|id| {
            let facts = known.get(&id)?;
            Some((id, facts))
        });
        if found.is_none() {
            self.add(
                field,
                format!("没有找到这个{}，请从列表中选择。", label(field)),
            );
        }
        found
    }

    pub fn name(&mut self, field: &str) -> Option<PersonName> {
        let raw = self.required(field)?;
        self.check(field, PersonName::parse(raw), text_message)
    }

    pub fn optional_name(&mut self, field: &str) -> Option<PersonName> {
        let raw = self.optional(field)?;
        self.check(field, PersonName::parse(raw), text_message)
    }

    pub fn phone(&mut self, field: &str) -> Option<Phone> {
        let raw = self.required(field)?;
        self.check(field, Phone::parse(raw), |_, e| phone_message(e))
    }

    pub fn optional_phone(&mut self, field: &str) -> Option<Phone> {
        let raw = self.optional(field)?;
        self.check(field, Phone::parse(raw), |_, e| phone_message(e))
    }

    pub fn text<const MIN: usize, const MAX: usize>(
        &mut self,
        field: &str,
    ) -> Option<Text<MIN, MAX>> {
        let raw = self.required(field)?;
        self.check(field, Text::parse(raw), text_message)
    }

    pub fn optional_text<const MIN: usize, const MAX: usize>(
        &mut self,
        field: &str,
    ) -> Option<Text<MIN, MAX>> {
        let raw = self.optional(field)?;
        self.check(field, Text::parse(raw), text_message)
    }

    /// A number parsed by `parse`, e.g. `Stars::parse`.
    pub fn number<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, NumberError>,
    ) -> Option<T> {
        let raw = self.required(field)?;
        self.check(field, parse(raw), number_message)
    }

    /// A checkbox: ticked (`1`, `on`, `true`) or not (absent, empty, `0`, `off`, `false`).
    pub fn flag(&mut self, field: &str) -> bool {
        match self.optional(field).map(str::trim) {
            None | Some("" | "0" | "off" | "false") => false,
            Some("1" | "on" | "true") => true,
            Some(_) => {
                self.add(field, format!("“{}”请勾选或不勾选。", label(field)));
                false
            }
        }
    }

    /// The number to keep, sealed, when the resident ticked `notify` (有安排时短信通知我): a
    /// tick without a number is a mistake on the tick, not a silent no.
    pub fn reach(&mut self, state: &ApiState, phone: Option<&Phone>) -> Option<SealedPhone> {
        if !self.flag("notify") {
            return None;
        }
        match phone {
            Some(phone) => Some(state.seal(phone)),
            None => {
                if self.optional("phone").is_none() {
                    self.add("notify", "要短信通知您，请留下手机号码。".to_owned());
                }
                None
            }
        }
    }

    /// The honeypot must be empty.
    pub fn honeypot(&mut self) {
        if self.fields.get(HONEYPOT).is_some() {
            self.add(HONEYPOT, "这一栏请留空。".to_owned());
        }
    }

    fn check<T, E>(
        &mut self,
        field: &str,
        result: Result<T, E>,
        message: impl FnOnce(&str, &E) -> String,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                let text = message(label(field), &e);
                self.add(field, text);
                None
            }
        }
    }

    /// `Ok` when every field was right.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }

    /// The 422 for a checker that found mistakes (used where a value came back `None`).
    pub fn into_error(self) -> ApiError {
        if self.errors.is_empty() {
            ApiError::validation(vec![FieldError {
                field: String::new(),
                message: "提交的内容不完整，请检查后再试。".to_owned(),
            }])
        } else {
            ApiError::validation(self.errors)
        }
    }
}

fn text_message(label: &str, e: &TextError) -> String {
    match e {
        TextError::Empty => format!("请填写{label}。"),
        TextError::TooShort { min } => format!("{label}至少要写 {min} 个字。"),
        TextError::TooLong { max, found } => {
            format!("{label}最多 {max} 个字，现在有 {found} 个字，请删减一些。")
        }
        TextError::ControlChar => format!("{label}里有无法识别的字符，请重新输入。"),
        TextError::LineBreak => format!("{label}请写在一行里。"),
    }
}

fn phone_message(e: &PhoneError) -> String {
    match e {
        PhoneError::Empty => "请填写手机号码。".to_owned(),
        PhoneError::BadChar { .. } => "手机号码只能填数字，例如 138 0013 8000。".to_owned(),
        PhoneError::ForeignCountry => "目前只能使用中国大陆的手机号码（+86）。".to_owned(),
        PhoneError::WrongLength { digits } => {
            format!("手机号码是 11 位数字，您填了 {digits} 位，请核对。")
        }
        PhoneError::NotMobile => "请填写手机号码（以 13 到 19 开头的 11 位数字）。".to_owned(),
    }
}

fn number_message(label: &str, e: &NumberError) -> String {
    match e {
        NumberError::NotANumber => format!("{label}请填一个数字。"),
        NumberError::OutOfRange { min, max } => {
            format!("{label}应在 {min} 到 {max} 之间。")
        }
    }
}
