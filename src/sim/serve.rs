//! Running the sim in the foreground (`confmod sim`).

use std::net::{Ipv4Addr, SocketAddr};

use super::{SimConfig, SimHandle, spawn};

/// What `serve_forever` prints once the sim listens: the base URL, the key
/// it accepts, a sample conference and a curl line to paste.
pub fn banner(sim: &SimHandle) -> String {
    let base = sim.base_url();
    let key = sim.api_key();
    let conference = sim.sample_conference();
    format!(
        "confmod sim listening on {base}\n\
         API key:    {key}\n\
         conference: {conference}\n\
         \n\
         export TELNYX_BASE_URL={base} TELNYX_API_KEY={key}\n\
         curl -sg -H 'Authorization: Bearer {key}' '{base}/conferences/{conference}/participants?page[size]=5'\n"
    )
}

/// Binds 127.0.0.1:`port` (only loopback), prints the banner to stdout and
/// serves until Ctrl-C or SIGTERM, then shuts down gracefully. The signals
/// are caught *before* the banner is printed, so a supervisor that stops the
/// sim as soon as it sees the banner gets a graceful exit (code 0).
pub async fn serve_forever(config: SimConfig, port: u16) -> std::io::Result<()> {
    let stop = stop_signal()?;
    let sim = spawn(config, SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        write!(out, "{}", banner(&sim))?;
        out.flush()?;
    }
    stop.await;
    tracing::info!("stopping the sim");
    sim.shutdown().await;
    Ok(())
}

/// A future that completes on SIGINT or SIGTERM (Ctrl-C elsewhere); the
/// handlers are installed when this returns, not when it is awaited.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
