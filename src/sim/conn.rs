//! The sim's accept loop: HTTP/1 connections with a header-read timeout, an
//! idle timeout and a limit on how many are open at once, so that idle or
//! half-open sockets cannot exhaust it.
//!
//! - A connection that has sent part of a request head has
//!   [`ConnLimits::header_timeout`] to send the rest.
//! - A connection with no request in flight that has received nothing for
//!   [`ConnLimits::idle_timeout`] is closed (keep-alive or never used).
//! - At [`ConnLimits::max_connections`], a new connection closes the one
//!   without a request in flight that has been quiet the longest; when every
//!   one has a request in flight, new connections wait to be accepted.
//!
//! A request in flight is never timed out: a hanging fault hangs until the
//! sim stops, as it should. Each connection is watched by its own task; the
//! timeouts are checked against what the connection read and answered.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::Shared;

/// How the sim treats connections. The defaults suit a local fake: clients
/// that keep a connection for a console's 2-second polls, and nothing that
/// needs more than a few hundred connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnLimits {
    /// Time to finish a request head once its first byte arrived.
    pub header_timeout: Duration,
    /// Time a connection without a request in flight may stay quiet.
    pub idle_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

/// What the accept loop knows of one connection.
struct Conn {
    opened: Instant,
    /// Milliseconds after `opened` of the last byte read or written, or of
    /// the last answer.
    last_active: AtomicU64,
    /// One more than the milliseconds after `opened` when a request head
    /// began with no request in flight; 0 when none has.
    head_started: AtomicU64,
    in_flight: AtomicUsize,
    evicted: AtomicBool,
    close: Notify,
    /// Wakes the watchdog when a request head begins: its deadline moves
    /// from the idle timeout to the (earlier) header timeout.
    head_began: Notify,
}

impl Conn {
    fn new() -> Self {
        Conn {
            opened: Instant::now(),
            last_active: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            evicted: AtomicBool::new(false),
            close: Notify::new(),
            head_began: Notify::new(),
        }
    }

    fn now(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    fn read_some(&self) {
        let now = self.now();
        self.last_active.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Acquire) == 0
            && self
                .head_started
                .compare_exchange(0, now + 1, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.head_began.notify_one();
        }
    }

    fn wrote_some(&self) {
        self.last_active.store(self.now(), Ordering::Relaxed);
    }

    /// A request head was read whole: the request is in flight.
    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.head_started.store(0, Ordering::Release);
        InFlight(self.clone())
    }

    /// When the connection is due to be closed if nothing happens (in
    /// milliseconds after `opened`); `None` while a request is in flight.
    fn due(&self, limits: &ConnLimits) -> Option<u64> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        Some(match self.head_started.load(Ordering::Acquire) {
            0 => self.last_active.load(Ordering::Relaxed) + limits.idle_timeout.as_millis() as u64,
            began => began - 1 + limits.header_timeout.as_millis() as u64,
        })
    }
}

/// A request in flight on a connection, until it is answered (or dropped).
struct InFlight(Arc<Conn>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.wrote_some();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Resolves when the connection has been quiet past its timeout. It sleeps
/// until the deadline it can see, and looks again when a request head
/// begins (the deadline comes closer) or, while a request is in flight,
/// every so often (the deadline only moves later then).
async fn watchdog(conn: &Conn, limits: &ConnLimits) {
    let recheck = limits.idle_timeout.min(limits.header_timeout);
    loop {
        let wait = match conn.due(limits) {
            None => recheck,
            Some(due) => match due.checked_sub(conn.now()) {
                Some(left) if left > 0 => Duration::from_millis(left),
                _ => return,
            },
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = conn.head_began.notified() => {}
        }
    }
}

/// A TCP stream that tells its [`Conn`] when bytes pass.
struct Watched {
    stream: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.read_some();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.conn.wrote_some();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The open connections.
#[derive(Default)]
struct Registry {
    open: Mutex<HashMap<u64, Arc<Conn>>>,
    /// Notified when a connection ends.
    freed: Notify,
}

impl Registry {
    fn open(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the connection without a request in flight that has been quiet
    /// the longest to close; false when every one has a request in flight.
    fn evict_quietest(&self) -> bool {
        let open = self.open();
        let quietest = open
            .values()
            .filter(|c| c.in_flight.load(Ordering::Acquire) == 0)
            .filter(|c| !c.evicted.load(Ordering::Relaxed))
            .min_by_key(|c| {
                c.opened + Duration::from_millis(c.last_active.load(Ordering::Relaxed))
            });
        match quietest {
            Some(conn) => {
                conn.evicted.store(true, Ordering::Relaxed);
                conn.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` until the sim stops; then lets every
/// connection finish what it is answering, and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shared: Arc<Shared>,
) -> io::Result<()> {
    let limits = ConnLimits {
        max_connections: limits.max_connections.max(1),
        ..limits
    };
    let registry = Arc::new(Registry::default());
    let mut tasks = JoinSet::new();
    let mut next = 0u64;
    'accept: loop {
        while tasks.try_join_next().is_some() {}
        while registry.open().len() >= limits.max_connections {
            if registry.evict_quietest() {
                tracing::debug!("sim: connection limit reached: closing the quietest");
            }
            tokio::select! {
                _ = registry.freed.notified() => {}
                _ = shared.stopping() => break 'accept,
            }
        }
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // out of descriptors, most likely: wait for one to free up
                    tracing::warn!("sim: cannot accept: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                        _ = registry.freed.notified() => {}
                    }
                    continue;
                }
            },
            _ = shared.stopping() => break,
        };
        let conn = Arc::new(Conn::new());
        let id = next;
        next += 1;
        registry.open().insert(id, conn.clone());
        let (router, shared, registry) = (router.clone(), shared.clone(), registry.clone());
        tasks.spawn(async move {
            serve_one(stream, conn, router, &limits, &shared).await;
            registry.open().remove(&id);
            registry.freed.notify_one();
        });
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// One connection, until the client closes it, it times out, it is evicted,
/// or the sim stops (then gracefully: what is in flight is answered).
async fn serve_one(
    stream: TcpStream,
    conn: Arc<Conn>,
    router: Router,
    limits: &ConnLimits,
    shared: &Shared,
) {
    let service = {
        let conn = conn.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let in_flight = conn.begin();
            let mut router = router.clone();
            async move {
                let response = tower_service::Service::call(&mut router, req).await;
                drop(in_flight);
                response
            }
        })
    };
    let io = TokioIo::new(Watched {
        stream,
        conn: conn.clone(),
    });
    let connection = http1::Builder::new().serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = watchdog(&conn, limits) => {
            tracing::debug!("sim: closing a connection past its timeout");
        }
        _ = conn.close.notified() => {}
        _ = shared.stopping() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
