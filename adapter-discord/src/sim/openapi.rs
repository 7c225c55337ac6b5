//! Validation against Discord's OpenAPI spec (the committed subset in `sim-openapi/`).
//!
//! Request bodies are validated against the operation's `requestBody` schema and responses
//! against the schema of their status. Two conventions of Discord's spec are handled:
//! snowflakes are strings with a digits `pattern` (real snowflake strings pass as they are), and
//! Discord accepts an int-parsable string wherever the spec says `integer` (serenity sends
//! permission bits as strings), so request schemas also accept such strings there. Formats the
//! validator knows (`date-time`, `uri`) are checked; Discord's own (`snowflake`, `int64`, …) are
//! left to the patterns and types.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{Value, json};

use super::shared::lock;

/// The spec subset, compiled into the crate so the fake never reads files at runtime.
const SPEC_TEXT: &str = include_str!("../../sim-openapi/openapi.json");

/// How many schema errors a violation report lists.
const MAX_ERRORS: usize = 5;

/// Whether a schema is for what the bot sends (lenient on int-strings) or what the fake answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Direction {
    Request,
    Response,
}

struct Spec {
    doc: Value,
    /// `components` with integers loosened to accept int-parsable strings.
    request_components: Value,
    validators: Mutex<HashMap<(Direction, String), Arc<Validator>>>,
}

fn spec() -> Result<&'static Spec, String> {
    static SPEC: OnceLock<Result<Spec, String>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let doc: Value =
            serde_json::from_str(SPEC_TEXT).map_err(|e| format!("the committed OpenAPI subset is not JSON: {e}"))?;
        let mut doc = doc;
        apply_documented_corrections(&mut doc);
        let mut request_components = doc.get("components").cloned().unwrap_or(Value::Null);
        loosen_integers(&mut request_components);
        accept_upload_placeholders(&mut request_components);
        Ok(Spec { doc, request_components, validators: Mutex::new(HashMap::new()) })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Where Discord's spec and its documentation disagree, the documentation wins (Discord says so).
/// The one disagreement that matters here: field errors inside `errors` carry a *string* code
/// (`{"code": "BASE_TYPE_MAX_LENGTH", "message": …}`, as documented and as serenity's
/// `DiscordJsonSingleError` reads them), while the spec reuses the integer-coded `Error`.
fn apply_documented_corrections(doc: &mut Value) {
    if let Some(items) = doc.pointer_mut("/components/schemas/InnerErrors/properties/_errors/items") {
        *items = json!({
            "type": "object",
            "properties": {
                "code": { "type": "string" },
                "message": { "type": "string" },
            },
            "required": ["code", "message"],
        });
    }
}

/// A message's `attachments` entries name the files uploaded with it by their index, as a number (`{"id": 0,
/// "filename": …}` for the part `files[0]`, what serenity sends), which Discord accepts; the spec only has the
/// snowflake (string) of an existing attachment there.
fn accept_upload_placeholders(components: &mut Value) {
    if let Some(id) = components.pointer_mut("/schemas/MessageAttachmentRequest/properties/id") {
        let snowflake = id.take();
        *id = json!({ "anyOf": [snowflake, { "type": "integer", "minimum": 0 }] });
    }
}

/// Makes every `integer` schema also accept an int-parsable string (what Discord accepts).
///
/// A `oneOf` (with no `anyOf` beside it) becomes an `anyOf`: once an integer also accepts `"5"`, a value may match
/// two branches that were exclusive before (a message `nonce` is an integer *or* a string of at most 25 characters,
/// and `"5"` is now both), which Discord accepts. The spec's other `oneOf`s are exclusive by a `type` field anyway.
fn loosen_integers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if !map.contains_key("anyOf") {
                if let Some(branches) = map.remove("oneOf") {
                    map.insert("anyOf".to_string(), branches);
                }
            }
            for v in map.values_mut() {
                loosen_integers(v);
            }
            let is_integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            if is_integer {
                let original = Value::Object(std::mem::take(map));
                *value = json!({
                    "anyOf": [original, { "type": "string", "pattern": "^-?[0-9]+$" }]
                });
            }
        }
        Value::Array(items) => items.iter_mut().for_each(loosen_integers),
        _ => {}
    }
}

fn operation<'a>(doc: &'a Value, method: &str, template: &str) -> Option<&'a Value> {
    doc.get("paths")?.get(template)?.get(method.to_ascii_lowercase())
}

/// Follows a local `$ref` (one level, as the spec uses them for `components/responses`).
fn deref<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or(value),
        None => value,
    }
}

fn compiled(direction: Direction, key: &str, schema: &Value) -> Result<Arc<Validator>, String> {
    let spec = spec()?;
    let cache_key = (direction, key.to_string());
    if let Some(v) = lock(&spec.validators).get(&cache_key) {
        return Ok(Arc::clone(v));
    }
    let components = match direction {
        Direction::Request => spec.request_components.clone(),
        Direction::Response => spec.doc.get("components").cloned().unwrap_or(Value::Null),
    };
    let mut schema = schema.clone();
    if direction == Direction::Request {
        loosen_integers(&mut schema);
    }
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": components,
        "allOf": [schema],
    });
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .build(&root)
        .map_err(|e| format!("schema of {key} does not compile: {e}"))?;
    let validator = Arc::new(validator);
    lock(&spec.validators).insert(cache_key, Arc::clone(&validator));
    Ok(validator)
}

fn check(validator: &Validator, instance: &Value) -> Result<(), String> {
    if validator.is_valid(instance) {
        return Ok(());
    }
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(MAX_ERRORS)
        .map(|e| format!("{} (at `{}`)", e, e.instance_path()))
        .collect();
    Err(errors.join("; "))
}

/// Validates a request body against the operation's `application/json` request schema.
///
/// `body` is `None` when the request had no body; that is an error only when the spec requires
/// one. A body for an operation that takes none is an error too.
pub(crate) fn validate_request(method: &str, template: &str, body: Option<&Value>) -> Result<(), String> {
    let spec = spec()?;
    let op = operation(&spec.doc, method, template)
        .ok_or_else(|| format!("{method} {template} is not in the OpenAPI subset"))?;
    let Some(request_body) = op.get("requestBody") else {
        return match body {
            Some(_) => Err(format!("{method} {template} takes no request body")),
            None => Ok(()),
        };
    };
    let Some(body) = body else {
        let required = request_body.get("required").and_then(Value::as_bool) == Some(true);
        return if required { Err(format!("{method} {template} requires a JSON body")) } else { Ok(()) };
    };
    let schema = request_body
        .pointer("/content/application~1json/schema")
        .ok_or_else(|| format!("{method} {template} has no JSON request schema"))?;
    let validator = compiled(Direction::Request, &format!("{method} {template}"), schema)?;
    check(&validator, body)
}

/// Validates a response against the schema the spec documents for its status (exact status,
/// then `4XX`/`5XX`, then `default`). A 2xx status the spec does not document is an error;
/// undocumented error statuses (such as 503) are not checked.
pub(crate) fn validate_response(method: &str, template: &str, status: u16, body: Option<&Value>) -> Result<(), String> {
    let spec = spec()?;
    let op = operation(&spec.doc, method, template)
        .ok_or_else(|| format!("{method} {template} is not in the OpenAPI subset"))?;
    let responses = op.get("responses").unwrap_or(&Value::Null);
    let exact = status.to_string();
    let class = format!("{}XX", status / 100);
    let Some((key, response)) =
        [exact.as_str(), class.as_str(), "default"].into_iter().find_map(|k| responses.get(k).map(|r| (k, r)))
    else {
        return if (200..300).contains(&status) {
            Err(format!("{method} {template} does not document status {status}"))
        } else {
            Ok(())
        };
    };
    let response = deref(&spec.doc, response);
    let schema = response.pointer("/content/application~1json/schema");
    match (schema, body) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(format!("{method} {template} answers {status} without a body, but the fake sent one")),
        (Some(_), None) => Err(format!("{method} {template} answers {status} with a body, but the fake sent none")),
        (Some(schema), Some(body)) => {
            let validator = compiled(Direction::Response, &format!("{method} {template} {key}"), schema)?;
            check(&validator, body)
        }
    }
}

/// Whether the operation may be called without the bot token (interaction callbacks and
/// webhooks: their `security` lists an empty requirement).
pub(crate) fn auth_optional(method: &str, template: &str) -> bool {
    spec()
        .ok()
        .and_then(|s| operation(&s.doc, method, template))
        .and_then(|op| op.get("security"))
        .and_then(Value::as_array)
        .is_some_and(|reqs| reqs.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())))
}

/// If `path` is a Discord route the fake does not serve, its `METHOD template`.
pub(crate) fn unserved_operation(method: &str, path: &str) -> Option<String> {
    let spec = spec().ok()?;
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    spec.doc
        .get("x-sim-unserved-operations")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|op| {
            let Some((m, template)) = op.split_once(' ') else {
                return false;
            };
            let parts: Vec<&str> = template.split('/').skip(1).collect();
            m.eq_ignore_ascii_case(method)
                && parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(p, s)| p.starts_with('{') || p == s)
        })
        .map(str::to_string)
}

/// Compiles every request and 2xx response schema of the served routes (for tests: proves the
/// subset is usable and warms the cache).
#[cfg(test)]
pub(crate) fn compile_all(routes: &[(&str, &str)]) -> Result<usize, String> {
    let spec = spec()?;
    let mut count = 0;
    for (method, template) in routes {
        let op = operation(&spec.doc, method, template).ok_or_else(|| format!("{method} {template} missing"))?;
        if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
            compiled(Direction::Request, &format!("{method} {template}"), schema)?;
            count += 1;
        }
        if let Some(Value::Object(responses)) = op.get("responses") {
            for (key, response) in responses {
                let response = deref(&spec.doc, response);
                if let Some(schema) = response.pointer("/content/application~1json/schema") {
                    compiled(Direction::Response, &format!("{method} {template} {key}"), schema)?;
                    count += 1;
                }
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_schema_compiles() {
        let routes = crate::sim::served_routes();
        let n = compile_all(&routes).unwrap_or_else(|e| panic!("{e}"));
        assert!(n > routes.len());
    }

    #[test]
    fn snowflake_strings_and_int_strings_pass_requests() {
        let body = json!({"id": "1234567890123", "type": 0, "allow": "1024", "deny": 0});
        assert_eq!(validate_request("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", Some(&body)), Ok(()));
        let bad = json!({"allow": "lots"});
        assert!(validate_request("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", Some(&bad)).is_err());
    }

    #[test]
    fn message_nonces_are_integers_or_short_strings() {
        let op = "/channels/{channel_id}/messages";
        for nonce in [json!("2a.0"), json!("1234567890"), json!(12345), json!("x".repeat(25))] {
            let body = json!({"content": "hi", "nonce": nonce, "enforce_nonce": true});
            assert_eq!(validate_request("POST", op, Some(&body)), Ok(()), "nonce {nonce}");
        }
        let long = json!({"content": "hi", "nonce": "x".repeat(26), "enforce_nonce": true});
        assert!(validate_request("POST", op, Some(&long)).is_err(), "a nonce of 26 characters");
        let wrong = json!({"content": "hi", "nonce": "n", "enforce_nonce": "yes"});
        assert!(validate_request("POST", op, Some(&wrong)).is_err(), "enforce_nonce is a boolean");
    }

    #[test]
    fn attachments_name_uploads_by_index_or_keep_attachments_by_id() {
        let op = "/channels/{channel_id}/messages";
        let body = json!({"attachments": [{"id": 0, "filename": "t.html", "description": null}, {"id": "123"}]});
        assert_eq!(validate_request("POST", op, Some(&body)), Ok(()));
        let bad = json!({"attachments": [{"id": -1}]});
        assert!(validate_request("POST", op, Some(&bad)).is_err());
    }

    #[test]
    fn a_wrong_type_in_a_message_is_rejected() {
        let ok = json!({"content": "hi", "tts": false});
        let bad = json!({"content": 5});
        let op = "/channels/{channel_id}/messages";
        assert_eq!(validate_request("POST", op, Some(&ok)), Ok(()));
        let err = validate_request("POST", op, Some(&bad)).err().unwrap_or_default();
        assert!(err.contains("content"), "{err}");
    }

    #[test]
    fn responses_are_checked_by_status() {
        let op = "/channels/{channel_id}";
        let error = json!({"message": "Unknown Channel", "code": 10003});
        assert_eq!(validate_response("GET", op, 404, Some(&error)), Ok(()));
        assert!(validate_response("GET", op, 200, Some(&json!({"id": 5}))).is_err());
        assert!(validate_response("GET", op, 299, None).is_err());
        assert_eq!(validate_response("GET", op, 503, None), Ok(()));
    }

    #[test]
    fn unserved_discord_routes_are_recognised() {
        assert_eq!(
            unserved_operation("POST", "/channels/5/followers").as_deref(),
            Some("POST /channels/{channel_id}/followers")
        );
        assert_eq!(unserved_operation("GET", "/made/up"), None);
        assert!(auth_optional("POST", "/interactions/{interaction_id}/{interaction_token}/callback"));
        assert!(!auth_optional("GET", "/users/@me"));
    }
}
