//! The live counts as one static file, `tallies.json`, so that a page view costs no API call:
//! on AWS the `counts` function (fed by the table's stream) writes it to the site's bucket and
//! CloudFront serves it with a short cache; `diandan serve` answers it from the store. Its
//! bytes are exactly the `/api/tallies` answer's ([`document`]), which pages fall back to.
//!
//! Writes are debounced: at most one every [`Publisher::spacing`] (the stream's batching
//! window spaces them too), one at a time, and each reads the store *after* its wait, so the
//! last write wins and a written file is never older than the newest count the batch carried.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::store::{Store, StoreError, Tallies, TallyLimits};

/// The file's name, at the site's root.
pub const FILE: &str = "tallies.json";
/// As `/api/tallies`: browsers revalidate, the CDN keeps it five seconds.
pub const CACHE_CONTROL: &str = "public, max-age=0, s-maxage=5";
pub const CONTENT_TYPE: &str = "application/json";

/// The live counts as served: the same bytes for the file and for `/api/tallies`.
pub fn document(tallies: &Tallies) -> Result<String, serde_json::Error> {
    serde_json::to_string(tallies)
}

/// Why the counts could not be published.
#[derive(Debug, thiserror::Error)]
pub enum CountsError {
    #[error("reading the counts: {0}")]
    Store(#[from] StoreError),
    #[error("writing the counts: {0}")]
    Json(#[from] serde_json::Error),
    #[error("storing {FILE}: {0}")]
    Put(String),
}

/// Where the file is put: the site's bucket, or a stand-in in tests.
#[async_trait]
pub trait Objects: Send + Sync {
    async fn put(&self, key: &str, body: String) -> Result<(), String>;
}

/// The site's S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Objects {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Objects {
    /// The client from the standard AWS environment. With `AWS_ENDPOINT_URL_S3` set (a local
    /// S3-compatible server) addresses are path-style, as such servers expect.
    pub async fn from_env(bucket: &str) -> Self {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(crate::lambda::secrets::http_client())
            .load()
            .await;
        let local = std::env::var("AWS_ENDPOINT_URL_S3").is_ok_and(|v| !v.trim().is_empty());
        let config = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(local)
            .build();
        Self::with_client(aws_sdk_s3::Client::from_conf(config), bucket)
    }

    pub fn with_client(client: aws_sdk_s3::Client, bucket: &str) -> Self {
        Self {
            client,
            bucket: bucket.to_owned(),
        }
    }
}

#[async_trait]
impl Objects for S3Objects {
    async fn put(&self, key: &str, body: String) -> Result<(), String> {
        (self.client.put_object())
            .bucket(&self.bucket)
            .key(key)
            .body(body.into_bytes().into())
            .content_type(CONTENT_TYPE)
            .cache_control(CACHE_CONTROL)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
    }
}

/// Publishes the counts, debounced.
pub struct Publisher {
    store: Arc<dyn Store>,
    limits: TallyLimits,
    objects: Arc<dyn Objects>,
    /// The least time between two writes.
    pub spacing: Duration,
    last: Mutex<Option<Instant>>,
}

impl Publisher {
    /// Five seconds apart by default: as long as the CDN keeps the file.
    pub fn new(store: Arc<dyn Store>, limits: TallyLimits, objects: Arc<dyn Objects>) -> Self {
        Self {
            store,
            limits,
            objects,
            spacing: Duration::from_secs(5),
            last: Mutex::new(None),
        }
    }

    pub fn with_spacing(mut self, spacing: Duration) -> Self {
        self.spacing = spacing;
        self
    }

    /// Waits out the spacing, then reads the counts and writes the file; returns what it
    /// wrote. Calls queue behind each other, so writes land in the order they read.
    pub async fn publish(&self) -> Result<String, CountsError> {
        let mut last = self.last.lock().await;
        if let Some(at) = *last {
            tokio::time::sleep_until(at + self.spacing).await;
        }
        let tallies = self.store.tallies(&self.limits).await?;
        let body = document(&tallies)?;
        (self.objects.put(FILE, body.clone()).await).map_err(CountsError::Put)?;
        *last = Some(Instant::now());
        Ok(body)
    }
}

/// The counts function's answer to one batch of stream records: whatever the records say,
/// the file is rewritten from the store (records of abuse-limit counters and the like do not
/// change it, and cost a write at most every few seconds). Returns the records seen.
pub async fn on_batch(
    publisher: &Publisher,
    event: &aws_lambda_events::event::dynamodb::Event,
) -> Result<usize, CountsError> {
    let records = event.records.len();
    if records > 0 {
        publisher.publish().await?;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance::{day, id, name, person};
    use crate::store::{NewOrder, SqliteStore};

    /// Keeps every write, with the (paused) time it happened.
    #[derive(Default)]
    struct Kept(std::sync::Mutex<Vec<(Instant, String)>>);

    #[async_trait]
    impl Objects for Kept {
        async fn put(&self, key: &str, body: String) -> Result<(), String> {
            assert_eq!(key, FILE);
            self.0.lock().unwrap().push((Instant::now(), body));
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn writes_are_spaced_and_the_last_one_is_the_newest() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        let kept = Arc::new(Kept::default());
        let publisher = Arc::new(
            Publisher::new(Arc::clone(&store), TallyLimits::default(), kept.clone())
                .with_spacing(Duration::from_secs(5)),
        );
        let first = publisher.publish().await.unwrap();
        // Two more batches arrive at once; meanwhile a count changes (an order).
        let (a, b) = (Arc::clone(&publisher), Arc::clone(&publisher));
        let second = tokio::spawn(async move { a.publish().await });
        let third = tokio::spawn(async move { b.publish().await });
        tokio::task::yield_now().await;
        let order = NewOrder {
            program: id("minju"),
            township: id("nanyu"),
            person: person(1),
            name: name("张三"),
            note: None,
            at: day(1),
            reach: None,
        };
        store.order(order).await.unwrap();
        let (second, third) = (
            second.await.unwrap().unwrap(),
            third.await.unwrap().unwrap(),
        );

        let now = document(&store.tallies(&TallyLimits::default()).await.unwrap()).unwrap();
        let kept = kept.0.lock().unwrap().clone();
        assert_eq!(kept.len(), 3);
        for pair in kept.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= Duration::from_secs(5), "spaced");
        }
        assert_ne!(
            first, third,
            "the order made after the batches arrived is in"
        );
        assert_eq!(second, third, "nothing changed between the last two");
        assert_eq!(kept.last().unwrap().1, now, "the file ends as the store is");
    }
}
