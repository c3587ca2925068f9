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
/// serves until Ctrl-C or SIGTERM, then shuts down gracefully.
pub async fn serve_forever(config: SimConfig, port: u16) -> std::io::Result<()> {
    let sim = spawn(config, SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    print!("{}", banner(&sim));
    use std::io::Write as _;
    std::io::stdout().flush()?;
    wait_for_signal().await?;
    tracing::info!("stopping the sim");
    sim.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
