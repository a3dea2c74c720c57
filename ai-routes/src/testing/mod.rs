//! A local Amazon Bedrock stand-in that speaks the real Converse / ConverseStream wire
//! protocol, so the real `aws-sdk-bedrockruntime` client (and every route built on it) runs
//! offline: in tests, in CI, on a laptop.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use ai_routes::testing::{LocalBedrock, Reply};
//! use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
//!
//! let bedrock = LocalBedrock::start().await?;
//! bedrock.push_reply(Reply::text("Hello from the stand-in"));
//!
//! let out = bedrock
//!     .client()
//!     .converse()
//!     .model_id("amazon.nova-micro-v1:0")
//!     .messages(
//!         Message::builder()
//!             .role(ConversationRole::User)
//!             .content(ContentBlock::Text("Hi".into()))
//!             .build()
//!             .unwrap(),
//!     )
//!     .send()
//!     .await
//!     .unwrap();
//! let text = out.output().unwrap().as_message().unwrap().content()[0].as_text().unwrap().clone();
//! assert_eq!(text, "Hello from the stand-in");
//! assert_eq!(bedrock.requests().len(), 1);
//! # Ok(()) }
//! ```
//!
//! It behaves like Bedrock per the model catalog: it rejects unknown and end-of-life models,
//! bare ids of models that need an inference profile in the client's region (read from the
//! SigV4 credential scope), forced tool choices the model does not accept, system prompts,
//! images or documents the model cannot read, `maxTokens` over the model's limit, sampling
//! parameters out of range, broken role alternation and unpaired `toolResult` blocks; and
//! native structured output (`outputConfig`) or `strict` tools on models without them or with
//! schemas outside Bedrock's JSON-schema subset. A native-output request is answered with
//! JSON text synthesized from its schema.

pub mod conformance;
mod control_plane;
mod eventstream;
mod faults;
mod prompt_cache;
mod reasoning;
mod reply;
mod responder;
mod schemas;
mod server;
mod structured;
mod synth;
mod validate;
pub mod wire;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use aws_sdk_bedrockruntime::config::retry::{RetryConfig, RetryPartition};
use aws_sdk_bedrockruntime::config::timeout::TimeoutConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};

pub use ai_routes_catalog::valid_tool_name;
pub use control_plane::OfferedModel;
pub use faults::{Fault, StreamBreak};
pub use reasoning::{signature as reasoning_signature, REDACTED_THINKING_TRIGGER};
pub use reply::{BedrockError, ErrorKind, Reply, Response};
pub use responder::{estimate_usage, DeterministicResponder, RequestContext, Responder};
pub use schemas::check_route_schemas;
pub use server::{Auth, Operation, RecordedRequest};
pub use synth::synthesize;

use faults::FaultPlan;
use server::Shared;

/// Whether the environment points at AWS credentials (environment variables, a profile, web
/// identity, a container role or `~/.aws/credentials`), so an app can use Amazon Bedrock and
/// fall back to the stand-in otherwise. Instance roles (IMDS) are not probed.
pub fn aws_credentials_configured() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
    let shared_file = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .is_some_and(|home| home.join(".aws/credentials").exists());
    set("AWS_ACCESS_KEY_ID")
        || set("AWS_PROFILE")
        || set("AWS_WEB_IDENTITY_TOKEN_FILE")
        || set("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        || set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        || shared_file
}

/// The region clients use unless told otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A running stand-in. Dropping it stops the server.
pub struct LocalBedrock {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// Settings for [`LocalBedrock`]; start with [`LocalBedrock::builder`].
#[derive(Debug, Clone)]
pub struct LocalBedrockBuilder {
    addr: SocketAddr,
    region: String,
    strict: bool,
    seed: u64,
}

impl Default for LocalBedrockBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: DEFAULT_REGION.into(),
            strict: true,
            seed: 7,
        }
    }
}

impl LocalBedrockBuilder {
    /// The address to listen on; port 0 (the default) picks a free port.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The region assumed when a request carries no SigV4 credential scope.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// With `false`, unknown model ids are accepted and requests are not checked against
    /// the catalog (for models the catalog does not know yet). Default `true`.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Seed for fault injection by fraction, so a run is reproducible.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Binds the listening socket and starts serving on a background task of the current Tokio
    /// runtime. Fails when the address cannot be bound.
    pub async fn start(self) -> std::io::Result<LocalBedrock> {
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            default_region: self.region,
            strict: self.strict,
            responder: RwLock::new(Arc::new(DeterministicResponder)),
            script: Mutex::new(VecDeque::new()),
            faults: Mutex::new(FaultPlan::new(self.seed)),
            requests: Mutex::new(Vec::new()),
            served: AtomicU64::new(0),
            application_profiles: Mutex::new(Default::default()),
            prompt_cache: Default::default(),
            control: Default::default(),
        });
        let app = server::router(shared.clone());
        // Streamed frames are small writes: without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK hold each one back for up to ~40 ms.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "local Bedrock stand-in stopped");
            }
        });
        Ok(LocalBedrock { addr, shared, task })
    }
}

static CLIENT_SEQ: AtomicU64 = AtomicU64::new(0);

impl LocalBedrock {
    /// Starts a stand-in on a free loopback port with the default deterministic responder.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// A builder to set the address, default region, strictness and fault seed before starting.
    pub fn builder() -> LocalBedrockBuilder {
        LocalBedrockBuilder::default()
    }

    /// The address the stand-in listens on (with the port actually bound).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `endpoint_url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A real SDK client for this stand-in in `us-east-1`: static credentials, fast retries
    /// (3 attempts, 10–100 ms backoff) in a retry partition of its own, 30 s attempt timeout.
    pub fn client(&self) -> aws_sdk_bedrockruntime::Client {
        self.client_in(DEFAULT_REGION)
    }

    /// An [`ai_routes::Client`](crate::Client) on this stand-in in `us-east-1`, for routes.
    pub fn ai_client(&self) -> crate::Client {
        crate::Client::new(self.client())
    }

    /// An [`ai_routes::Client`](crate::Client) on this stand-in signing for `region`.
    pub fn ai_client_in(&self, region: &str) -> crate::Client {
        crate::Client::new(self.client_in(region))
    }

    /// Like [`LocalBedrock::client`], signing for `region` (the stand-in applies that
    /// region's availability rules).
    pub fn client_in(&self, region: &str) -> aws_sdk_bedrockruntime::Client {
        aws_sdk_bedrockruntime::Client::from_conf(self.sdk_config(region).build())
    }

    /// The SDK configuration behind [`LocalBedrock::client_in`], to adjust before building.
    pub fn sdk_config(&self, region: &str) -> aws_sdk_bedrockruntime::config::Builder {
        let partition = format!(
            "local-bedrock-{}",
            CLIENT_SEQ.fetch_add(1, Ordering::Relaxed)
        );
        aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(self.endpoint())
            .credentials_provider(Credentials::new(
                "AKIDLOCALBEDROCK",
                "local-bedrock-secret",
                None,
                None,
                "local",
            ))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(10))
                    .with_max_backoff(Duration::from_millis(100)),
            )
            .retry_partition(RetryPartition::new(partition))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            )
    }

    /// Creates an application inference profile (as `CreateInferenceProfile` would) that
    /// routes to the catalog model `model` (a friendly name, id or profile id), and returns
    /// its ARN in the stand-in's region. Calls to the ARN are served as calls to the model,
    /// from that region only. `None` when the catalog does not know `model`.
    pub fn create_application_profile(&self, model: &str) -> Option<String> {
        let model = ai_routes_catalog::resolve(model)?.model;
        let mut profiles = self
            .shared
            .application_profiles
            .lock()
            .expect("profiles lock");
        let arn = format!(
            "arn:aws:bedrock:{}:123456789012:application-inference-profile/local{:08}",
            self.shared.default_region,
            profiles.len() + 1
        );
        profiles.insert(arn.clone(), model);
        Some(arn)
    }

    /// Denies the account access to `model_id` (a model id) in `region`, or in every region
    /// with `None`: the control plane reports it `NOT_AUTHORIZED` (what `ai-routes models
    /// sync` records) and calls to it fail with Bedrock's `AccessDeniedException`.
    pub fn deny_model_access(&self, model_id: &str, region: Option<&str>) {
        self.shared
            .control
            .lock()
            .expect("control plane lock")
            .denied
            .push((model_id.to_string(), region.map(str::to_string)));
    }

    /// Offers a model the catalog does not know, as AWS does the day it ships one: the
    /// control plane lists it and the runtime serves it (unchecked, as a strict stand-in
    /// cannot know its rules).
    pub fn offer_model(&self, model: OfferedModel) {
        self.shared
            .control
            .lock()
            .expect("control plane lock")
            .offered
            .push(model);
    }

    /// Queues a reply; queued replies answer requests in order, before the responder.
    pub fn push_reply(&self, reply: impl Into<Response>) {
        self.shared
            .script
            .lock()
            .expect("script lock")
            .push_back(reply.into());
    }

    /// Queues several replies.
    pub fn push_replies(&self, replies: impl IntoIterator<Item = Reply>) {
        let mut script = self.shared.script.lock().expect("script lock");
        script.extend(replies.into_iter().map(Response::Reply));
    }

    /// Queues an error answer for the next request that reaches the responder (after
    /// validation), as a model-side failure would.
    pub fn push_error(&self, kind: ErrorKind, message: impl Into<String>) {
        self.push_reply(BedrockError::new(kind, message));
    }

    /// Replaces the responder used when no scripted reply is queued.
    pub fn respond_with(&self, responder: impl Responder) {
        *self.shared.responder.write().expect("responder lock") = Arc::new(responder);
    }

    /// Throttles the next `n` HTTP requests (each SDK retry attempt is one request).
    pub fn throttle_next(&self, n: usize) {
        for _ in 0..n {
            self.inject(Fault::throttle());
        }
    }

    /// Fails the next request with `kind`, before validation, using Bedrock's default wording.
    pub fn fail_next(&self, kind: ErrorKind) {
        self.inject(Fault::Error(BedrockError::of(kind)));
    }

    /// Breaks the next ConverseStream response after `after_events` events.
    pub fn break_next_stream(&self, after_events: usize, how: StreamBreak) {
        self.inject(Fault::BreakStream { after_events, how });
    }

    /// Queues any fault for the next request.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.lock().expect("faults lock").queue(fault);
    }

    /// Applies `fault` to a random `fraction` (0–1) of requests, reproducibly for a seed.
    pub fn inject_fraction(&self, fraction: f64, fault: Fault) {
        self.shared
            .faults
            .lock()
            .expect("faults lock")
            .at_random(fraction, fault);
    }

    /// Throttles a random `fraction` of requests.
    pub fn throttle_fraction(&self, fraction: f64) {
        self.inject_fraction(fraction, Fault::throttle());
    }

    /// Adds latency before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.faults.lock().expect("faults lock").latency = latency;
    }

    /// Adds latency before every streamed frame.
    pub fn set_chunk_latency(&self, latency: Duration) {
        self.shared
            .faults
            .lock()
            .expect("faults lock")
            .chunk_latency = latency;
    }

    /// Removes every queued and random fault and all latency.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("faults lock").clear();
    }

    /// How many faults were injected so far.
    pub fn faults_injected(&self) -> u64 {
        self.shared.faults.lock().expect("faults lock").injected
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().expect("requests lock").clone()
    }

    /// The most recent request.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .expect("requests lock")
            .last()
            .cloned()
    }

    /// Forgets the recorded requests (e.g. between phases of a test).
    pub fn clear_requests(&self) {
        self.shared.requests.lock().expect("requests lock").clear();
    }

    /// Serves until the process is killed (for the `local-bedrock` binary).
    pub async fn serve_forever(self) {
        let mut this = self;
        let _ = (&mut this.task).await;
    }
}

impl Drop for LocalBedrock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for LocalBedrock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBedrock")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
