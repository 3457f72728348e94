//! The five kinds of proxy submission: their fields, paths, words and log names.

/// What is being submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Order,
    Nomination,
    Registration,
    Rating,
    Wish,
}

impl Kind {
    pub(super) const ALL: [Kind; 5] = [
        Kind::Order,
        Kind::Nomination,
        Kind::Registration,
        Kind::Rating,
        Kind::Wish,
    ];

    /// The fields each kind takes: the public form's, with `channel` and `township`.
    pub(super) fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Order => &[
                "channel", "program", "township", "name", "phone", "note", "notify",
            ],
            Kind::Nomination => &[
                "channel", "lecturer", "township", "name", "phone", "topic", "notify",
            ],
            Kind::Registration => &[
                "channel",
                "course",
                "township",
                "child_name",
                "child_age",
                "guardian_name",
                "phone",
            ],
            Kind::Rating => &["channel", "slot", "township", "phone", "stars", "comment"],
            Kind::Wish => &["channel", "text", "township", "name", "phone", "notify"],
        }
    }

    /// The last part of its paths (`/api/helper/orders`, `/api/helper/forms/orders`).
    pub(super) fn path(self) -> &'static str {
        match self {
            Kind::Order => "orders",
            Kind::Nomination => "nominations",
            Kind::Registration => "registrations",
            Kind::Rating => "ratings",
            Kind::Wish => "wishes",
        }
    }

    /// The kind whose [`Kind::path`] is `path`.
    pub(super) fn from_path(path: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.path() == path)
    }

    /// What the helper does, in their words.
    pub(super) fn words(self) -> &'static str {
        match self {
            Kind::Order => "点单（点节目）",
            Kind::Nomination => "点将（请老师开讲）",
            Kind::Registration => "少儿课程报名",
            Kind::Rating => "活动评价",
            Kind::Wish => "反映诉求",
        }
    }

    /// The kind the log's `action` names.
    pub(super) fn from_action(action: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.action() == action)
    }

    /// The log's name for it.
    pub(super) fn action(self) -> &'static str {
        match self {
            Kind::Order => "proxy-order",
            Kind::Nomination => "proxy-nomination",
            Kind::Registration => "proxy-registration",
            Kind::Rating => "proxy-rating",
            Kind::Wish => "proxy-wish",
        }
    }
}
