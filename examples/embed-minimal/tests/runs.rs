//! The example runs to the end: a support ticket opened, answered, resolved, and its transcript kept.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

#[test]
fn the_example_opens_and_resolves_a_ticket() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_embed-minimal")).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for line in [
        "chat: create private channel #support-ann (ticket 1)",
        "  Ann: My ship fell through the hangar floor",
        "  Sam: Put a new one in your hangar, can you check?",
        "  Sam: Resolved: Replaced the ship",
        "Ticket 1 is closed.",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
}
