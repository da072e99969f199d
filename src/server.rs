//! Accepting connections. axum's own `serve` sets no timer, so a client that opens a connection
//! and never finishes its headers holds a file descriptor for ever; 20,000 of them stop the
//! server. Here every connection must send a whole request head within the configured time,
//! and connections are capped in all and per client address, so one address cannot starve the
//! others and `/healthz` keeps answering.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{ConnectionLimits, IpNet};

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    trusted_proxies: Vec<IpNet>,
    shutdown: impl Future<Output = ()>,
) {
    let total = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = AddressCounts::new(limits.max_per_address, trusted_proxies);
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            tracing::warn!("connection limit reached; closing a new connection");
            continue;
        };
        let Some(slot) = per_address.take(peer.ip()) else {
            tracing::warn!(address = %peer.ip(), "per-address connection limit reached; closing a new connection");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop((permit, slot));
        });
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        tracing::warn!("some connections were still open after 10 s; closing them");
    }
}

/// Open connections per client address. Trusted proxies carry many clients and are not capped.
#[derive(Clone)]
struct AddressCounts {
    max: usize,
    exempt: Arc<Vec<IpNet>>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection's place in its address's count, given back when dropped.
struct AddressSlot {
    counts: AddressCounts,
    address: Option<IpAddr>,
}

impl AddressCounts {
    fn new(max: usize, exempt: Vec<IpNet>) -> Self {
        Self { max, exempt: Arc::new(exempt), open: Arc::default() }
    }

    fn take(&self, address: IpAddr) -> Option<AddressSlot> {
        if self.exempt.iter().any(|net| net.contains(address)) {
            return Some(AddressSlot { counts: self.clone(), address: None });
        }
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(address).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(AddressSlot { counts: self.clone(), address: Some(address) })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let Some(address) = self.address else { return };
        let mut open = self.counts.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_address_slots_are_counted_and_given_back() {
        let counts = AddressCounts::new(2, vec![IpNet::parse("10.0.0.1").unwrap()]);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let first = counts.take(a).unwrap();
        let _second = counts.take(a).unwrap();
        assert!(counts.take(a).is_none(), "a third connection from one address is refused");
        assert!(counts.take("192.0.2.2".parse().unwrap()).is_some(), "other addresses are not affected");
        drop(first);
        assert!(counts.take(a).is_some(), "a closed connection frees its slot");
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..10).map(|_| counts.take(proxy).unwrap()).collect();
        assert_eq!(held.len(), 10, "a trusted proxy is not capped");
    }
}
