//! Which handles and SIDs may be looked up at all.
//!
//! Both end up in a URL path (`/citizens/{handle}`, `/orgs/{sid}`), so anything outside the small alphabet RSI
//! itself uses is refused before a request is made: no slashes, dots, percent signs, query strings or spaces can
//! reach the site.

/// The shortest handle RSI accepts.
pub const HANDLE_MIN: usize = 3;
/// The longest handle RSI accepts.
pub const HANDLE_MAX: usize = 60;
/// The shortest SID.
pub const SID_MIN: usize = 1;
/// The longest SID.
pub const SID_MAX: usize = 20;

/// Whether `handle` is a well-formed RSI handle: 3 to 60 of `A-Z a-z 0-9 _ -`.
///
/// ```
/// assert!(adapter_rsi::is_valid_handle("Kestrel_Vane"));
/// assert!(!adapter_rsi::is_valid_handle("../orgs/IMP"));
/// ```
#[must_use]
pub fn is_valid_handle(handle: &str) -> bool {
    is_name(handle, HANDLE_MIN, HANDLE_MAX)
}

/// Whether `sid` is a well-formed organisation SID: 1 to 20 of `A-Z a-z 0-9 _ -`.
///
/// ```
/// assert!(adapter_rsi::is_valid_sid("VGSL"));
/// assert!(!adapter_rsi::is_valid_sid("VGSL?page=2"));
/// ```
#[must_use]
pub fn is_valid_sid(sid: &str) -> bool {
    is_name(sid, SID_MIN, SID_MAX)
}

fn is_name(s: &str, min: usize, max: usize) -> bool {
    // Every allowed character is ASCII, so the byte length is the character count.
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_use_rsi_alphabet_and_length() {
        for ok in ["abc", "Kestrel_Vane", "a-b_c-9", &"x".repeat(60)] {
            assert!(is_valid_handle(ok), "{ok:?} should be accepted");
        }
        for bad in [
            "",
            "ab",
            &"x".repeat(61),
            "has space",
            "dot.ted",
            "../x",
            "a/b",
            "a%2fb",
            "q?x=1",
            "frag#x",
            "ünïcode",
            "tab\there",
            "new\nline",
        ] {
            assert!(!is_valid_handle(bad), "{bad:?} should be refused");
        }
    }

    #[test]
    fn sids_use_rsi_alphabet_and_length() {
        for ok in ["I", "IMP", "VGSL", "A_B-C", &"S".repeat(20)] {
            assert!(is_valid_sid(ok), "{ok:?} should be accepted");
        }
        for bad in ["", &"S".repeat(21), "A B", "A/B", "A.B", "..", "A?B", "A&B", "Ä"] {
            assert!(!is_valid_sid(bad), "{bad:?} should be refused");
        }
    }
}
