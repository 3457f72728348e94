//! What every handler shares: the store, the current catalogue (swapped after each site
//! rebuild), the person-hash secret, the clock and the site's base URL.

use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};

use super::guard::{Limits, SharedHumanCheck};
use super::html::Chrome;
use crate::catalogue::Catalogue;
use crate::clock::{system_clock, Clock};
use crate::domain::{DataKey, Phone, SealedPhone, Secret};
use crate::sms::SharedSms;
use crate::store::{Store, StoreError, Tallies, TallyLimits};

/// Called after an admin action that changes what the site shows (a pin, a reply, …).
pub type OnChange = Arc<dyn Fn() + Send + Sync>;

/// The shortest admin token accepted: anything shorter leaves the admin API switched off.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

/// Cheap to clone; clones share the store and the catalogue slot.
#[derive(Clone)]
pub struct ApiState {
    store: Arc<dyn Store>,
    catalogue: Arc<RwLock<Arc<Catalogue>>>,
    secret: Arc<Secret>,
    clock: Clock,
    base_url: Option<Arc<str>>,
    /// SHA-256 of the admin bearer token; `None` switches the admin API off.
    admin_token: Option<[u8; 32]>,
    on_change: Option<OnChange>,
    limits: Limits,
    human_check: Option<SharedHumanCheck>,
    sms: Option<SharedSms>,
    /// Seals the numbers of residents who ask to hear back, and opens them to send.
    data_key: Arc<DataKey>,
}

impl ApiState {
    /// A state on the real clock, linking to the catalogue's `site.base_url`.
    pub fn new(store: Arc<dyn Store>, catalogue: Catalogue, secret: Secret) -> Self {
        Self {
            store,
            catalogue: Arc::new(RwLock::new(Arc::new(catalogue))),
            secret: Arc::new(secret),
            clock: system_clock(),
            base_url: None,
            admin_token: None,
            on_change: None,
            limits: Limits::default(),
            human_check: None,
            sms: None,
            // A process without its own key seals what no one else can open: fine for tests,
            // and `serve` and the functions always pass theirs.
            data_key: Arc::new(DataKey::random()),
        }
    }

    /// Seals and opens kept numbers with `key` (`DIANDAN_DATA_KEY`; `serve` keeps one beside
    /// the person-hash secret).
    pub fn with_data_key(mut self, key: DataKey) -> Self {
        self.data_key = Arc::new(key);
        self
    }

    /// Seals `phone` for a text later, when the resident asked for one.
    pub fn seal(&self, phone: &Phone) -> SealedPhone {
        self.data_key.seal(phone)
    }

    /// Switches the admin API (`/api/admin/*`) on with this bearer token (usually from the
    /// `DIANDAN_ADMIN_TOKEN` environment variable). `None`, or a token shorter than
    /// [`MIN_ADMIN_TOKEN_CHARS`], leaves it off: every admin route then answers 503.
    pub fn with_admin_token(mut self, token: Option<String>) -> Self {
        let token = token.map(|t| t.trim().to_owned());
        self.admin_token = match token {
            Some(t) if t.chars().count() >= MIN_ADMIN_TOKEN_CHARS => {
                Some(Sha256::digest(t.as_bytes()).into())
            }
            Some(t) if !t.is_empty() => {
                tracing::error!(
                    "the admin token is shorter than {MIN_ADMIN_TOKEN_CHARS} characters; \
                     the admin API stays off"
                );
                None
            }
            _ => None,
        };
        self
    }

    /// Calls `hook` after every admin action that changes what the site shows: a pin or an
    /// unpin, a slot marked done, a plan applied, a wish replied to or hidden. `diandan serve`
    /// rebuilds the site on it. The hook must return quickly (hand work to another thread).
    pub fn with_on_change(mut self, hook: OnChange) -> Self {
        self.on_change = Some(hook);
        self
    }

    /// The SHA-256 of the admin token, if the admin API is on.
    pub(super) fn admin_token_digest(&self) -> Option<&[u8; 32]> {
        self.admin_token.as_ref()
    }

    /// Tells the `on_change` hook, if any, that the site's data changed.
    pub(super) fn site_changed(&self) {
        if let Some(hook) = &self.on_change {
            hook();
        }
    }

    /// The abuse limits on public writes (defaults: [`Limits::default`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Asks `check` (a CAPTCHA service) before every public write. Off unless set.
    pub fn with_human_check(mut self, check: SharedHumanCheck) -> Self {
        self.human_check = Some(check);
        self
    }

    /// Caps each village helper's proxy submissions per day (China time); 0: no cap.
    pub fn with_helper_daily_cap(mut self, cap: u32) -> Self {
        self.limits.helper_daily = cap;
        self
    }

    /// Sends text-message codes with `sms`. Without it, forms that the catalogue says need a
    /// code cannot be verified: `POST /api/verify` answers 503.
    pub fn with_sms(mut self, sms: SharedSms) -> Self {
        self.sms = Some(sms);
        self
    }

    pub(super) fn sms(&self) -> Option<&SharedSms> {
        self.sms.as_ref()
    }

    pub(super) fn limits(&self) -> Limits {
        self.limits
    }

    pub(super) fn human_check(&self) -> Option<&SharedHumanCheck> {
        self.human_check.as_ref()
    }

    /// Fixes "now" (tests; replaying a day).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Links pages to this site instead of the catalogue's `base_url`: `diandan serve` passes
    /// `http://127.0.0.1:PORT`, or `""` to link within whatever origin serves the page.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        let url: String = base_url.into();
        self.base_url = Some(url.trim_end_matches('/').into());
        self
    }

    /// The catalogue as of now. Hold the `Arc` for one request: a swap does not disturb it.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        let slot = self
            .catalogue
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&slot)
    }

    /// Puts a freshly built catalogue in place; requests already running keep the old one.
    pub fn replace_catalogue(&self, catalogue: Catalogue) {
        let mut slot = self
            .catalogue
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        *slot = Arc::new(catalogue);
    }

    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        (self.clock)()
    }

    /// The public tallies with the current catalogue's thresholds and capacities.
    pub async fn tallies(&self) -> Result<Tallies, StoreError> {
        let limits = TallyLimits::from_catalogue(&self.catalogue());
        self.store.tallies(&limits).await
    }

    /// Sends the texts the outbox holds that are due now ([`crate::notify`]); nothing without
    /// an SMS provider.
    pub async fn send_messages(&self) -> Result<crate::notify::Report, StoreError> {
        let Some(sms) = &self.sms else {
            return Ok(crate::notify::Report::default());
        };
        let catalogue = self.catalogue();
        let sender = crate::notify::Sender {
            store: &*self.store,
            sms: &**sms,
            catalogue: &catalogue,
            key: &self.data_key,
        };
        crate::notify::send_due(&sender, self.now()).await
    }

    /// The site's base URL, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.to_string(),
            None => (self.catalogue().site.base_url.trim_end_matches('/')).to_owned(),
        }
    }

    /// Where clients reach `/api` from outside: the catalogue's `api_url` if absolute, else
    /// that path under the base URL. Used for links handed out in JSON (the cancel URL).
    pub fn api_root(&self) -> String {
        let catalogue = self.catalogue();
        let api = catalogue.site.api_url.trim_end_matches('/');
        if api.starts_with("http://") || api.starts_with("https://") {
            api.to_owned()
        } else if api.is_empty() {
            format!("{}/api", self.base_url())
        } else {
            format!("{}/{}", self.base_url(), api.trim_start_matches('/'))
        }
    }

    pub(super) fn chrome(&self) -> Chrome {
        Chrome {
            base_url: self.base_url(),
            site_title: self.catalogue().site.title.clone(),
        }
    }
}
