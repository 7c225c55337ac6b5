//! Discord's error answers (`{"message": …, "code": …}`), as the fake sends them.

use serde_json::{Value, json};

/// An error answer of the REST API: HTTP status and Discord's JSON error body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub body: Value,
}

impl ApiError {
    /// An error with Discord's `code` and `message`.
    pub fn new(status: u16, code: u32, message: &str) -> Self {
        Self { status, body: json!({ "message": message, "code": code }) }
    }

    /// `404 Not Found` for an unknown resource (`Unknown Channel`, code 10003 …).
    pub fn unknown(what: Unknown) -> Self {
        let (code, message) = what.code_and_message();
        Self::new(404, code, message)
    }

    /// `404` for a path Discord does not have.
    pub fn no_route() -> Self {
        Self::new(404, 0, "404: Not Found")
    }

    /// `405` for a known path with the wrong method.
    pub fn method_not_allowed() -> Self {
        Self::new(405, 0, "405: Method Not Allowed")
    }

    /// `401` for a missing or wrong bot token.
    pub fn unauthorized() -> Self {
        Self::new(401, 0, "401: Unauthorized")
    }

    /// `403 Missing Permissions` (50013).
    pub fn missing_permissions() -> Self {
        Self::new(403, 50013, "Missing Permissions")
    }

    /// `403 Missing Access` (50001): the bot cannot see the resource.
    pub fn missing_access() -> Self {
        Self::new(403, 50001, "Missing Access")
    }

    /// `403 Cannot send messages to this user` (50007): a bot, or DMs closed.
    pub fn cannot_dm() -> Self {
        Self::new(403, 50007, "Cannot send messages to this user")
    }

    /// `400` for a body that is not JSON (50109).
    pub fn invalid_json() -> Self {
        Self::bad_request(50109, "The request body contains invalid JSON.")
    }

    /// `400` with a plain Discord code (no field errors).
    pub fn bad_request(code: u32, message: &str) -> Self {
        Self::new(400, code, message)
    }

    /// `400 Invalid Form Body` (50035) with one field error, in Discord's nested `errors` form:
    /// `{"errors": {"content": {"_errors": [{"code": …, "message": …}]}}}`.
    pub fn invalid_field(path: &[&str], code: &str, message: &str) -> Self {
        let mut errors = json!({ "_errors": [{ "code": code, "message": message }] });
        for key in path.iter().rev() {
            errors = json!({ *key: errors });
        }
        Self { status: 400, body: json!({ "message": "Invalid Form Body", "code": 50035, "errors": errors }) }
    }

    /// `400 Invalid Form Body` (50035) for a body that does not match the operation's schema.
    pub fn invalid_body(details: &str) -> Self {
        Self::invalid_field(&["_body"], "SIM_SCHEMA_MISMATCH", details)
    }

    /// `503` while the fake is told to be unavailable.
    pub fn unavailable() -> Self {
        Self::new(503, 0, "503: Service Unavailable")
    }

    /// An error status a test injected on a route (`500: Internal Server Error`).
    pub fn injected(status: u16) -> Self {
        let reason = hyper::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
        Self::new(status, 0, &format!("{status}: {reason}"))
    }
}

/// Discord's "Unknown …" errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unknown {
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    Overwrite,
    Webhook,
    Interaction,
    Command,
    Application,
}

impl Unknown {
    fn code_and_message(self) -> (u32, &'static str) {
        match self {
            Unknown::Application => (10002, "Unknown Application"),
            Unknown::Channel => (10003, "Unknown Channel"),
            Unknown::Guild => (10004, "Unknown Guild"),
            Unknown::Member => (10007, "Unknown Member"),
            Unknown::Message => (10008, "Unknown Message"),
            Unknown::Overwrite => (10009, "Unknown Overwrite"),
            Unknown::Role => (10011, "Unknown Role"),
            Unknown::User => (10013, "Unknown User"),
            Unknown::Webhook => (10015, "Unknown Webhook"),
            Unknown::Interaction => (10062, "Unknown interaction"),
            Unknown::Command => (10063, "Unknown application command"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_nest_like_discord() {
        let e = ApiError::invalid_field(&["data", "content"], "BASE_TYPE_MAX_LENGTH", "too long");
        assert_eq!(e.status, 400);
        assert_eq!(e.body["code"], 50035);
        assert_eq!(e.body["errors"]["data"]["content"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    }

    #[test]
    fn unknown_channel_is_10003() {
        let e = ApiError::unknown(Unknown::Channel);
        assert_eq!(e.status, 404);
        assert_eq!(e.body, serde_json::json!({"message": "Unknown Channel", "code": 10003}));
    }
}
