//! Reading a submission: the body within its size limit, JSON or an HTML form by content type,
//! into one flat map of field names to text, the same for both.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use serde_json::Value;

use super::problem::{ApiError, FieldError};

/// The most a submission may weigh. The longest legitimate one (a 500-character wish, all
/// Chinese, percent-encoded) is about 14 KB.
pub const BODY_LIMIT: usize = 16 * 1024;

/// How the client talks: JSON in and out, or a plain HTML form answered with HTML pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Json,
    Form,
}

/// The submitted fields, by name, as text (JSON numbers become their decimal text).
#[derive(Debug, Clone, Default)]
pub struct Fields(BTreeMap<String, String>);

impl Fields {
    /// The value, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// The value exactly as typed, for re-rendering a form.
    pub fn raw(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn insert(&mut self, name: &str, value: String) {
        self.0.insert(name.to_owned(), value);
    }
}

/// A submission that could not be read, answered in the client's mode.
#[derive(Debug)]
pub struct Rejected {
    pub mode: Mode,
    pub error: ApiError,
}

/// Decides the mode from `Content-Type`; `None` means a type we do not take.
pub fn mode_of(headers: &HeaderMap) -> Option<Mode> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Some(Mode::Json),
        "application/x-www-form-urlencoded" => Some(Mode::Form),
        e if e.starts_with("application/") && e.ends_with("+json") => Some(Mode::Json),
        _ => None,
    }
}

/// Whether the client asked for JSON back (for GETs and bodiless POSTs).
pub fn wants_json(headers: &HeaderMap) -> bool {
    let accept = (headers.get(header::ACCEPT))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

/// Reads the body, refusing it past [`BODY_LIMIT`] without buffering more than that.
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    let declared = (headers.get(header::CONTENT_LENGTH))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(ApiError::too_large(BODY_LIMIT));
    }
    match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(e) if is_length_limit(&e) => Err(ApiError::too_large(BODY_LIMIT)),
        Err(_) => Err(ApiError::bad_request(
            "没有收到完整的提交内容，请再试一次。",
        )),
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// Reads a submission whose fields may only be those in `allowed` (plus the honeypot).
pub async fn read_submission(
    headers: &HeaderMap,
    body: Body,
    allowed: &[&str],
) -> Result<(Mode, Fields), Rejected> {
    let Some(mode) = mode_of(headers) else {
        let error = ApiError::unsupported_type();
        return Err(Rejected {
            mode: Mode::Json,
            error,
        });
    };
    let reject = |error| Rejected { mode, error };
    let bytes = read_body(headers, body).await.map_err(reject)?;
    let fields = decode(mode, &bytes, Allowed::Only(allowed));
    fields.map(|f| (mode, f)).map_err(reject)
}

/// Which fields a decoding keeps.
#[derive(Debug, Clone, Copy)]
pub enum Allowed<'a> {
    /// A handler's own fields (plus the honeypot and the human check); unknown JSON fields
    /// are refused.
    Only(&'a [&'a str]),
    /// Every field: the abuse guard reads `phone` before the handler runs. Any body this
    /// accepts with a field the handler would refuse, the handler refuses as a whole, so
    /// whatever phone the guard sees is the one the handler uses.
    Any,
}

impl Allowed<'_> {
    fn keeps(self, name: &str) -> bool {
        match self {
            Allowed::Any => true,
            Allowed::Only(allowed) => {
                allowed.contains(&name)
                    || name == super::fields::HONEYPOT
                    || name == super::guard::HUMAN_FIELD
            }
        }
    }
}

/// The one decoding of a submission's body, shared by the abuse guard and the handlers so
/// both see the same values (a JSON number and a string holding it are the same phone).
pub fn decode(mode: Mode, bytes: &[u8], allowed: Allowed<'_>) -> Result<Fields, ApiError> {
    match mode {
        Mode::Json => parse_json(bytes, allowed),
        Mode::Form => parse_form(bytes).map(|pairs| from_pairs(pairs, allowed)),
    }
}

/// Like [`read_submission`] for POSTs whose body is optional (the cancel button): with no
/// `Content-Type` and no body, the mode follows `Accept` and the fields are empty.
pub async fn read_optional_submission(
    headers: &HeaderMap,
    body: Body,
    allowed: &[&str],
) -> Result<(Mode, Fields), Rejected> {
    if headers.contains_key(header::CONTENT_TYPE) {
        return read_submission(headers, body, allowed).await;
    }
    let mode = if wants_json(headers) {
        Mode::Json
    } else {
        Mode::Form
    };
    let bytes = (read_body(headers, body).await).map_err(|error| Rejected { mode, error })?;
    if bytes.is_empty() {
        Ok((mode, Fields::default()))
    } else {
        Err(Rejected {
            mode,
            error: ApiError::unsupported_type(),
        })
    }
}

/// A JSON object of scalars. Syntax errors are 400; unknown or non-scalar fields are 422.
pub fn parse_json(bytes: &[u8], allowed: Allowed<'_>) -> Result<Fields, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let detail = if e.is_eof() {
            "JSON 内容不完整。".to_owned()
        } else if e.to_string().starts_with("invalid unicode") {
            format!(
                "JSON 里有无效的文字编码（第 {} 行第 {} 列），请以 UTF-8 编码提交。",
                e.line(),
                e.column()
            )
        } else {
            format!("JSON 格式有误（第 {} 行第 {} 列）。", e.line(), e.column())
        };
        ApiError::bad_request(&detail)
    })?;
    let Value::Object(map) = value else {
        return Err(ApiError::bad_request(
            "请提交一个 JSON 对象，例如 {\"name\": \"…\"}。",
        ));
    };
    let (mut fields, mut errors) = (Fields::default(), Vec::new());
    for (name, value) in map {
        let known = allowed.keeps(&name);
        let text = match value {
            _ if !known => Err("不认识这个字段，请删除它。"),
            Value::Null => continue,
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            // A checkbox's JSON form (`"notify": true`).
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err("这一项应当是文字或数字（勾选项写 true 或 false）。"),
        };
        match text {
            Ok(text) => fields.insert(&name, text),
            Err(message) => errors.push(FieldError {
                field: name,
                message: message.to_owned(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Keeps the fields we know; an HTML form may carry others (a submit button's name).
fn from_pairs(pairs: Vec<(String, String)>, allowed: Allowed<'_>) -> Fields {
    let mut fields = Fields::default();
    for (name, value) in pairs {
        let known = allowed.keeps(&name);
        // The first value wins: a form never repeats these names on purpose.
        if known && !fields.0.contains_key(&name) {
            fields.insert(&name, value);
        }
    }
    fields
}

/// Decodes `application/x-www-form-urlencoded`, refusing bad escapes and invalid UTF-8
/// (which lossy decoders would silently turn into U+FFFD).
pub fn parse_form(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let mut pairs = Vec::new();
    for part in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match part.iter().position(|b| *b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        pairs.push((decode_component(name)?, decode_component(value)?));
    }
    Ok(pairs)
}

fn decode_component(raw: &[u8]) -> Result<String, ApiError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                let byte = byte.ok_or_else(|| {
                    ApiError::bad_request("表单内容的编码有误（% 后应是两位十六进制数）。")
                })?;
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| ApiError::bad_request("表单内容不是有效的 UTF-8 文字，请检查网页编码。"))
}

/// Parses a query string like a form; a malformed one reads as empty.
pub fn parse_query(query: Option<&str>) -> Fields {
    let pairs = query
        .and_then(|q| parse_form(q.as_bytes()).ok())
        .unwrap_or_default();
    let mut fields = Fields::default();
    for (name, value) in pairs {
        if !fields.0.contains_key(&name) {
            fields.insert(&name, value);
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let pairs = parse_form(b"name=%E5%BC%A0%E4%B8%89&note=a+b&empty=&flag").unwrap();
        assert_eq!(
            pairs,
            vec![
                ("name".into(), "张三".into()),
                ("note".into(), "a b".into()),
                ("empty".into(), "".into()),
                ("flag".into(), "".into()),
            ]
        );
        assert!(parse_form(b"name=%FF%FE").is_err());
        assert!(parse_form(b"name=%E5%BC").is_err());
        assert!(parse_form(b"name=%G1").is_err());
        assert!(parse_form(b"name=%").is_err());
        assert!(parse_form(b"name=\xff").is_err());
    }

    #[test]
    fn json_fields_are_scalars_and_known() {
        let f = parse_json(
            br#"{"name":"a","child_age":8,"note":null}"#,
            Allowed::Only(&["name", "child_age", "note"]),
        )
        .unwrap();
        assert_eq!(f.get("child_age"), Some("8"));
        assert_eq!(f.get("note"), None);
        let e = parse_json(br#"{"name":"a","evil":1}"#, Allowed::Only(&["name"])).unwrap_err();
        assert_eq!(e.status.as_u16(), 422);
        assert_eq!(e.errors[0].field, "evil");
        let e = parse_json(br#"{"name":["a"]}"#, Allowed::Only(&["name"])).unwrap_err();
        assert_eq!(e.status.as_u16(), 422);
        assert_eq!(
            parse_json(b"{", Allowed::Any).unwrap_err().status.as_u16(),
            400
        );
        assert_eq!(
            parse_json(b"[1]", Allowed::Any)
                .unwrap_err()
                .status
                .as_u16(),
            400
        );
    }
}
