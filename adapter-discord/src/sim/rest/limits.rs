//! Discord's size limits on what the bot posts (answered with 400/50035 like Discord; these are
//! Discord saying no, not schema violations).

use serde_json::Value;

use super::Upload;
use crate::sim::errors::ApiError;
use crate::sim::router::Endpoint;

/// Maximum characters of a bot's message content.
pub(crate) const MAX_CONTENT: usize = 2000;
/// Maximum characters of all embeds of one message together.
pub(crate) const MAX_EMBED_TOTAL: usize = 6000;
/// Maximum files of one message.
pub(crate) const MAX_FILES: usize = 10;
/// Maximum bytes of one file a bot posts in a channel (Discord's default upload limit, 10 MiB).
pub(crate) const MAX_FILE_SIZE: usize = 10 * 1024 * 1024;
/// Maximum bytes of one file of an interaction's answer: the `attachment_size_limit` the fake's interactions carry.
pub(crate) const MAX_ANSWER_FILE_SIZE: usize = 25 * 1024 * 1024;

/// Checks a request body's message content and embeds against Discord's limits.
pub(crate) fn check(endpoint: Endpoint, body: &Value) -> Result<(), ApiError> {
    let (prefix, message): (&[&str], &Value) = match endpoint {
        Endpoint::CreateMessage
        | Endpoint::UpdateMessage
        | Endpoint::ExecuteWebhook
        | Endpoint::UpdateOriginal
        | Endpoint::UpdateWebhookMessage => (&[], body),
        Endpoint::InteractionCallback => match body.get("data") {
            Some(data) => (&["data"], data),
            None => return Ok(()),
        },
        _ => return Ok(()),
    };
    if let Some(content) = message.get("content").and_then(Value::as_str) {
        if content.chars().count() > MAX_CONTENT {
            let path: Vec<&str> = prefix.iter().copied().chain(["content"]).collect();
            return Err(ApiError::invalid_field(&path, "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."));
        }
    }
    if let Some(embeds) = message.get("embeds").and_then(Value::as_array) {
        let total: usize = embeds.iter().map(embed_size).sum();
        if total > MAX_EMBED_TOTAL {
            let path: Vec<&str> = prefix.iter().copied().chain(["embeds"]).collect();
            return Err(ApiError::invalid_field(
                &path,
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000",
            ));
        }
    }
    Ok(())
}

/// Checks the files of a request against Discord's limits: 10 per message (400/30015), each at most the upload limit
/// (413/40005).
pub(crate) fn check_files(endpoint: Endpoint, files: &[Upload]) -> Result<(), ApiError> {
    if files.len() > MAX_FILES {
        return Err(ApiError::bad_request(30015, "Maximum number of attachments in a message reached (10)"));
    }
    let answer = matches!(
        endpoint,
        Endpoint::InteractionCallback
            | Endpoint::ExecuteWebhook
            | Endpoint::UpdateOriginal
            | Endpoint::UpdateWebhookMessage
    );
    let limit = if answer { MAX_ANSWER_FILE_SIZE } else { MAX_FILE_SIZE };
    if files.iter().any(|f| f.data.len() > limit) {
        return Err(ApiError::new(413, 40005, "Request entity too large"));
    }
    Ok(())
}

/// The characters Discord counts in an embed (title, description, field names and values,
/// footer text, author name).
fn embed_size(embed: &Value) -> usize {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map_or(0, |s| s.chars().count());
    let fields: usize = embed
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| text(f.get("name")) + text(f.get("value")))
        .sum();
    text(embed.get("title"))
        + text(embed.get("description"))
        + text(embed.pointer("/footer/text"))
        + text(embed.pointer("/author/name"))
        + fields
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn content_over_2000_characters_is_refused() {
        let ok = json!({"content": "é".repeat(2000)});
        assert!(check(Endpoint::CreateMessage, &ok).is_ok());
        let long = json!({"content": "x".repeat(2001)});
        let err = check(Endpoint::CreateMessage, &long).err().map(|e| e.body);
        assert_eq!(err.as_ref().map(|b| b["code"].clone()), Some(json!(50035)));
        let callback = json!({"type": 4, "data": {"content": "x".repeat(2001)}});
        let err = check(Endpoint::InteractionCallback, &callback).err().map(|e| e.body);
        assert!(err.is_some_and(|b| b["errors"]["data"]["content"].is_object()));
    }

    #[test]
    fn files_are_limited_in_number_and_size() {
        let file = |size: usize| Upload { index: None, filename: "f".into(), content_type: None, data: vec![0; size] };
        assert!(check_files(Endpoint::CreateMessage, &vec![file(1); MAX_FILES]).is_ok());
        let many = check_files(Endpoint::CreateMessage, &vec![file(1); MAX_FILES + 1]).err();
        assert_eq!(many.map(|e| e.body["code"].clone()), Some(json!(30015)));
        let big = check_files(Endpoint::CreateMessage, &[file(MAX_FILE_SIZE + 1)]).err();
        assert_eq!(big.map(|e| e.status), Some(413));
        assert!(check_files(Endpoint::UpdateOriginal, &[file(MAX_FILE_SIZE + 1)]).is_ok());
    }

    #[test]
    fn embeds_are_counted_together() {
        let big = json!({"embeds": [{"description": "x".repeat(4000)}, {"fields": [{"name": "n", "value": "y".repeat(2000)}]}]});
        assert!(check(Endpoint::CreateMessage, &big).is_err());
    }
}
