//! [`serve`]: axum's `serve` with the time limits a public server needs. `axum::serve` gives
//! hyper no timer, so a client that opens a connection and trickles its headers (or never
//! sends them) holds it forever; here the headers must arrive within a time limit, and each
//! request carries its peer address ([`ConnectInfo`]) for the per-IP limits of [`Api`].
//!
//! [`Api`]: super::Api

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// How long a client may take to send a request's headers, by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection settings of [`serve`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ServeOptions {
    /// A connection whose request headers are not complete this long after it starts
    /// waiting for them is closed (idle keep-alive connections included).
    pub header_read_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        }
    }
}

impl ServeOptions {
    /// How long a client may take to send a request's headers before the connection is
    /// closed (slow-client protection). Default 10 s.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }
}

/// Serves `router` (e.g. [`Api::router`](super::Api::router)) on `listener` until `shutdown`
/// completes, then waits for the open connections to finish their requests. Pair it with
/// [`Api::body_timeout`](super::Api::body_timeout) for slow request bodies.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: the listener itself is fine, so
                    // wait for connections to close rather than stop serving.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Server-Sent Events are small writes: send each at once (no Nagle delay).
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_read_timeout);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The peer address of a request served by [`serve`] (or with axum's
/// `into_make_service_with_connect_info`).
pub(crate) fn peer(request: &axum::http::Extensions) -> Option<SocketAddr> {
    request
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr)
}
