//! The SMS adapters against the loopback stand-ins for Aliyun and Tencent Cloud
//! (`sms::testing`), which check each request's signature with their own canonicalisation and
//! answer as the vendors do: success, a refused signature, a template not approved, the
//! number's daily limit.

use std::collections::HashMap;

use diandan_functions::domain::Phone;
use diandan_functions::sms::testing::{StandIn, Vendor, SECRET, TEMPLATE};
use diandan_functions::sms::{Aliyun, Message, Sms, SmsError, Template, Tencent};

/// Texts a number may receive in a day at the stand-ins.
const DAILY: usize = 2;

fn message(phone: &str) -> Message {
    Message {
        phone: Phone::parse(phone).unwrap(),
        template: Template::Code,
        params: vec![("code", "482913".into())],
    }
}

fn lookup(map: HashMap<&'static str, String>) -> impl Fn(&str) -> Option<String> {
    move |var| map.get(var).cloned()
}

/// A good adapter sends (and the stand-in's phone shows the code) until the number's daily
/// limit; a wrong secret and an unapproved template are told apart.
async fn sends_and_maps_the_vendors_refusals<S: Sms>(
    vendor: Vendor,
    adapter: impl Fn(HashMap<&'static str, String>) -> S,
) {
    let stand_in = StandIn::start(vendor, DAILY).await.unwrap();
    let good = adapter(stand_in.settings(SECRET, TEMPLATE));
    assert_eq!(good.send(&message("13912345678")).await, Ok(()));
    assert_eq!(stand_in.code_for("13912345678").as_deref(), Some("482913"));
    assert_eq!(good.send(&message("13912345678")).await, Ok(()));
    let limited = good.send(&message("13912345678")).await;
    assert!(
        matches!(limited, Err(SmsError::NumberLimit { .. })),
        "{limited:?}"
    );
    let forged = adapter(stand_in.settings("not-the-secret", TEMPLATE));
    let refused = forged.send(&message("13900000000")).await;
    assert!(
        matches!(refused, Err(SmsError::SignatureRefused { .. })),
        "{refused:?}"
    );
    let unapproved = adapter(stand_in.settings(SECRET, "999"));
    let refused = unapproved.send(&message("13900000000")).await;
    assert!(
        matches!(refused, Err(SmsError::NotApproved { .. })),
        "{refused:?}"
    );
    assert_eq!(stand_in.codes().len(), DAILY, "only accepted texts arrive");
}

#[tokio::test]
async fn aliyun_sends_and_maps_the_vendors_refusals() {
    sends_and_maps_the_vendors_refusals(Vendor::Aliyun, |settings| {
        Aliyun::from_lookup(&lookup(settings)).unwrap()
    })
    .await;
}

#[tokio::test]
async fn tencent_sends_and_maps_the_vendors_refusals() {
    sends_and_maps_the_vendors_refusals(Vendor::Tencent, |settings| {
        Tencent::from_lookup(&lookup(settings)).unwrap()
    })
    .await;
}
