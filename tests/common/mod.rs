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
