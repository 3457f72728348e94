//! The `Inbox` provider: keeps every message in memory, as the residents' phones would. The
//! tests and the load test read the codes from it the way a resident reads a text; it is never
//! chosen by `DIANDAN_SMS`.

use std::sync::Mutex;

use async_trait::async_trait;

use super::{Message, Sms, SmsError};
use crate::domain::Phone;

/// Every message sent, in order.
#[derive(Debug, Default)]
pub struct Inbox {
    sent: Mutex<Vec<Message>>,
}

impl Inbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// The code in the last message to `phone` (in any spelling a form accepts), if one was sent.
    pub fn code_for(&self, phone: &str) -> Option<String> {
        let phone = Phone::parse(phone).ok()?;
        let sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        let last = sent.iter().rev().find(|m| m.phone == phone)?;
        let (_, code) = last.params.iter().find(|(name, _)| *name == "code")?;
        Some(code.clone())
    }

    /// How many messages were sent, to anyone.
    pub fn count(&self) -> usize {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Every message sent so far.
    pub fn messages(&self) -> Vec<Message> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl Sms for Inbox {
    async fn send(&self, message: &Message) -> Result<(), SmsError> {
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        sent.push(message.clone());
        Ok(())
    }
}
