//! The pid secret file: created on first start with 32 random bytes, owner-only; read back the same; refused when
//! other users may read it; the environment variable wins over it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a failed unwrap is a failed test.

use ticket_bot::env::Env;
use ticket_bot::secrets::{SecretError, SecretSource, create_secret_file, pid_secret, read_secret_file};

#[test]
fn the_first_start_creates_an_owner_only_secret_and_later_starts_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data/pid.secret");
    let (first, source) = pid_secret(&Env::default(), &file).unwrap();
    assert_eq!(source, SecretSource::Created(file.clone()));
    assert_eq!(first.len(), 64, "32 random bytes, written as hexadecimal");
    assert!(first.iter().all(u8::is_ascii_hexdigit));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let (again, source) = pid_secret(&Env::default(), &file).unwrap();
    assert_eq!((again, source), (first.clone(), SecretSource::File(file.clone())));
    let other = dir.path().join("other.secret");
    assert_ne!(create_secret_file(&other).unwrap(), first, "every deployment gets its own secret");
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_may_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pid.secret");
    create_secret_file(&file).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let refused = pid_secret(&Env::default(), &file).unwrap_err();
        assert!(matches!(refused, SecretError::TooOpen { mode: m, .. } if m == mode), "mode {mode:o}: {refused}");
        assert!(refused.to_string().contains("chmod 600"), "the message says how to fix it: {refused}");
    }
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(pid_secret(&Env::default(), &file).is_ok(), "read-only for the owner is fine");
}

#[test]
fn an_empty_file_is_replaced_but_a_short_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pid.secret");
    std::fs::write(&file, "").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (secret, source) = pid_secret(&Env::default(), &file).unwrap();
    assert_eq!((secret.len(), source), (64, SecretSource::Created(file.clone())), "a crash left it empty: made anew");
    std::fs::write(&file, "too short\n").unwrap();
    let refused = read_secret_file(&file).unwrap_err();
    assert!(matches!(refused, SecretError::FileTooShort { got: 9, min: 32, .. }), "{refused}");
}

#[test]
fn the_environment_variable_wins_and_no_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pid.secret");
    let env = Env::from_pairs([("TICKET_BOT_PID_SECRET", "a deployment secret of at least 32 bytes")]);
    let (secret, source) = pid_secret(&env, &file).unwrap();
    assert_eq!(secret, b"a deployment secret of at least 32 bytes");
    assert_eq!(source, SecretSource::Environment);
    assert!(!file.exists());
    let short = Env::from_pairs([("TICKET_BOT_PID_SECRET", "short")]);
    assert!(matches!(pid_secret(&short, &file), Err(SecretError::EnvTooShort { got: 5, min: 32 })));
}

#[test]
fn a_folder_in_place_of_the_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(pid_secret(&Env::default(), dir.path()), Err(SecretError::NotAFile(_))));
}
