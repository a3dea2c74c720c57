//! Streamed generation: a route called over ConverseStream yields progressively filled
//! snapshots of its result while the JSON arrives (native text deltas, or the result
//! tool's input deltas), then the validated value.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use super::{Generated, GenerationRoute, Typed, UserInput};
use crate::error::Result;
use crate::executor::Delta;
use crate::partial_json::complete_prefix;
use crate::Client;

/// A snapshot of a result still arriving: the JSON received so far, with every incomplete
/// piece left out (see [`complete_prefix`]). Fields fill in as the model writes them; a
/// string grows, a number appears once complete.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial<T> {
    json: Value,
    result: PhantomData<fn() -> T>,
}

impl<T> Partial<T> {
    /// The snapshot as JSON (for a non-object result, the value itself).
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// A field of an object result, if it has arrived (a string may still grow).
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.json.get(field)
    }
}

impl<T: DeserializeOwned> Partial<T> {
    /// The snapshot as a `T`, when it already deserializes into one (every required field
    /// has arrived). Not validated: only the final [`GenerationEvent::Done`] value is.
    pub fn to_value(&self) -> Option<T> {
        T::deserialize(&self.json).ok()
    }
}

/// What a streamed generation yields: snapshots, then the validated result.
#[derive(Debug)]
pub enum GenerationEvent<T> {
    /// The result so far. After an invalid answer the route asks for a correction and the
    /// snapshots start over from the corrected answer.
    Partial(Partial<T>),
    /// The validated result, with its metering: the last item of the stream.
    Done(Generated<T>),
}

/// The stream of [`GenerationRoute::stream`]: [`GenerationEvent::Partial`] snapshots, then
/// one [`GenerationEvent::Done`], or an error as its last item.
#[must_use = "streams do nothing unless polled"]
pub struct GenerationStream<'a, T> {
    events: BoxStream<'a, Result<Event>>,
    result: PhantomData<fn() -> T>,
}

/// A type-erased event: the engine is compiled once for every result type.
#[doc(hidden)]
pub enum Event {
    Partial(Value),
    Done(Generated<Typed>),
}

impl<T: 'static> Stream for GenerationStream<'_, T> {
    type Item = Result<GenerationEvent<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.events.poll_next_unpin(cx).map(|item| {
            item.map(|event| {
                event.map(|event| match event {
                    Event::Partial(json) => GenerationEvent::Partial(Partial {
                        json,
                        result: PhantomData,
                    }),
                    Event::Done(generated) => GenerationEvent::Done(generated.map_value(|value| {
                        *value
                            .downcast::<T>()
                            .expect("`result_type::<T>` read the value")
                    })),
                })
            })
        })
    }
}

impl<'a, T: 'static> GenerationStream<'a, T> {
    /// The stream with the result as JSON (to serve it over HTTP).
    pub fn into_json(self) -> BoxStream<'a, Result<GenerationEvent<Value>>> {
        self.map(|event| {
            event.map(|event| match event {
                GenerationEvent::Partial(partial) => GenerationEvent::Partial(Partial {
                    json: partial.json,
                    result: PhantomData,
                }),
                GenerationEvent::Done(generated) => GenerationEvent::Done(generated.into_json()),
            })
        })
        .boxed()
    }
}

impl<T: 'static> GenerationRoute<T> {
    /// Calls the model over ConverseStream and yields snapshots of the result while its
    /// JSON arrives, then the validated result. Works with every output strategy: native
    /// output streams the JSON as text, the result tool as tool-input deltas. On a model
    /// without ConverseStream (or without streaming tool use, for the tool strategies) the
    /// call is made with Converse and the stream yields only the result.
    ///
    /// Everything else is as [`GenerationRoute::generate`]: validation, corrections,
    /// limits, retries, usage. Every `#[generation]` fn `name` also gets `name_stream`,
    /// which builds the prompt from the same arguments and calls this.
    pub fn stream<'a>(
        &'a self,
        client: &'a Client,
        input: UserInput<'a>,
    ) -> GenerationStream<'a, T> {
        self.stream_with(client, move |call| Box::pin(call.generate(input)))
    }

    /// [`GenerationRoute::stream`] for a call that first builds its input from arguments it
    /// owns (the `name_stream` fns `#[generation]` generates).
    #[doc(hidden)]
    pub fn stream_with<'a>(
        &'a self,
        client: &'a Client,
        call: impl FnOnce(StreamCall<'a>) -> BoxFuture<'a, Result<Generated<Typed>>> + Send + 'a,
    ) -> GenerationStream<'a, T> {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        let call = call(StreamCall {
            core: &self.core,
            client,
            sender: sender.clone(),
        });
        // The engine sends snapshots and then its result through one channel, so they
        // arrive in order; the driver stream runs the engine and yields nothing itself.
        let driver = futures_util::stream::once(async move {
            let result = call.await;
            let _ = sender.send(result.map(Event::Done));
        })
        .filter_map(|()| std::future::ready(None));
        let received = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|item| (item, receiver))
        });
        GenerationStream {
            events: futures_util::stream::select(received, driver).boxed(),
            result: PhantomData,
        }
    }
}

/// One streamed call of a route, handed to the closure of
/// [`GenerationRoute::stream_with`]: it makes the call once the input is built.
#[doc(hidden)]
pub struct StreamCall<'a> {
    core: &'a super::RouteCore,
    client: &'a Client,
    sender: UnboundedSender<Result<Event>>,
}

impl StreamCall<'_> {
    /// Calls the model with `input`, sending snapshots to the stream.
    pub async fn generate(self, input: UserInput<'_>) -> Result<Generated<Typed>> {
        self.core
            .generate_streamed(self.client, input, &self.sender)
            .await
    }
}

/// Turns the deltas of one model call into snapshots: collects the result's JSON (the text
/// of a native answer, or the result tool's input) and sends each new snapshot.
pub(super) struct Snapshots<'s> {
    sender: &'s UnboundedSender<Result<Event>>,
    /// Native output: the JSON is the text; else it is the tool input.
    native: bool,
    /// The result is boxed under `value` (a non-object result type).
    boxed: bool,
    buffer: String,
    last: Option<Value>,
}

impl<'s> Snapshots<'s> {
    pub(super) fn new(
        sender: &'s UnboundedSender<Result<Event>>,
        native: bool,
        boxed: bool,
    ) -> Self {
        Snapshots {
            sender,
            native,
            boxed,
            buffer: String::new(),
            last: None,
        }
    }

    pub(super) fn take(&mut self, delta: Delta) {
        match delta {
            Delta::AttemptStarted => {
                self.buffer.clear();
                self.last = None;
                return;
            }
            Delta::Text(text) if self.native => self.buffer.push_str(&text),
            Delta::ToolInput(fragment) if !self.native => self.buffer.push_str(&fragment),
            _ => return,
        }
        let Some(mut snapshot) = complete_prefix(&self.buffer) else {
            return;
        };
        if self.boxed {
            match snapshot.get_mut("value") {
                Some(value) => snapshot = value.take(),
                None => return,
            }
        }
        if self.last.as_ref() != Some(&snapshot) {
            self.last = Some(snapshot.clone());
            let _ = self.sender.send(Ok(Event::Partial(snapshot)));
        }
    }
}
