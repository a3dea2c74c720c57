//! Faults injected on demand: errors, throttling by count or fraction, broken streams, latency.

use std::collections::VecDeque;
use std::time::Duration;

use super::reply::{BedrockError, ErrorKind};

/// How a stream breaks after its first events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamBreak {
    /// The connection closes cleanly without `messageStop`/`metadata` (the SDK reports a
    /// normal end, so the client must notice the missing `messageStop`).
    Eof,
    /// An exception frame such as `throttlingException` or `modelStreamErrorException`.
    Exception(ErrorKind),
    /// Half of the next frame is sent, then the connection closes.
    CutMidFrame,
}

/// One fault, applied to one HTTP request (every SDK retry attempt is a request).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this error instead of the reply.
    Error(BedrockError),
    /// Stream the reply but break it after `after_events` events (Converse is unaffected).
    BreakStream {
        /// Events delivered before the break (the first is `messageStart`).
        after_events: usize,
        /// How the stream breaks.
        how: StreamBreak,
    },
    /// Answer normally, after a delay.
    Delay(Duration),
    /// Answer with exactly this HTTP response: an error of a type the SDK does not know, one
    /// whose message is not where the SDK looks, a gateway's page.
    Raw {
        /// The HTTP status.
        status: u16,
        /// The response headers, as name and value.
        headers: Vec<(String, String)>,
        /// The response body.
        body: String,
    },
}

impl Fault {
    /// A `ThrottlingException` (HTTP 429), what Bedrock answers over the on-demand quota.
    pub fn throttle() -> Self {
        Fault::Error(BedrockError::of(ErrorKind::Throttling))
    }
}

/// The fault plan shared by every request the stand-in serves.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    queued: VecDeque<Fault>,
    random: Vec<(f64, Fault)>,
    rng: fastrand::Rng,
    pub(crate) latency: Duration,
    pub(crate) chunk_latency: Duration,
    pub(crate) injected: u64,
}

impl FaultPlan {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            queued: VecDeque::new(),
            random: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
            latency: Duration::ZERO,
            chunk_latency: Duration::ZERO,
            injected: 0,
        }
    }

    pub(crate) fn queue(&mut self, fault: Fault) {
        self.queued.push_back(fault);
    }

    pub(crate) fn at_random(&mut self, fraction: f64, fault: Fault) {
        self.random.push((fraction.clamp(0.0, 1.0), fault));
    }

    pub(crate) fn clear(&mut self) {
        self.queued.clear();
        self.random.clear();
        self.latency = Duration::ZERO;
        self.chunk_latency = Duration::ZERO;
    }

    /// The faults for the next request: the next queued one, else at most one random one.
    pub(crate) fn next(&mut self) -> Option<Fault> {
        let fault = self.queued.pop_front().or_else(|| {
            let roll = self.rng.f64();
            let mut acc = 0.0;
            self.random.iter().find_map(|(fraction, fault)| {
                acc += fraction;
                (roll < acc).then(|| fault.clone())
            })
        });
        if fault.is_some() {
            self.injected += 1;
        }
        fault
    }
}
