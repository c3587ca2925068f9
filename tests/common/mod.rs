//! What several test files share. Each test file is its own crate and uses
//! a part of this, so what one of them leaves unused is not dead code.
#![allow(dead_code)]

pub mod console;

use std::time::Duration;

/// A plain HTTP client for raw requests to a local server: no proxy, a
/// 30 s timeout. reqwest takes its TLS crypto from the process-wide rustls
/// provider, which confmod's own client installs; a test that starts with a
/// raw client installs it here.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// Sends `head` and `body` on a fresh connection; the status and the body
/// of the answer.
pub async fn raw_http(
    addr: std::net::SocketAddr,
    head: &str,
    body: &[u8],
) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text[9..12].parse().unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    (
        status,
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}
