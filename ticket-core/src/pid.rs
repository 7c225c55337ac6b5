//! Pseudonymous ids ([`Pid`]) and sealed contact handles ([`SealedUser`]).
//!
//! Stores and logs never hold a raw Discord user id or game account id. They hold:
//!
//! * a [`Pid`]: the first 128 bits of `HMAC-SHA256(deployment secret, domain ‖ raw id)`. It is stable, so it can
//!   be indexed and compared ("does this user already have a ticket?"), but it cannot be turned back into the id
//!   without the secret.
//! * a [`SealedUser`], only where the bot must reach the person again after a restart (DM on close, granting a
//!   role on approve, the applicant mention on the permanent record): the raw user id encrypted with AES-SIV
//!   (RFC 5297, deterministic authenticated encryption) under a key derived from the same secret. The database
//!   alone reveals nothing; only the running bot, which holds the secret, can open it.

use std::fmt;
use std::str::FromStr;

use aes_siv::KeyInit;
use aes_siv::siv::Aes128Siv;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::id::{AccountId, UserId};

type HmacSha256 = Hmac<Sha256>;

/// A pseudonymous, printable id of a person: 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pid([u8; 16]);

impl Pid {
    /// The bytes of the pid.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid({self})")
    }
}

/// Why a string is not a [`Pid`] or a [`SealedUser`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PidParseError {
    /// The text has the wrong length.
    #[error("expected {expected} hex digits, found {found} characters")]
    Length {
        /// Hex digits expected.
        expected: usize,
        /// Characters found.
        found: usize,
    },
    /// The text holds something other than hex digits.
    #[error("not a hex digit in the text")]
    NotHex,
}

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], PidParseError> {
    if s.len() != N * 2 {
        return Err(PidParseError::Length { expected: N * 2, found: s.chars().count() });
    }
    let mut out = [0u8; N];
    for (i, pair) in s.as_bytes().chunks_exact(2).enumerate() {
        let digits = std::str::from_utf8(pair).map_err(|_| PidParseError::NotHex)?;
        out[i] = u8::from_str_radix(digits, 16).map_err(|_| PidParseError::NotHex)?;
    }
    Ok(out)
}

impl FromStr for Pid {
    type Err = PidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex::<16>(s).map(Self)
    }
}

impl TryFrom<String> for Pid {
    type Error = PidParseError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Pid> for String {
    fn from(value: Pid) -> Self {
        value.to_string()
    }
}

/// A Discord user id encrypted for storage; see the [module docs](self).
///
/// Printable as 48 hex digits (16-byte synthetic IV ‖ 8-byte ciphertext).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SealedUser([u8; 24]);

impl fmt::Display for SealedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SealedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedUser({self})")
    }
}

impl FromStr for SealedUser {
    type Err = PidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_hex::<24>(s).map(Self)
    }
}

impl TryFrom<String> for SealedUser {
    type Error = PidParseError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<SealedUser> for String {
    fn from(value: SealedUser) -> Self {
        value.to_string()
    }
}

/// Why a [`PidKey`] could not be made or could not open a [`SealedUser`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PidKeyError {
    /// The deployment secret is too short to be a key.
    #[error("the pid secret must be at least {min} bytes, got {got}")]
    SecretTooShort {
        /// Minimum length in bytes.
        min: usize,
        /// Length given.
        got: usize,
    },
    /// The sealed value was not made with this deployment's secret, or was altered.
    #[error("a sealed user id does not open with this deployment's secret")]
    SealBroken,
}

/// The per-deployment secret that makes [`Pid`]s and seals user ids.
///
/// Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct PidKey {
    mac: HmacSha256,
    seal_key: [u8; 32],
}

impl fmt::Debug for PidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PidKey(<secret>)")
    }
}

impl PidKey {
    /// The shortest secret accepted, in bytes.
    pub const MIN_SECRET_LEN: usize = 32;

    /// Makes a key from the deployment secret (at least [`Self::MIN_SECRET_LEN`] bytes).
    pub fn new(secret: &[u8]) -> Result<Self, PidKeyError> {
        if secret.len() < Self::MIN_SECRET_LEN {
            return Err(PidKeyError::SecretTooShort { min: Self::MIN_SECRET_LEN, got: secret.len() });
        }
        let mac = <HmacSha256 as Mac>::new_from_slice(secret)
            .map_err(|_| PidKeyError::SecretTooShort { min: Self::MIN_SECRET_LEN, got: secret.len() })?;
        let mut derive = mac.clone();
        derive.update(b"ticket-core/seal-key/v1");
        let seal_key: [u8; 32] = derive.finalize().into_bytes().into();
        Ok(Self { mac, seal_key })
    }

    fn digest(&self, domain: &[u8], raw: u64) -> Pid {
        let mut mac = self.mac.clone();
        mac.update(domain);
        mac.update(b":");
        mac.update(&raw.to_be_bytes());
        let full = mac.finalize().into_bytes();
        let mut pid = [0u8; 16];
        pid.copy_from_slice(&full[..16]);
        Pid(pid)
    }

    /// The pid of a Discord user.
    pub fn user(&self, user: UserId) -> Pid {
        self.digest(b"discord-user", user.get())
    }

    /// The pid of a game account.
    pub fn account(&self, account: AccountId) -> Pid {
        self.digest(b"game-account", account.get())
    }

    fn siv(&self) -> Aes128Siv {
        Aes128Siv::new(&self.seal_key.into())
    }

    /// Seals a user id for storage.
    pub fn seal(&self, user: UserId) -> SealedUser {
        let mut out = [0u8; 24];
        // Aes128Siv only fails for more than 126 associated-data items; we pass one.
        let (tag, body) = out.split_at_mut(16);
        body.copy_from_slice(&user.get().to_be_bytes());
        match self.siv().encrypt_in_place_detached([b"discord-user"], body) {
            Ok(iv) => tag.copy_from_slice(&iv),
            Err(_) => unreachable!("AES-SIV with one header cannot fail"),
        }
        SealedUser(out)
    }

    /// Opens a sealed user id.
    pub fn open(&self, sealed: &SealedUser) -> Result<UserId, PidKeyError> {
        let (tag, body) = sealed.0.split_at(16);
        let mut plain = [0u8; 8];
        plain.copy_from_slice(body);
        let tag = aes_siv::Tag::clone_from_slice(tag);
        self.siv()
            .decrypt_in_place_detached([b"discord-user"], &mut plain, &tag)
            .map_err(|_| PidKeyError::SealBroken)?;
        Ok(UserId::new(u64::from_be_bytes(plain)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> PidKey {
        PidKey::new(&[byte; 32]).unwrap()
    }

    #[test]
    fn pids_are_stable_keyed_and_domain_separated() {
        let a = key(1);
        let b = key(2);
        assert_eq!(a.user(UserId::new(5)), a.user(UserId::new(5)));
        assert_ne!(a.user(UserId::new(5)), a.user(UserId::new(6)));
        assert_ne!(a.user(UserId::new(5)), b.user(UserId::new(5)));
        assert_ne!(a.user(UserId::new(5)), a.account(AccountId::new(5)));
    }

    #[test]
    fn pids_print_and_parse_as_hex_without_the_raw_id() {
        let pid = key(1).user(UserId::new(123_456_789_012_345_678));
        let text = pid.to_string();
        assert_eq!(text.len(), 32);
        assert!(!text.contains("123456789012345678"));
        assert!(!format!("{pid:?}").contains("123456789012345678"));
        assert_eq!(text.parse::<Pid>(), Ok(pid));
        assert_eq!("zz".parse::<Pid>(), Err(PidParseError::Length { expected: 32, found: 2 }));
        assert_eq!("g".repeat(32).parse::<Pid>(), Err(PidParseError::NotHex));
        assert_eq!("é".repeat(16).parse::<Pid>(), Err(PidParseError::NotHex));
    }

    #[test]
    fn short_secrets_are_refused_and_debug_hides_the_secret() {
        assert_eq!(PidKey::new(b"short").unwrap_err(), PidKeyError::SecretTooShort { min: 32, got: 5 });
        assert_eq!(format!("{:?}", key(7)), "PidKey(<secret>)");
    }

    #[test]
    fn sealing_round_trips_only_with_the_same_secret() {
        let user = UserId::new(987_654_321_987_654_321);
        let sealed = key(1).seal(user);
        assert_eq!(key(1).open(&sealed), Ok(user));
        assert_eq!(key(2).open(&sealed), Err(PidKeyError::SealBroken));
        assert!(!sealed.to_string().contains("987654321987654321"));
        let mut tampered = sealed;
        tampered.0[20] ^= 1;
        assert_eq!(key(1).open(&tampered), Err(PidKeyError::SealBroken));
        let text = sealed.to_string();
        assert_eq!(text.parse::<SealedUser>(), Ok(sealed));
    }
}
