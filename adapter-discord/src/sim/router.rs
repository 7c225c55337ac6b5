//! The route table of the fake: which Discord REST routes it serves, and matching a request path
//! against them.
//!
//! Every route here is an operation of Discord's OpenAPI spec (path template exactly as the spec
//! writes it); `tests/sim_openapi.rs` checks that the committed spec subset covers all of them.

/// What the fake does for a route (one variant per served operation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    GetGateway,
    GetBotGateway,
    GetMyUser,
    GetUser,
    GetMyApplication,
    ListCommands,
    PutCommands,
    CreateCommand,
    DeleteCommand,
    ListGuildCommands,
    PutGuildCommands,
    CreateGuildCommand,
    DeleteGuildCommand,
    GetGuild,
    ListGuildChannels,
    CreateGuildChannel,
    GetChannel,
    UpdateChannel,
    DeleteChannel,
    PutOverwrite,
    DeleteOverwrite,
    ListMessages,
    CreateMessage,
    GetMessage,
    UpdateMessage,
    DeleteMessage,
    TriggerTyping,
    CreateDm,
    ListMembers,
    GetMember,
    UpdateMember,
    AddMemberRole,
    RemoveMemberRole,
    ListRoles,
    InteractionCallback,
    ExecuteWebhook,
    GetOriginal,
    UpdateOriginal,
    DeleteOriginal,
    GetWebhookMessage,
    UpdateWebhookMessage,
    DeleteWebhookMessage,
}

/// One served route: HTTP method, the spec's path template (relative to `/api/v10`) and what
/// serves it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteDef {
    pub method: &'static str,
    pub template: &'static str,
    pub endpoint: Endpoint,
}

const fn r(method: &'static str, template: &'static str, endpoint: Endpoint) -> RouteDef {
    RouteDef { method, template, endpoint }
}

/// Every route the fake serves.
pub(crate) const ROUTES: &[RouteDef] = &[
    r("GET", "/gateway", Endpoint::GetGateway),
    r("GET", "/gateway/bot", Endpoint::GetBotGateway),
    r("GET", "/users/@me", Endpoint::GetMyUser),
    r("GET", "/users/{user_id}", Endpoint::GetUser),
    r("POST", "/users/@me/channels", Endpoint::CreateDm),
    r("GET", "/oauth2/applications/@me", Endpoint::GetMyApplication),
    r("GET", "/applications/{application_id}/commands", Endpoint::ListCommands),
    r("PUT", "/applications/{application_id}/commands", Endpoint::PutCommands),
    r("POST", "/applications/{application_id}/commands", Endpoint::CreateCommand),
    r("DELETE", "/applications/{application_id}/commands/{command_id}", Endpoint::DeleteCommand),
    r("GET", "/applications/{application_id}/guilds/{guild_id}/commands", Endpoint::ListGuildCommands),
    r("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", Endpoint::PutGuildCommands),
    r("POST", "/applications/{application_id}/guilds/{guild_id}/commands", Endpoint::CreateGuildCommand),
    r("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", Endpoint::DeleteGuildCommand),
    r("GET", "/guilds/{guild_id}", Endpoint::GetGuild),
    r("GET", "/guilds/{guild_id}/channels", Endpoint::ListGuildChannels),
    r("POST", "/guilds/{guild_id}/channels", Endpoint::CreateGuildChannel),
    r("GET", "/guilds/{guild_id}/members", Endpoint::ListMembers),
    r("GET", "/guilds/{guild_id}/members/{user_id}", Endpoint::GetMember),
    r("PATCH", "/guilds/{guild_id}/members/{user_id}", Endpoint::UpdateMember),
    r("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", Endpoint::AddMemberRole),
    r("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", Endpoint::RemoveMemberRole),
    r("GET", "/guilds/{guild_id}/roles", Endpoint::ListRoles),
    r("GET", "/channels/{channel_id}", Endpoint::GetChannel),
    r("PATCH", "/channels/{channel_id}", Endpoint::UpdateChannel),
    r("DELETE", "/channels/{channel_id}", Endpoint::DeleteChannel),
    r("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", Endpoint::PutOverwrite),
    r("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", Endpoint::DeleteOverwrite),
    r("GET", "/channels/{channel_id}/messages", Endpoint::ListMessages),
    r("POST", "/channels/{channel_id}/messages", Endpoint::CreateMessage),
    r("GET", "/channels/{channel_id}/messages/{message_id}", Endpoint::GetMessage),
    r("PATCH", "/channels/{channel_id}/messages/{message_id}", Endpoint::UpdateMessage),
    r("DELETE", "/channels/{channel_id}/messages/{message_id}", Endpoint::DeleteMessage),
    r("POST", "/channels/{channel_id}/typing", Endpoint::TriggerTyping),
    r("POST", "/interactions/{interaction_id}/{interaction_token}/callback", Endpoint::InteractionCallback),
    r("POST", "/webhooks/{webhook_id}/{webhook_token}", Endpoint::ExecuteWebhook),
    r("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", Endpoint::GetOriginal),
    r("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", Endpoint::UpdateOriginal),
    r("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", Endpoint::DeleteOriginal),
    r("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", Endpoint::GetWebhookMessage),
    r("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", Endpoint::UpdateWebhookMessage),
    r("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", Endpoint::DeleteWebhookMessage),
];

/// Path parameters of a matched route: (`name`, raw value).
pub(crate) type Params = Vec<(&'static str, String)>;

/// The result of matching a request path.
#[derive(Debug)]
pub(crate) enum RouteMatch {
    /// A served route, with its path parameters (`name`, raw value).
    Served(&'static RouteDef, Params),
    /// The path is served, but not with this method.
    MethodNotAllowed,
    /// No served route has this path.
    NotFound,
}

/// Matches `path` (relative to `/api/v10`, without the query) against [`ROUTES`].
///
/// A literal segment (`@me`, `@original`) beats a `{parameter}` at the same place, as in
/// Discord's router.
pub(crate) fn match_route(method: &str, path: &str) -> RouteMatch {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let mut best: Option<(usize, &'static RouteDef, Params)> = None;
    let mut path_known = false;
    for route in ROUTES {
        let Some((literals, params)) = match_template(route.template, &segments) else {
            continue;
        };
        path_known = true;
        if !route.method.eq_ignore_ascii_case(method) {
            continue;
        }
        if best.as_ref().is_none_or(|(score, _, _)| literals > *score) {
            best = Some((literals, route, params));
        }
    }
    match best {
        Some((_, route, params)) => RouteMatch::Served(route, params),
        None if path_known => RouteMatch::MethodNotAllowed,
        None => RouteMatch::NotFound,
    }
}

/// Matches one template; returns the number of literal segments and the parameters.
fn match_template(template: &'static str, segments: &[&str]) -> Option<(usize, Vec<(&'static str, String)>)> {
    let parts: Vec<&'static str> = template.split('/').skip(1).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if segment.is_empty() {
                return None;
            }
            params.push((name, (*segment).to_string()));
        } else if part == segment {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((literals, params))
}

/// Every route the fake serves, as (HTTP method, OpenAPI path template).
///
/// The committed OpenAPI subset (`sim-openapi/openapi.json`) holds exactly these operations.
pub fn served_routes() -> Vec<(&'static str, &'static str)> {
    ROUTES.iter().map(|r| (r.method, r.template)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(method: &str, path: &str) -> Option<(Endpoint, Params)> {
        match match_route(method, path) {
            RouteMatch::Served(route, params) => Some((route.endpoint, params)),
            _ => None,
        }
    }

    #[test]
    fn literal_segments_beat_parameters() {
        assert_eq!(served("GET", "/users/@me").map(|s| s.0), Some(Endpoint::GetMyUser));
        let (endpoint, params) = served("GET", "/users/42").unwrap_or((Endpoint::GetGateway, vec![]));
        assert_eq!(endpoint, Endpoint::GetUser);
        assert_eq!(params, vec![("user_id", "42".to_string())]);
        assert_eq!(served("PATCH", "/webhooks/1/tok/messages/@original").map(|s| s.0), Some(Endpoint::UpdateOriginal));
        assert_eq!(served("PATCH", "/webhooks/1/tok/messages/7").map(|s| s.0), Some(Endpoint::UpdateWebhookMessage));
    }

    #[test]
    fn unknown_paths_and_methods_are_told_apart() {
        assert!(matches!(match_route("GET", "/nope/1"), RouteMatch::NotFound));
        assert!(matches!(match_route("POST", "/users/@me"), RouteMatch::MethodNotAllowed));
        assert!(matches!(match_route("GET", "/channels//messages"), RouteMatch::NotFound));
    }

    #[test]
    fn routes_are_unique() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.template == b.template), "{} {} twice", a.method, a.template);
            }
        }
    }
}
