//! Re-showing a form after a mistake, as the GOV.UK design system does: an error summary at
//! the top linking to each wrong field, every typed value kept, each wrong field marked.

use super::fields::{label, HONEYPOT};
use super::html::escape;
use super::input::Fields;
use super::problem::FieldError;

/// How a field is entered.
#[derive(Debug, Clone)]
pub enum Control {
    /// One line of text, at most `max` characters.
    Text { max: usize },
    /// A phone number. Never pre-filled: a phone number is never sent back to the browser…
    Phone,
    /// …except into the form that asks for the text-message code just sent to it.
    PhoneKept,
    /// A text-message code: six large digits, filled in from the message by the phone.
    Code,
    /// Several lines, at most `max` characters.
    TextArea { max: usize },
    /// A password: never pre-filled, never sent back.
    Password,
    /// A whole number between `min` and `max`.
    Number { min: u8, max: u8 },
    /// One of (value, words).
    Select(Vec<(String, String)>),
    /// Carried along unseen (e.g. the cancel token).
    Hidden,
    /// A checkbox, unticked unless the resident ticked it.
    Checkbox,
}

#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub name: &'static str,
    pub control: Control,
    pub required: bool,
    pub hint: Option<String>,
}

impl FieldSpec {
    pub fn new(name: &'static str, control: Control, required: bool) -> Self {
        Self {
            name,
            control,
            required,
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The "tell me by text message" consent: unticked by default, `hint` says what about.
    pub fn notify(hint: &str) -> Self {
        Self::new("notify", Control::Checkbox, false).hint(hint)
    }

    /// The township picker every form that places something has.
    pub fn township(catalogue: &crate::catalogue::Catalogue) -> Self {
        let options = super::facts::township_options(catalogue);
        Self::new("township", Control::Select(options), true)
    }

    /// A person's name (resident, guardian, child), as long as a [`PersonName`] may be.
    ///
    /// [`PersonName`]: crate::domain::PersonName
    pub fn person(name: &'static str, required: bool) -> Self {
        let max = crate::domain::PersonName::MAX_CHARS;
        Self::new(name, Control::Text { max }, required)
    }
}

/// A form that posts back to the API.
#[derive(Debug, Clone)]
pub struct FormSpec {
    pub action: String,
    pub title: String,
    pub intro: Option<String>,
    pub submit: &'static str,
    pub fields: Vec<FieldSpec>,
}

fn field_id(name: &str) -> String {
    format!("field-{name}")
}

/// The page body: heading, error summary, then the form.
pub fn render(spec: &FormSpec, values: &Fields, errors: &[FieldError]) -> String {
    let mut out = format!("<h1>{}</h1>\n", escape(&spec.title));
    if !errors.is_empty() {
        out.push_str(&summary(spec, errors));
    }
    if let Some(intro) = &spec.intro {
        out.push_str(&format!("<p>{}</p>\n", escape(intro)));
    }
    out.push_str(&format!(
        "<form method=\"post\" action=\"{}\" novalidate>\n",
        escape(&spec.action)
    ));
    for field in &spec.fields {
        let error = errors.iter().find(|e| e.field == field.name);
        out.push_str(&render_field(field, values, error));
    }
    out.push_str(&honeypot(errors.iter().find(|e| e.field == HONEYPOT)));
    out.push_str(&format!(
        "<button type=\"submit\" class=\"btn\">{}</button>\n</form>\n",
        escape(spec.submit)
    ));
    out
}

fn summary(spec: &FormSpec, errors: &[FieldError]) -> String {
    let mut out = String::from(
        "<div class=\"error-summary summary\" role=\"alert\" tabindex=\"-1\" autofocus \
         aria-labelledby=\"error-summary-title\">\n",
    );
    out.push_str(&format!(
        "<h2 id=\"error-summary-title\">提交没有成功，有 {} 处需要修改</h2>\n<ul>\n",
        errors.len()
    ));
    for e in errors {
        let linked = e.field == HONEYPOT || spec.fields.iter().any(|f| f.name == e.field);
        if linked {
            out.push_str(&format!(
                "<li><a href=\"#{}\">{}</a></li>\n",
                escape(&field_id(&e.field)),
                escape(&e.message)
            ));
        } else {
            out.push_str(&format!("<li>{}</li>\n", escape(&e.message)));
        }
    }
    out.push_str("</ul>\n</div>\n");
    out
}

fn render_field(field: &FieldSpec, values: &Fields, error: Option<&FieldError>) -> String {
    let id = field_id(field.name);
    let value = values.raw(field.name);
    if matches!(field.control, Control::Hidden) {
        return format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
            field.name,
            escape(value)
        );
    }
    if matches!(field.control, Control::Checkbox) {
        return render_checkbox(field, values, error);
    }
    let mut hint = field.hint.clone();
    if matches!(field.control, Control::Phone) && !value.is_empty() {
        hint = Some("为保护您的隐私，手机号码不会显示在页面上，请重新填写。".to_owned());
    }
    let mut out = format!(
        "<div class=\"field{}\">\n<label for=\"{id}\">{}{}</label>\n",
        if error.is_some() { " field--error" } else { "" },
        escape(label(field.name)),
        if field.required { "" } else { "（选填）" },
    );
    let (notes, described) = notes(&id, hint.as_deref(), error);
    out.push_str(&notes);
    let mut attrs = format!("id=\"{id}\" name=\"{}\"", field.name);
    if !described.is_empty() {
        attrs.push_str(&format!(" aria-describedby=\"{}\"", described.join(" ")));
    }
    if error.is_some() {
        attrs.push_str(" aria-invalid=\"true\"");
    }
    if field.required {
        attrs.push_str(" required");
    }
    out.push_str(&control(&field.control, &attrs, value));
    out.push_str("</div>\n");
    out
}

fn control(control: &Control, attrs: &str, value: &str) -> String {
    let value = escape(value);
    match control {
        Control::Text { max } => {
            format!("<input type=\"text\" {attrs} maxlength=\"{max}\" value=\"{value}\">\n")
        }
        Control::Phone => format!(
            "<input type=\"tel\" {attrs} inputmode=\"tel\" autocomplete=\"tel\" value=\"\">\n"
        ),
        Control::PhoneKept => format!(
            "<input type=\"tel\" {attrs} inputmode=\"tel\" autocomplete=\"tel\" value=\"{value}\">\n"
        ),
        Control::Password => {
            format!("<input type=\"password\" {attrs} autocomplete=\"current-password\" value=\"\">\n")
        }
        Control::Code => format!(
            "<input type=\"text\" {attrs} class=\"code-input\" inputmode=\"numeric\" \
             autocomplete=\"one-time-code\" maxlength=\"6\" value=\"\">\n"
        ),
        Control::TextArea { max } => {
            format!("<textarea {attrs} rows=\"5\" maxlength=\"{max}\">{value}</textarea>\n")
        }
        Control::Number { min, max } => format!(
            "<input type=\"text\" {attrs} inputmode=\"numeric\" data-min=\"{min}\" \
             data-max=\"{max}\" value=\"{value}\">\n"
        ),
        Control::Select(options) => {
            let mut out = format!("<select {attrs}>\n<option value=\"\">请选择</option>\n");
            for (v, words) in options {
                let selected = if escape(v) == value { " selected" } else { "" };
                out.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}</option>\n",
                    escape(v),
                    escape(words)
                ));
            }
            out.push_str("</select>\n");
            out
        }
        Control::Hidden | Control::Checkbox => String::new(),
    }
}

/// A field's hint and error paragraphs, and the ids that describe the control.
fn notes(id: &str, hint: Option<&str>, error: Option<&FieldError>) -> (String, Vec<String>) {
    let (mut out, mut described) = (String::new(), Vec::new());
    if let Some(hint) = hint {
        out.push_str(&format!(
            "<p id=\"{id}-hint\" class=\"hint\">{}</p>\n",
            escape(hint)
        ));
        described.push(format!("{id}-hint"));
    }
    if let Some(e) = error {
        out.push_str(&format!(
            "<p id=\"{id}-error\" class=\"error-message error\"><span class=\"visually-hidden\">错误：</span>{}</p>\n",
            escape(&e.message)
        ));
        described.push(format!("{id}-error"));
    }
    (out, described)
}

/// A checkbox with its label after it, as people expect; ticked again if it was.
fn render_checkbox(field: &FieldSpec, values: &Fields, error: Option<&FieldError>) -> String {
    let id = field_id(field.name);
    let ticked = matches!(values.raw(field.name).trim(), "1" | "on" | "true");
    let (notes, described) = notes(&id, field.hint.as_deref(), error);
    let describedby = if described.is_empty() {
        String::new()
    } else {
        format!(" aria-describedby=\"{}\"", described.join(" "))
    };
    format!(
        "<div class=\"field field--check{}\">\n<input type=\"checkbox\" id=\"{id}\" name=\"{}\" \
         value=\"1\"{}{describedby}>\n<label for=\"{id}\">{}</label>\n{notes}</div>\n",
        if error.is_some() { " field--error" } else { "" },
        field.name,
        if ticked { " checked" } else { "" },
        escape(label(field.name)),
    )
}

/// The honeypot, off-screen and out of the tab order; shown plainly only if it was filled.
fn honeypot(error: Option<&FieldError>) -> String {
    let id = field_id(HONEYPOT);
    match error {
        Some(e) => format!(
            "<div class=\"field field--error\">\n<label for=\"{id}\">网站（请留空）</label>\n\
             <p id=\"{id}-error\" class=\"error-message error\">{}</p>\n\
             <input type=\"text\" id=\"{id}\" name=\"{HONEYPOT}\" value=\"\" \
             aria-invalid=\"true\" aria-describedby=\"{id}-error\">\n</div>\n",
            escape(&e.message)
        ),
        None => format!(
            "<div class=\"honeypot hp\" aria-hidden=\"true\">\n<label for=\"{id}\">网站（请留空）</label>\n\
             <input type=\"text\" id=\"{id}\" name=\"{HONEYPOT}\" value=\"\" tabindex=\"-1\" \
             autocomplete=\"off\">\n</div>\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FormSpec {
        FormSpec {
            action: "/api/orders".into(),
            title: "点单".into(),
            intro: None,
            submit: "提交",
            fields: vec![
                FieldSpec::new("name", Control::Text { max: 20 }, true),
                FieldSpec::new("phone", Control::Phone, true),
                FieldSpec::new(
                    "township",
                    Control::Select(vec![("nanyu".into(), "南屿镇".into())]),
                    true,
                ),
            ],
        }
    }

    #[test]
    fn keeps_values_marks_errors_and_hides_the_phone() {
        let mut values = Fields::default();
        values.insert("name", "<张>".into());
        values.insert("phone", "13800138000".into());
        values.insert("township", "nanyu".into());
        let errors = vec![FieldError {
            field: "name".into(),
            message: "姓名不对".into(),
        }];
        let html = render(&spec(), &values, &errors);
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains("<a href=\"#field-name\">姓名不对</a>"));
        assert!(html.contains("value=\"&lt;张&gt;\""));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("aria-describedby=\"field-name-error\""));
        assert!(html.contains("<option value=\"nanyu\" selected>"));
        assert!(!html.contains("13800138000"), "the phone is never echoed");
    }
}
