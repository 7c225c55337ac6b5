//! The pid secret: the deployment secret that turns Discord user ids and game account ids into pids, and seals
//! the contacts the bot must reach again after a restart.
//!
//! It comes from `TICKET_BOT_PID_SECRET` when set. Otherwise it lives in a file (by default `pid.secret` next to
//! the database), created on first start with 32 random bytes and permissions `0600` (owner only). A file that
//! other users may read is refused: whoever holds the secret can tell which pid is which Discord user.
//!
//! **Losing the secret makes the stored pids and sealed contacts useless** (nobody can be recognised or reached
//! again; tickets keep their transcripts but lose their people). Back it up with the database. On systems other
//! than Unix the file's permissions are not checked: protect its folder yourself.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use ticket_core::PidKey;

use crate::env::{Env, PID_SECRET};

/// How many random bytes a new secret file holds (written as hexadecimal).
pub const NEW_SECRET_BYTES: usize = 32;

/// Where the pid secret came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The `TICKET_BOT_PID_SECRET` environment variable.
    Environment,
    /// An existing secret file.
    File(PathBuf),
    /// A secret file created now.
    Created(PathBuf),
}

/// Why the pid secret is unusable.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable holds too short a secret.
    #[error("{PID_SECRET} is {got} bytes; at least {min} are required")]
    EnvTooShort {
        /// Its length.
        got: usize,
        /// The minimum.
        min: usize,
    },
    /// The file may be read or written by other users.
    #[error(
        "{file} may be read by other users (mode {mode:04o}); the bot refuses to use it. Make it owner-only: chmod 600 {file}"
    )]
    TooOpen {
        /// The file.
        file: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a usable secret.
    #[error("{file} holds {got} bytes of secret; at least {min} are required")]
    FileTooShort {
        /// The file.
        file: String,
        /// Its length (after trimming white space).
        got: usize,
        /// The minimum.
        min: usize,
    },
    /// The path exists but is not a regular file.
    #[error("{0} is not a regular file")]
    NotAFile(String),
    /// The file could not be read or created.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The system could not provide random bytes.
    #[error("no randomness available to make a secret: {0}")]
    Random(String),
}

fn io(file: &Path) -> impl FnOnce(std::io::Error) -> SecretError + '_ {
    move |source| SecretError::Io { file: file.display().to_string(), source }
}

/// The pid secret: from `TICKET_BOT_PID_SECRET` if set, else from `file`, which is created if missing (or empty:
/// an empty file was never used as a key).
pub fn pid_secret(env: &Env, file: &Path) -> Result<(Vec<u8>, SecretSource), SecretError> {
    if let Some(secret) = env.get(PID_SECRET) {
        let secret = secret.trim().as_bytes().to_vec();
        if secret.len() < PidKey::MIN_SECRET_LEN {
            return Err(SecretError::EnvTooShort { got: secret.len(), min: PidKey::MIN_SECRET_LEN });
        }
        return Ok((secret, SecretSource::Environment));
    }
    match read_secret_file(file)? {
        Some(secret) => Ok((secret, SecretSource::File(file.to_path_buf()))),
        None => Ok((create_secret_file(file)?, SecretSource::Created(file.to_path_buf()))),
    }
}

/// Checks what [`pid_secret`] would use, without creating anything: the variable's length, or an existing file's
/// permissions and length (a missing or empty file is fine: `run` creates it). For `check-config`, which must
/// refuse everything `run` refuses.
pub fn check_pid_secret(env: &Env, file: &Path) -> Result<(), SecretError> {
    if let Some(secret) = env.get(PID_SECRET) {
        let got = secret.trim().len();
        if got < PidKey::MIN_SECRET_LEN {
            return Err(SecretError::EnvTooShort { got, min: PidKey::MIN_SECRET_LEN });
        }
        return Ok(());
    }
    read_secret_file(file).map(|_| ())
}

/// Reads an existing secret file; `None` when it does not exist or is empty.
pub fn read_secret_file(file: &Path) -> Result<Option<Vec<u8>>, SecretError> {
    let meta = match std::fs::metadata(file) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(file)(e)),
    };
    if !meta.is_file() {
        return Err(SecretError::NotAFile(file.display().to_string()));
    }
    check_owner_only(file, &meta)?;
    let mut text = String::new();
    File::open(file).and_then(|mut f| f.read_to_string(&mut text)).map_err(io(file))?;
    let secret = text.trim().as_bytes().to_vec();
    if secret.is_empty() {
        return Ok(None);
    }
    if secret.len() < PidKey::MIN_SECRET_LEN {
        let file = file.display().to_string();
        return Err(SecretError::FileTooShort { file, got: secret.len(), min: PidKey::MIN_SECRET_LEN });
    }
    Ok(Some(secret))
}

#[cfg(unix)]
fn check_owner_only(file: &Path, meta: &std::fs::Metadata) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SecretError::TooOpen { file: file.display().to_string(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_: &Path, _: &std::fs::Metadata) -> Result<(), SecretError> {
    // Permissions are not Unix modes here: the folder's access control protects the file (see the docs).
    Ok(())
}

/// `bytes` random bytes, written as hexadecimal: a new secret.
pub fn random_hex(bytes: usize) -> Result<String, SecretError> {
    let mut random = vec![0u8; bytes];
    getrandom::fill(&mut random).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates a secret file with [`NEW_SECRET_BYTES`] random bytes in hexadecimal, owner-only; returns the secret.
pub fn create_secret_file(file: &Path) -> Result<Vec<u8>, SecretError> {
    let secret = random_hex(NEW_SECRET_BYTES)?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut options = OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    // An empty file left by an interrupted first start is replaced; anything else is never overwritten.
    let exists_empty = std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() == 0);
    if exists_empty {
        options.truncate(true);
    } else {
        options.create_new(true);
    }
    let mut out = options.open(file).map_err(io(file))?;
    #[cfg(unix)]
    if exists_empty {
        use std::os::unix::fs::PermissionsExt;
        out.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io(file))?;
    }
    out.write_all(format!("{secret}\n").as_bytes()).and_then(|()| out.sync_all()).map_err(io(file))?;
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_wins_and_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pid.secret");
        let env = Env::from_pairs([(PID_SECRET, "x".repeat(40))]);
        let (secret, source) = pid_secret(&env, &file).unwrap();
        assert_eq!((secret.len(), source), (40, SecretSource::Environment));
        assert!(!file.exists(), "no file is made when the variable is set");
        let short = Env::from_pairs([(PID_SECRET, "short")]);
        assert!(matches!(pid_secret(&short, &file), Err(SecretError::EnvTooShort { got: 5, .. })));
    }
}
