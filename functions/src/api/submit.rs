//! The one path every public form takes: read the body (JSON, or a plain HTML form with
//! JavaScript off), let the form check and count it, then answer `201` with JSON, or `303` to
//! its receipt page, or show the form again with its mistakes (and the code field, where the
//! site asks for a text-message code).

use std::future::Future;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use serde::Serialize;

use super::forms::FormSpec;
use super::guard::ClientAddr;
use super::input::{read_submission, Fields, Mode};
use super::problem::ApiError;
use super::respond;
use super::state::ApiState;
use super::verify::{self, Caller, Verified};
use crate::catalogue::{Catalogue, FormKind};

/// A submission being handled: the state, the catalogue it is checked against, its fields and
/// who sent it.
pub(super) struct Submitted<'a> {
    pub state: &'a ApiState,
    pub catalogue: &'a Catalogue,
    pub fields: &'a Fields,
    pub caller: &'a Caller<'a>,
}

/// What a public form brings to [`post`]: its fields, its answer, and how it counts. Declared
/// with [`public_form!`].
pub(super) trait PublicForm {
    /// Which form this is (for `site.yaml`'s `verify`).
    const KIND: FormKind;
    /// The fields it accepts; any other is refused.
    const FIELDS: &'static [&'static str];
    /// The JSON answer to an accepted submission.
    type Answer: Serialize + Send;

    /// Where a plain form goes after an accepted submission.
    fn receipt(answer: &Self::Answer) -> &str;

    /// The form, to show again with its mistakes.
    fn spec(submitted: &Submitted<'_>) -> FormSpec;

    /// Checks the fields, asks for the code where needed, and counts the submission.
    fn accept(
        submitted: &Submitted<'_>,
    ) -> impl Future<Output = Result<(Self::Answer, Verified), ApiError>> + Send;
}

/// `public_form!(Order, Orders, FIELDS, OrderAnswer.receipt_url, accept = place, spec = form)`
/// declares the unit type `Order` as the public form of kind `FormKind::Orders`.
macro_rules! public_form {
    ($form:ident, $kind:ident, $fields:expr, $answer:ident . $receipt:ident, accept = $accept:ident, spec = $spec:ident) => {
        /// The form's type for [`submit::post`](super::submit::post).
        pub(super) struct $form;

        impl super::submit::PublicForm for $form {
            const KIND: crate::catalogue::FormKind = crate::catalogue::FormKind::$kind;
            const FIELDS: &'static [&'static str] = $fields;
            type Answer = $answer;

            fn receipt(answer: &$answer) -> &str {
                &answer.$receipt
            }

            fn spec(submitted: &super::submit::Submitted<'_>) -> super::forms::FormSpec {
                $spec(submitted)
            }

            async fn accept(
                submitted: &super::submit::Submitted<'_>,
            ) -> Result<($answer, super::verify::Verified), super::problem::ApiError> {
                $accept(submitted).await
            }
        }
    };
}
pub(super) use public_form;

/// `POST` of the public form `F`.
pub(super) async fn post<F: PublicForm>(
    State(state): State<ApiState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (mode, fields) = match read_submission(&headers, body, F::FIELDS).await {
        Ok(read) => read,
        Err(rejected) => return respond::rejected(&state, rejected),
    };
    let catalogue = state.catalogue();
    let caller = Caller::new(mode, &headers, client);
    let submitted = Submitted {
        state: &state,
        catalogue: &catalogue,
        fields: &fields,
        caller: &caller,
    };
    match F::accept(&submitted).await {
        Ok((answer, verified)) if mode == Mode::Json => {
            verified.json(&state, StatusCode::CREATED, &answer)
        }
        Ok((answer, verified)) => verified.see_other(&state, F::receipt(&answer)),
        Err(err) => verify::fail(&state, mode, F::KIND, err, &fields, || F::spec(&submitted)),
    }
}
