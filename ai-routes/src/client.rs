//! The Bedrock client every route call goes through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;

use crate::error::{Error, Result};

/// A cheap-to-clone handle on an `aws_sdk_bedrockruntime::Client` and its region.
///
/// Routes that declare their own `region` get a client for that region derived from this
/// one (same credentials and settings), created once and reused.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    sdk: aws_sdk_bedrockruntime::Client,
    region: String,
    regional: Mutex<HashMap<String, aws_sdk_bedrockruntime::Client>>,
}

/// Attempt timeout used by [`Client::from_env`]: long outputs from large models take
/// minutes, but a hung connection must not hang a route forever (the SDK sets none).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(300);

impl Client {
    /// Wraps an SDK client. Its region decides which models are callable on demand.
    pub fn new(sdk: aws_sdk_bedrockruntime::Client) -> Self {
        let region = sdk
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".to_string());
        Self {
            inner: Arc::new(Inner {
                sdk,
                region,
                regional: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// A client from the standard AWS configuration chain (environment, profile, SSO,
    /// container and instance roles), with a 300 s attempt timeout.
    pub async fn from_env() -> Result<Self> {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(DEFAULT_ATTEMPT_TIMEOUT)
                    .build(),
            )
            .load()
            .await;
        if config.region().is_none() {
            return Err(Error::InvalidInput(
                "no AWS region configured: set AWS_REGION (e.g. us-east-1) or a region in ~/.aws/config".into(),
            ));
        }
        Ok(Self::new(aws_sdk_bedrockruntime::Client::new(&config)))
    }

    /// The underlying SDK client, for calls the framework does not wrap.
    pub fn sdk(&self) -> &aws_sdk_bedrockruntime::Client {
        &self.inner.sdk
    }

    /// The client's region.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The SDK client for `region` (this client's own when `None` or equal).
    pub(crate) fn sdk_for(&self, region: Option<&str>) -> (aws_sdk_bedrockruntime::Client, String) {
        match region {
            Some(region) if region != self.inner.region => {
                let mut cache = self.inner.regional.lock().expect("regional client cache");
                let client = cache
                    .entry(region.to_string())
                    .or_insert_with(|| {
                        let config = self
                            .inner
                            .sdk
                            .config()
                            .to_builder()
                            .region(aws_sdk_bedrockruntime::config::Region::new(
                                region.to_string(),
                            ))
                            .build();
                        aws_sdk_bedrockruntime::Client::from_conf(config)
                    })
                    .clone();
                (client, region.to_string())
            }
            _ => (self.inner.sdk.clone(), self.inner.region.clone()),
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("region", &self.inner.region)
            .finish_non_exhaustive()
    }
}
