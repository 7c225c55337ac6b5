//! The HTTP server on `127.0.0.1`, plain and TLS ([`super::tls`]): REST requests go through [`super::rest`], a
//! WebSocket upgrade on `/gateway` becomes a [`super::gateway`] session.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue, UPGRADE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::gateway;
use super::rest::{self, RestRequest};
use super::shared::Shared;

/// Accepts connections until the fake shuts down: plain HTTP, or TLS through `tls` (the same service either way).
pub(crate) async fn run(listener: TcpListener, shared: Arc<Shared>, tls: Option<TlsAcceptor>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve(shared, stream).await,
                Some(acceptor) => {
                    let mut shutdown = shared.shutdown.subscribe();
                    let handshake = tokio::select! {
                        _ = shutdown.changed() => return,
                        handshake = acceptor.accept(stream) => handshake,
                    };
                    match handshake {
                        Ok(stream) => serve(shared, stream).await,
                        Err(e) => tracing::debug!(target: "discord_sim", "TLS handshake failed: {e}"),
                    }
                }
            }
        });
    }
}

/// Serves one connection until it ends or the fake shuts down.
async fn serve<S>(shared: Arc<Shared>, stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut shutdown = shared.shutdown.subscribe();
    let service = {
        let shared = Arc::clone(&shared);
        service_fn(move |req| {
            let shared = Arc::clone(&shared);
            async move { Ok::<_, Infallible>(respond(shared, req).await) }
        })
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            // The connection ends either way; its result does not matter any more.
            let _ = connection.await;
        }
    }
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn response(status: u16, body: Option<String>, headers: &[(&'static str, String)]) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(status);
    if body.is_some() {
        builder = builder.header(CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        builder = builder.header(*name, value.as_str());
    }
    let body = Full::new(Bytes::from(body.unwrap_or_default()));
    builder.body(body).unwrap_or_else(|_| {
        // Only reachable with an invalid header, which the fake never builds.
        let mut fallback = Response::new(Full::new(Bytes::new()));
        *fallback.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

async fn respond(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let wants_websocket = header(&req, "upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    if wants_websocket {
        let delay = *super::shared::lock(&shared.handshake_delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        return upgrade(shared, req);
    }
    let method = req.method().as_str().to_string();
    let path_and_query = req.uri().path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let authorization = header(&req, "authorization").map(str::to_string);
    let content_type = header(&req, "content-type").map(str::to_string);
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let answer = rest::serve(
        &shared,
        &RestRequest {
            method: &method,
            path_and_query: &path_and_query,
            authorization: authorization.as_deref(),
            content_type: content_type.as_deref(),
            body: &body,
        },
    );
    if answer.withheld {
        // An injected timeout: the request was carried out and its answer never comes. The connection stays
        // silent until the client gives up (closing it drops this future) or the fake shuts down.
        let mut shutdown = shared.shutdown.subscribe();
        // An error means the fake is gone: stop waiting either way.
        let _ = shutdown.wait_for(|down| *down).await;
    }
    response(answer.status, answer.body.map(|b| b.to_string()), &answer.headers)
}

/// Answers a WebSocket handshake on `/gateway` and serves the session once upgraded.
fn upgrade(shared: Arc<Shared>, mut req: Request<Incoming>) -> Response<Full<Bytes>> {
    let key = header(&req, "sec-websocket-key").map(|k| derive_accept_key(k.as_bytes()));
    let (Some(accept), "/gateway") = (key, req.uri().path()) else {
        shared.violation(format!("WebSocket handshake on {} refused", req.uri()));
        return response(400, None, &[]);
    };
    let query = req.uri().query().map(str::to_string);
    tokio::spawn(async move {
        match hyper::upgrade::on(&mut req).await {
            Ok(upgraded) => {
                let config =
                    WebSocketConfig { max_message_size: None, max_frame_size: None, ..WebSocketConfig::default() };
                let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                gateway::serve(shared, ws, query).await;
            }
            Err(e) => tracing::debug!(target: "discord_sim", "gateway upgrade failed: {e}"),
        }
    });
    let mut answer = response(101, None, &[("Sec-WebSocket-Accept", accept)]);
    answer.headers_mut().insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    answer.headers_mut().insert(UPGRADE, HeaderValue::from_static("websocket"));
    answer
}
