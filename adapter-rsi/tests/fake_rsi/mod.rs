//! A fake RSI on 127.0.0.1: a tiny HTTP/1.1 responder serving saved-shape pages and scripted faults, counting
//! every request. The tests never reach the real site.

// Each test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adapter_rsi::{RsiConfig, RsiDirectory};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A directory reading from `base_url` with `timeout`, sending the user agent `adapter-rsi-tests/1.0`.
pub fn directory(base_url: String, timeout: Duration) -> RsiDirectory {
    RsiDirectory::new(RsiConfig { base_url, timeout, user_agent: "adapter-rsi-tests/1.0".into() }).unwrap()
}

/// A saved page.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// What the fake answers on one path.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status and an HTML body (with its `Content-Length`).
    Page(u16, Vec<u8>),
    /// A redirect to `location`, where `{port}` stands for the fake's own port.
    Redirect(&'static str),
    /// `200` with headers but no `Content-Length`: `len` bytes, then the connection closes.
    Unsized(usize),
    /// Reads the request and never answers.
    Silent,
    /// Sends the headers of a 200 page with a `Content-Length`, then stalls before the body.
    StallBody,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request target.
    pub path: String,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The `Accept-Language` header.
    pub accept_language: Option<String>,
}

/// The running fake.
pub struct FakeRsi {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeRsi {
    /// Starts serving `routes` (exact paths); other paths get a plain 404.
    pub async fn start(routes: Vec<(&'static str, Reply)>) -> FakeRsi {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<HashMap<&'static str, Reply>> = Arc::new(routes.into_iter().collect());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, port, routes.clone(), log.clone()));
            }
        });
        FakeRsi { port, seen }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A directory reading from this fake, with a 5 s timeout.
    pub fn directory(&self) -> RsiDirectory {
        directory(self.base_url(), Duration::from_secs(5))
    }

    /// How many requests arrived.
    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// The requests that arrived, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(
    mut socket: TcpStream,
    port: u16,
    routes: Arc<HashMap<&'static str, Reply>>,
    seen: Arc<Mutex<Vec<Seen>>>,
) {
    let Some(head) = read_head(&mut socket).await else { return };
    let mut lines = head.lines();
    let path = lines.next().and_then(|line| line.split(' ').nth(1)).unwrap_or_default().to_owned();
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    };
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        user_agent: header("user-agent"),
        accept_language: header("accept-language"),
    });
    let reply = routes.get(path.as_str()).cloned().unwrap_or(Reply::Page(404, b"no such page".to_vec()));
    let _ = answer(&mut socket, port, reply).await;
}

async fn answer(socket: &mut TcpStream, port: u16, reply: Reply) -> std::io::Result<()> {
    match reply {
        Reply::Page(status, body) => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reason(status),
                body.len()
            );
            socket.write_all(head.as_bytes()).await?;
            socket.write_all(&body).await?;
        }
        Reply::Redirect(location) => {
            let location = location.replace("{port}", &port.to_string());
            let head = format!(
                "HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await?;
        }
        Reply::Unsized(len) => {
            socket.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n").await?;
            let block = vec![b'x'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(block.len());
                socket.write_all(&block[..n]).await?;
                left -= n;
            }
        }
        Reply::Silent => tokio::time::sleep(Duration::from_secs(3600)).await,
        Reply::StallBody => {
            socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<html>")
                .await?;
            socket.flush().await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
    socket.shutdown().await
}

async fn read_head(socket: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}
