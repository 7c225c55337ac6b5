//! The request log (`requests()`) and the traffic file (`DISCORD_SIM_TRAFFIC`): one JSON line per
//! served request with `method`, `path`, `body`, `status` and `response`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use adapter_discord::sim::{FakeDiscord, SimOptions, TRAFFIC_ENV};
use common::{assert_clean, raw};
use serde_json::{Value, json};

async fn call(fake: &FakeDiscord, method: &str, path: &str, body: Option<Value>) -> u16 {
    raw(fake, method, path, body).await.0
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn every_served_request_is_logged_and_written_as_a_json_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("traffic.jsonl");
    let fake = FakeDiscord::start_with(SimOptions { traffic_file: Some(file.clone()) }).await.unwrap();
    let guild = fake.create_guild("G");
    let channel = fake.create_text_channel(guild, "c", None);

    assert_eq!(call(&fake, "GET", "/users/@me", None).await, 200);
    let posted =
        call(&fake, "POST", &format!("/channels/{channel}/messages?nonce_check=1"), Some(json!({"content": "hello"})))
            .await;
    assert_eq!(posted, 200);
    assert_eq!(call(&fake, "GET", "/channels/1", None).await, 404);

    let logged = fake.requests();
    assert_eq!(logged.len(), 3);
    assert_eq!(logged[1].method, "POST");
    assert_eq!(logged[1].path, format!("/api/v10/channels/{channel}/messages?nonce_check=1"));
    assert_eq!(logged[1].body, json!({"content": "hello"}));
    assert_eq!(logged[1].status, 200);
    assert_eq!(logged[1].response["content"], "hello");
    assert_eq!(logged[2].response, json!({"message": "Unknown Channel", "code": 10003}));

    let written = lines(&file);
    assert_eq!(written.len(), 3);
    for (line, request) in written.iter().zip(&logged) {
        assert_eq!(line["method"], request.method);
        assert_eq!(line["path"], request.path);
        assert_eq!(line["body"], request.body);
        assert_eq!(line["status"], request.status);
        assert_eq!(line["response"], request.response);
    }
    assert_eq!(written[0]["body"], Value::Null);
    assert_clean(&fake);
}

/// Run by `the_environment_variable_names_the_traffic_file` in a child process with
/// `DISCORD_SIM_TRAFFIC` set; on its own it is a plain smoke test of `start()`.
#[tokio::test]
async fn child_serves_one_request() {
    let fake = FakeDiscord::start().await.unwrap();
    assert_eq!(call(&fake, "GET", "/gateway", None).await, 200);
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn the_environment_variable_names_the_traffic_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from-env.jsonl");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_serves_one_request", "--exact", "--test-threads=1"])
        .env(TRAFFIC_ENV, &file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let written = lines(&file);
    assert_eq!(written.len(), 1);
    assert_eq!(written[0]["method"], "GET");
    assert_eq!(written[0]["path"], "/api/v10/gateway");
    assert_eq!(written[0]["status"], 200);
    assert!(written[0]["response"]["url"].as_str().unwrap().starts_with("ws://127.0.0.1:"));
}
