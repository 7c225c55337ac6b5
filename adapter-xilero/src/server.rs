//! [`LinkServer`]: accepts game servers' connections and serves each one.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ticket_core::Desk;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::connection;
use crate::events::Counters;
use crate::hub::LinkHandle;
use crate::noisy::Noise;

/// How long to pause accepting after the system refused a connection (e.g. out of file descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The link server, bound and ready to [`serve`](Self::serve).
///
/// ```no_run
/// # async fn wire(store: std::sync::Arc<dyn ticket_core::TicketStore>, chat: std::sync::Arc<dyn ticket_core::ChatPlatform>,
/// #               key: ticket_core::PidKey, config: adapter_xilero::LinkConfig) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use adapter_xilero::{LinkHandle, LinkServer};
/// use ticket_core::{Desk, Ports};
///
/// let link = LinkHandle::new(config)?;
/// let desk = Arc::new(Desk::new(Ports::new(store, chat).with_game(Arc::new(link.clone())), key));
/// let running = LinkServer::bind(link, desk).await?.spawn();
/// // … later:
/// running.shutdown().await;
/// # Ok(()) }
/// ```
pub struct LinkServer {
    listener: TcpListener,
    link: LinkHandle,
    desk: Arc<Desk>,
}

impl std::fmt::Debug for LinkServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkServer").field("local_addr", &self.listener.local_addr().ok()).finish_non_exhaustive()
    }
}

impl LinkServer {
    /// Binds the address of the link's configuration (`listen`).
    pub async fn bind(link: LinkHandle, desk: Arc<Desk>) -> std::io::Result<Self> {
        let addr = link.config().listen;
        Self::bind_to(addr, link, desk).await
    }

    /// Binds another address than the configuration's (e.g. the port a previous server got for `:0`, to restart
    /// it where game servers will look for it).
    pub async fn bind_to(addr: SocketAddr, link: LinkHandle, desk: Arc<Desk>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self { listener, link, desk })
    }

    /// The address bound (useful when the configuration asked for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes; then every connection is told `shutting_down` and closed, and this
    /// returns once their tasks have finished (records already read are still handed to the desk).
    pub async fn serve(self, shutdown: impl Future<Output = ()> + Send) {
        let Self { listener, link, desk } = self;
        let (stop, stopped) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut summaries = tokio::time::interval(Duration::from_secs(1));
        summaries.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let addr = listener.local_addr().map_or_else(|_| "unknown".to_owned(), |a| a.to_string());
        tracing::info!(%addr, "game link: listening");
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                _ = summaries.tick() => {
                    for summary in link.noisy().flush(Instant::now()) {
                        summary.log();
                    }
                }
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        Counters::bump(&link.counters().connections);
                        if !link.config().allows(peer.ip()) {
                            Counters::bump(&link.counters().rejected_address);
                            if link.noisy().first(Noise::UnknownAddress, peer.ip(), Instant::now()) {
                                tracing::warn!(%peer, "game link: a connection from an address no game server may use was closed (see allow_from)");
                            }
                            drop(stream);
                            continue;
                        }
                        let (place, pushed_out) = link.gate().enter(peer.ip());
                        if pushed_out > 0 {
                            tracing::debug!(%peer, pushed_out, "game link: the waiting room was full");
                        }
                        connections.spawn(connection::serve(
                            stream,
                            peer,
                            link.clone(),
                            desk.clone(),
                            stopped.clone(),
                            place,
                        ));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "game link: accept failed");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                },
            }
        }
        drop(listener);
        let _ = stop.send(true);
        while connections.join_next().await.is_some() {}
        for summary in link.noisy().flush(Instant::now() + crate::noisy::WINDOW) {
            summary.log();
        }
        tracing::info!(%addr, "game link: stopped");
    }

    /// Serves on a task of its own; stop it with [`RunningLink::shutdown`].
    pub fn spawn(self) -> RunningLink {
        let addr = self.listener.local_addr().ok();
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(self.serve(async move {
            // Either a stop signal or the RunningLink being dropped ends the wait.
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
        RunningLink { addr, stop, task }
    }
}

/// A link server serving on its own task.
#[derive(Debug)]
pub struct RunningLink {
    addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningLink {
    /// The address bound.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// Stops accepting, closes every connection with `shutting_down`, and waits for all of it.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "game link: the server task ended abnormally");
        }
    }
}
