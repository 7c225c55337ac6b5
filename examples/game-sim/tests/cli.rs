//! The CLI driven through a pipe, as a person would script it: what players and staff see, and a clean exit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `game-sim` with `script` on stdin; returns its exit status and stdout without the banner (its port
/// changes from run to run).
fn run(script: &str) -> (std::process::ExitStatus, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_game-sim"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines = stdout.lines().filter(|l| !l.starts_with("game-sim: ")).map(str::to_owned).collect();
    (output.status, lines)
}

#[test]
fn the_spec_flow_piped() {
    let (status, lines) = run("login Foo\n\
         request Foo my item vanished\n\
         whisper Foo still stuck\n\
         staff Foo On it! Check your storage.\n\
         logout Foo\n\
         quit\n");
    assert!(status.success(), "{status}");
    insta::assert_yaml_snapshot!("spec_flow", lines);
}

#[test]
fn offline_disabled_and_held_replies() {
    let (status, lines) = run("login \"Foo Bar\"\n\
         config on off\n\
         whisper \"Foo Bar\" hello?\n\
         down\n\
         request \"Foo Bar\" anyone?\n\
         staff \"Foo Bar\" we are here\n\
         up\n\
         config off on\n\
         request \"Foo Bar\" again\n\
         request Nobody hi\n\
         dance\n");
    assert!(status.success(), "end of input exits cleanly: {status}");
    insta::assert_yaml_snapshot!("offline_disabled_held", lines);
}
