//! Waiting for the signal to stop: Ctrl-C (SIGINT) everywhere, and SIGTERM on Unix (what `systemctl stop`,
//! `docker stop` and Kubernetes send).

/// Waits for Ctrl-C or SIGTERM; returns the signal's name. If a signal cannot be listened for, only the other one
/// is waited for (and if neither can, this never returns: the process is then stopped by force, which the outbox
/// survives).
pub async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(error) => {
                tracing::warn!(%error, "cannot listen for Ctrl-C");
                std::future::pending().await
            }
        }
    };
    tokio::select! {
        name = ctrl_c => name,
        name = terminate() => name,
    }
}

#[cfg(unix)]
async fn terminate() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            term.recv().await;
            "SIGTERM"
        }
        Err(error) => {
            tracing::warn!(%error, "cannot listen for SIGTERM");
            std::future::pending().await
        }
    }
}

#[cfg(not(unix))]
async fn terminate() -> &'static str {
    std::future::pending().await
}
