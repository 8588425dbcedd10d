//! `/metrics` and `/healthz` over a minimal HTTP/1.1 server: two read-only endpoints do not
//! need a web framework.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Metrics;

pub(crate) async fn serve(listener: TcpListener, metrics: Arc<Metrics>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|&stop| stop) => return,
        };
        let Ok((mut socket, _)) = accepted else { continue };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let mut request = Vec::with_capacity(512);
            let mut chunk = [0u8; 512];
            // The request line and headers, at most 8 KiB, within 5 s.
            let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 8192 {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return false,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                true
            })
            .await;
            if !matches!(read, Ok(true)) {
                return;
            }
            let line = String::from_utf8_lossy(&request);
            let path = line.split_whitespace().nth(1).unwrap_or("");
            let (status, content_type, body) = match (line.starts_with("GET "), path) {
                (true, "/metrics") => ("200 OK", "text/plain; version=0.0.4", metrics.render()),
                (true, "/healthz") => match metrics.health() {
                    Ok(()) => ("200 OK", "text/plain", "ok\n".to_owned()),
                    Err(problems) => ("503 Service Unavailable", "text/plain", format!("{problems}\n")),
                },
                (true, _) => ("404 Not Found", "text/plain", "try /metrics or /healthz\n".to_owned()),
                (false, _) => ("405 Method Not Allowed", "text/plain", "GET only\n".to_owned()),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}
