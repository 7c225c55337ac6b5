//! The REST API: one request through the pipeline (route, route faults, faults, auth, limits, schema,
//! handler, checks of the answer, log), and the handlers per resource.

mod app;
mod channels;
mod guilds;
mod interactions;
mod limits;
mod messages;
mod multipart;
mod nonces;

pub(crate) use channels::{delete as delete_channel, emit_update as emit_channel_update};
pub(crate) use guilds::{emit_member_update, next_position};
pub(crate) use interactions::original as original_response;
pub(crate) use limits::check_files;
pub(crate) use messages::{
    EPHEMERAL, delete as delete_message, edit as edit_message, new_message, post as post_message,
};
pub(crate) use multipart::Upload;

use std::time::Duration;

use serde_json::{Value, json};

use super::conformance::{self, Model};
use super::errors::{ApiError, Unknown};
use super::faults::{Fault, Quota};
use super::openapi;
use super::router::{Endpoint, Params, RouteMatch, match_route};
use super::shared::{RecordedRequest, Shared, lock};
use super::world::parse_id;

/// The prefix of every REST path.
pub(crate) const API_PREFIX: &str = "/api/v10";

/// A request as the server hands it over.
pub(crate) struct RestRequest<'a> {
    pub method: &'a str,
    /// Path with query, as requested.
    pub path_and_query: &'a str,
    pub authorization: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// The answer.
#[derive(Debug)]
pub(crate) struct RestResponse {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
    /// Never send it: an injected timeout (the request was carried out).
    pub withheld: bool,
}

impl RestResponse {
    fn new(status: u16, body: Option<Value>, headers: Vec<(&'static str, String)>) -> Self {
        Self { status, body, headers, withheld: false }
    }
}

/// What a handler answers on success.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Self { status: 200, body: Some(body) }
    }

    pub fn created(body: Value) -> Self {
        Self { status: 201, body: Some(body) }
    }

    pub fn no_content() -> Self {
        Self { status: 204, body: None }
    }
}

/// What a handler gets.
pub(crate) struct Ctx {
    params: Params,
    query: Vec<(String, String)>,
    body: Value,
    files: Vec<Upload>,
}

impl Ctx {
    /// A raw path parameter.
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
    }

    /// A snowflake path parameter; a malformed one is an unknown resource, as on Discord.
    pub fn id(&self, name: &str) -> Result<u64, ApiError> {
        parse_id(self.param(name)).ok_or_else(|| ApiError::unknown(unknown_for(name)))
    }

    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The JSON body (`null` when there was none).
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// The files of a multipart body, in the order they were sent.
    pub fn files(&self) -> &[Upload] {
        &self.files
    }
}

fn unknown_for(param: &str) -> Unknown {
    match param {
        "guild_id" => Unknown::Guild,
        "user_id" => Unknown::User,
        "role_id" => Unknown::Role,
        "message_id" => Unknown::Message,
        "overwrite_id" => Unknown::Overwrite,
        "application_id" => Unknown::Application,
        "command_id" => Unknown::Command,
        "interaction_id" => Unknown::Interaction,
        "webhook_id" | "webhook_token" => Unknown::Webhook,
        _ => Unknown::Channel,
    }
}

/// The serenity type each endpoint's success body is read as.
fn model_of(endpoint: Endpoint) -> Model {
    use Endpoint as E;
    match endpoint {
        E::GetGateway => Model::Gateway,
        E::GetBotGateway => Model::BotGateway,
        E::GetMyUser => Model::CurrentUser,
        E::GetUser => Model::User,
        E::GetMyApplication => Model::Application,
        E::ListCommands | E::PutCommands | E::ListGuildCommands | E::PutGuildCommands => Model::Commands,
        E::CreateCommand | E::CreateGuildCommand => Model::Command,
        E::GetGuild => Model::PartialGuild,
        E::ListGuildChannels => Model::GuildChannels,
        E::CreateGuildChannel | E::UpdateChannel => Model::GuildChannel,
        E::GetChannel | E::DeleteChannel => Model::Channel,
        E::CreateDm => Model::PrivateChannel,
        E::ListMembers => Model::Members,
        E::GetMember | E::UpdateMember => Model::Member,
        E::ListRoles => Model::Roles,
        E::ListMessages => Model::Messages,
        E::CreateMessage
        | E::GetMessage
        | E::UpdateMessage
        | E::ExecuteWebhook
        | E::GetOriginal
        | E::UpdateOriginal
        | E::GetWebhookMessage
        | E::UpdateWebhookMessage => Model::Message,
        E::DeleteCommand
        | E::DeleteGuildCommand
        | E::PutOverwrite
        | E::DeleteOverwrite
        | E::DeleteMessage
        | E::TriggerTyping
        | E::AddMemberRole
        | E::RemoveMemberRole
        | E::InteractionCallback
        | E::DeleteOriginal
        | E::DeleteWebhookMessage => Model::Nothing,
    }
}

fn handle(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    use Endpoint as E;
    match endpoint {
        E::GetGateway | E::GetBotGateway | E::GetMyUser | E::GetUser | E::GetMyApplication => {
            app::handle(shared, endpoint, ctx)
        }
        E::ListCommands
        | E::PutCommands
        | E::CreateCommand
        | E::DeleteCommand
        | E::ListGuildCommands
        | E::PutGuildCommands
        | E::CreateGuildCommand
        | E::DeleteGuildCommand => app::commands(shared, endpoint, ctx),
        E::GetGuild
        | E::ListGuildChannels
        | E::CreateGuildChannel
        | E::ListMembers
        | E::GetMember
        | E::UpdateMember
        | E::AddMemberRole
        | E::RemoveMemberRole
        | E::ListRoles => guilds::handle(shared, endpoint, ctx),
        E::GetChannel
        | E::UpdateChannel
        | E::DeleteChannel
        | E::PutOverwrite
        | E::DeleteOverwrite
        | E::TriggerTyping
        | E::CreateDm => channels::handle(shared, endpoint, ctx),
        E::ListMessages | E::CreateMessage | E::GetMessage | E::UpdateMessage | E::DeleteMessage => {
            messages::handle(shared, endpoint, ctx)
        }
        E::InteractionCallback
        | E::ExecuteWebhook
        | E::GetOriginal
        | E::UpdateOriginal
        | E::DeleteOriginal
        | E::GetWebhookMessage
        | E::UpdateWebhookMessage
        | E::DeleteWebhookMessage => interactions::handle(shared, endpoint, ctx),
    }
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.to_string(), String::new()),
        })
        .collect()
}

/// Serves one REST request end to end, logging it.
pub(crate) fn serve(shared: &Shared, request: &RestRequest<'_>) -> RestResponse {
    let (path, query) = request.path_and_query.split_once('?').unwrap_or((request.path_and_query, ""));
    let (body, outcome) = run(shared, request, path, query);
    let response = outcome.body.clone().unwrap_or(Value::Null);
    shared.record(RecordedRequest {
        method: request.method.to_string(),
        path: request.path_and_query.to_string(),
        body,
        status: outcome.status,
        response,
        served_at: std::time::Instant::now(),
        withheld: outcome.withheld,
    });
    outcome
}

fn error_response(error: ApiError) -> RestResponse {
    RestResponse::new(error.status, Some(error.body), Vec::new())
}

/// The pipeline; returns the parsed request body (for the log) and the answer.
fn run(shared: &Shared, request: &RestRequest<'_>, path: &str, query: &str) -> (Value, RestResponse) {
    let method = request.method.to_ascii_uppercase();
    let content_type = request.content_type.unwrap_or_default();

    // The body, when there is one; a multipart body's files beside it.
    let mut files = Vec::new();
    let body: Option<Value> = if request.body.is_empty() {
        None
    } else if content_type.starts_with("multipart/form-data") {
        match multipart::parse(content_type, request.body) {
            Some(multipart::Form { payload: Some(v), files: uploads }) => {
                files = uploads;
                Some(v)
            }
            _ => {
                shared.violation(format!("{method} {path}: multipart body without a JSON payload_json part"));
                return (Value::Null, error_response(ApiError::invalid_json()));
            }
        }
    } else {
        match serde_json::from_slice(request.body) {
            Ok(v) => Some(v),
            Err(e) => {
                shared.violation(format!("{method} {path}: body is not JSON ({e})"));
                let raw = Value::String(String::from_utf8_lossy(request.body).into_owned());
                return (raw, error_response(ApiError::invalid_json()));
            }
        }
    };
    let logged_body = body.clone().unwrap_or(Value::Null);

    let Some(route_path) = path.strip_prefix(API_PREFIX).filter(|p| p.starts_with('/')) else {
        shared.violation(format!("{method} {path}: not under {API_PREFIX}"));
        return (logged_body, error_response(ApiError::no_route()));
    };
    let (route, params) = match match_route(&method, route_path) {
        RouteMatch::Served(route, params) => (route, params),
        RouteMatch::MethodNotAllowed => {
            shared.violation(format!("{method} {route_path}: method not allowed"));
            return (logged_body, error_response(ApiError::method_not_allowed()));
        }
        RouteMatch::NotFound => {
            match openapi::unserved_operation(&method, route_path) {
                Some(op) => shared.violation(format!(
                    "{method} {route_path}: Discord has this route ({op}) but the fake does not serve it"
                )),
                None => shared.violation(format!("{method} {route_path}: not a Discord route")),
            }
            return (logged_body, error_response(ApiError::no_route()));
        }
    };
    let matched = Matched { endpoint: route.endpoint, method: &method, template: route.template };
    let fault = lock(&shared.faults).take_route_fault(&method, route.template, route_path);
    let outcome = match fault {
        Some(Fault::Status(status)) => error_response(ApiError::injected(status)),
        // A timeout is carried out, its answer withheld.
        fault => {
            let outcome = match admit(shared, &matched, &params) {
                Err(refused) => refused,
                Ok(quota) => {
                    let sent = Sent { params, query, body, files };
                    let mut answer = run_route(shared, request, &matched, sent);
                    answer.headers.extend(quota);
                    answer
                }
            };
            RestResponse { withheld: fault.is_some(), ..outcome }
        }
    };
    let outcome = check_answer(shared, &matched, outcome);
    (logged_body, outcome)
}

/// The served route a request matched.
#[derive(Clone, Copy)]
struct Matched<'a> {
    endpoint: Endpoint,
    method: &'a str,
    template: &'static str,
}

/// Whether a call may go (the fake is up, no `429` asked for, its bucket not used up): the `X-RateLimit-*` headers
/// its answer carries when a bucket counted it, or the refusal.
fn admit(shared: &Shared, matched: &Matched<'_>, params: &Params) -> Result<Vec<(&'static str, String)>, RestResponse> {
    let Matched { method, template, .. } = *matched;
    let bucket = bucket_id(method, template);
    let mut faults = lock(&shared.faults);
    if faults.unavailable {
        return Err(error_response(ApiError::unavailable()));
    }
    let limit = faults.buckets.as_ref().map_or(DEFAULT_LIMIT, |b| b.limit);
    if faults.rate_limited > 0 {
        faults.rate_limited -= 1;
        let wait = Duration::try_from_secs_f64(faults.retry_after).unwrap_or_default();
        return Err(rate_limited(&Quota { limit, remaining: 0, reset_after: wait }, &bucket));
    }
    // Interaction answers (the callback and the interaction's webhook) are left out.
    let answer = template.starts_with("/interactions/") || template.starts_with("/webhooks/");
    let Some(buckets) = faults.buckets.as_mut().filter(|_| !answer) else { return Ok(Vec::new()) };
    let major = params.iter().find(|(name, _)| matches!(*name, "channel_id" | "guild_id" | "webhook_id"));
    let key = format!("{method} {template} {}", major.map_or("", |(_, v)| v.as_str()));
    match buckets.take(key, std::time::Instant::now()) {
        Ok(left) => Ok(rate_limit_headers(&left, &bucket)),
        Err(refused) => Err(rate_limited(&refused, &bucket)),
    }
}

/// What a request carried, read: its path parameters, query, JSON body and uploaded files.
struct Sent<'a> {
    params: Params,
    query: &'a str,
    body: Option<Value>,
    files: Vec<Upload>,
}

/// Auth, limits, schema, handler.
fn run_route(shared: &Shared, request: &RestRequest<'_>, matched: &Matched<'_>, sent: Sent<'_>) -> RestResponse {
    let Matched { endpoint, method, template } = *matched;
    let Sent { params, query, body, files } = sent;
    let expected = format!("Bot {}", shared.token);
    if !openapi::auth_optional(method, template) && request.authorization != Some(expected.as_str()) {
        return error_response(ApiError::unauthorized());
    }
    if let Some(body) = &body {
        if let Err(e) = limits::check(endpoint, body) {
            return error_response(e);
        }
    }
    if let Err(e) = limits::check_files(endpoint, &files) {
        return error_response(e);
    }
    if let Err(e) = openapi::validate_request(method, template, body.as_ref()) {
        shared.violation(format!(
            "{method} {template}: request does not match Discord's schema: {e}; body: {}",
            body.as_ref().map_or("none".to_string(), Value::to_string)
        ));
        return error_response(ApiError::invalid_body(&e));
    }
    let ctx = Ctx { params, query: parse_query(query), body: body.unwrap_or(Value::Null), files };
    match handle(shared, endpoint, &ctx) {
        Ok(reply) => RestResponse::new(reply.status, reply.body, Vec::new()),
        Err(e) => error_response(e),
    }
}

/// The limit a `429` of [`super::FakeDiscord::rate_limit_next`] reports when the per-route buckets are off: Discord's
/// 5 messages per channel.
const DEFAULT_LIMIT: u32 = 5;

/// The route's bucket as `X-RateLimit-Bucket` names it: an opaque id per method and route, the same for every major
/// parameter (as Discord's hashes are), here an FNV-1a hash.
fn bucket_id(method: &str, template: &str) -> String {
    let hash = format!("{method} {template}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}

/// Milliseconds, rounded up (a client waiting that long finds the window reset, never just before it).
fn millis_up(d: Duration) -> u128 {
    d.as_micros().div_ceil(1000)
}

/// Seconds with three decimals, as Discord writes them.
fn seconds(ms: u128) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Discord's `X-RateLimit-*` headers for a bucket standing at `quota`: the limit, the calls left, the reset (Unix
/// seconds) and the time to it, and the bucket's id.
fn rate_limit_headers(quota: &Quota, bucket: &str) -> Vec<(&'static str, String)> {
    let reset_after = millis_up(quota.reset_after);
    let reset = u128::from(super::world::now_ms()) + reset_after;
    vec![
        ("X-RateLimit-Limit", quota.limit.to_string()),
        ("X-RateLimit-Remaining", quota.remaining.to_string()),
        ("X-RateLimit-Reset", seconds(reset)),
        ("X-RateLimit-Reset-After", seconds(reset_after)),
        ("X-RateLimit-Bucket", bucket.to_owned()),
    ]
}

/// A `429` for a call refused until `refused.reset_after`: `retry_after` in the body (seconds), `Retry-After` in whole
/// seconds rounded up and the `X-RateLimit-*` headers, as Discord sends them.
fn rate_limited(refused: &Quota, bucket: &str) -> RestResponse {
    let wait = millis_up(refused.reset_after);
    let mut headers = vec![("Retry-After", wait.div_ceil(1000).to_string())];
    headers.extend(rate_limit_headers(refused, bucket));
    headers.push(("X-RateLimit-Scope", "user".to_string()));
    RestResponse::new(
        429,
        Some(json!({
            "message": "You are being rate limited.",
            "retry_after": wait as f64 / 1000.0,
            "global": false,
            "code": 0,
        })),
        headers,
    )
}

/// Checks the answer against the spec's response schema and serenity's model; mismatches are
/// violations (bugs of the fake), the answer goes out unchanged.
fn check_answer(shared: &Shared, matched: &Matched<'_>, outcome: RestResponse) -> RestResponse {
    let Matched { endpoint, method, template } = *matched;
    if let Err(e) = openapi::validate_response(method, template, outcome.status, outcome.body.as_ref()) {
        shared.violation(format!(
            "{method} {template}: the fake's {} answer does not match Discord's schema: {e}",
            outcome.status
        ));
    }
    let checked = match (&outcome.body, (200..300).contains(&outcome.status)) {
        (Some(body), true) => conformance::check_rest(model_of(endpoint), body),
        (Some(body), false) => conformance::check_error(body),
        (None, _) => Ok(()),
    };
    if let Err(e) = checked {
        shared.violation(format!("{method} {template} ({}): {e}", outcome.status));
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_tolerate_serenitys_leading_ampersand() {
        let q = parse_query("&limit=50&before=12");
        assert_eq!(q, vec![("limit".into(), "50".into()), ("before".into(), "12".into())]);
    }

    #[test]
    fn multipart_payload_json_is_read() {
        let body =
            b"--b\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"x\"}\r\n--b--\r\n";
        let form = multipart::parse("multipart/form-data; boundary=b", body).unwrap_or_default();
        assert_eq!(form.payload, Some(json!({"content": "x"})));
        assert!(form.files.is_empty());
    }
}
