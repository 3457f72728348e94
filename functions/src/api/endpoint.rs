//! The route table: each entry holds its method, its path and its handler together, so the
//! router is built from the same list that is checked against the OpenAPI document, and a
//! route cannot be added to one without the other.

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};
use axum::Router;

use super::state::ApiState;

/// One method on one path.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<ApiState>,
}

impl Endpoint {
    /// `GET` (axum answers `HEAD` on it too, without a body).
    pub fn get<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, ApiState>,
        T: 'static,
    {
        Self {
            method: Method::GET,
            path,
            handler: routing::get(handler),
        }
    }

    pub fn post<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, ApiState>,
        T: 'static,
    {
        Self {
            method: Method::POST,
            path,
            handler: routing::post(handler),
        }
    }

    pub fn delete<H, T>(path: &'static str, handler: H) -> Self
    where
        H: Handler<T, ApiState>,
        T: 'static,
    {
        Self {
            method: Method::DELETE,
            path,
            handler: routing::delete(handler),
        }
    }
}

impl Endpoint {
    /// The same endpoint with its handler wrapped (a guard as a method's `route_layer`, so a
    /// method the path does not take is still answered `405`, not by the guard).
    pub fn wrap(
        mut self,
        f: impl FnOnce(MethodRouter<ApiState>) -> MethodRouter<ApiState>,
    ) -> Self {
        self.handler = f(self.handler);
        self
    }
}

/// A router answering exactly the table's routes. Entries on the same path are merged into
/// one method router, so another method on that path is answered `405`.
pub fn router(table: Vec<Endpoint>) -> Router<ApiState> {
    (table.into_iter()).fold(Router::new(), |router, e| router.route(e.path, e.handler))
}

/// The table's (method, path) pairs, paths in axum's `{param}` form (as OpenAPI writes them).
pub fn listing(table: &[Endpoint]) -> Vec<(Method, &'static str)> {
    table.iter().map(|e| (e.method.clone(), e.path)).collect()
}
