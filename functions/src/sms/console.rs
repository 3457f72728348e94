//! The `console` provider: each message is printed on the terminal of `diandan serve`, like
//! Django's console e-mail backend, so the site works on a laptop with no SMS account. The
//! number is masked; the code is shown, since reading it there is the point.

use async_trait::async_trait;

use super::{Message, Sms, SmsError};

/// Prints messages on standard output (never through the log, whose lines may be shipped).
#[derive(Debug, Clone, Copy, Default)]
pub struct Console;

/// What starts every printed message, so scripts and tests can pick the lines out.
pub const PREFIX: &str = "sms to";

impl Console {
    /// The line printed for `message`.
    pub fn line(message: &Message) -> String {
        format!(
            "{PREFIX} {}: {}",
            message.phone.masked(),
            message.template.words(&message.params)
        )
    }
}

#[async_trait]
impl Sms for Console {
    async fn send(&self, message: &Message) -> Result<(), SmsError> {
        println!("{}", Self::line(message));
        Ok(())
    }
}
