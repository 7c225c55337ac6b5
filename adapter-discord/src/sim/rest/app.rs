//! Gateway discovery, users, the application, and application commands.

use serde_json::{Value, json};

use super::{Ctx, Reply};
use crate::sim::errors::{ApiError, Unknown};
use crate::sim::payload::{self, sf};
use crate::sim::router::Endpoint;
use crate::sim::shared::Shared;
use crate::sim::world::{StoredCommand, World};

/// Gateway, users and the application.
pub(super) fn handle(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    match endpoint {
        Endpoint::GetGateway => Ok(Reply::ok(json!({ "url": shared.gateway_url() }))),
        Endpoint::GetBotGateway => Ok(Reply::ok(json!({
            "url": shared.gateway_url(),
            "shards": 1,
            "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1
            },
        }))),
        Endpoint::GetMyUser => Ok(Reply::ok(shared.read(payload::current_user))),
        Endpoint::GetUser => {
            let id = ctx.id("user_id")?;
            shared.read(|w| Ok(Reply::ok(payload::user(w.user(id)?))))
        }
        _ => Ok(Reply::ok(shared.read(application))),
    }
}

/// The bot's application (`GET /oauth2/applications/@me`).
fn application(world: &World) -> Value {
    json!({
        "id": sf(world.app_id),
        "name": "RagnaSync Tickets (sim)",
        "icon": null,
        "description": "",
        "type": null,
        "verify_key": "0".repeat(64),
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "owner": payload::user_by_id(world, world.developer_id),
        "approximate_guild_count": world.guilds.len(),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": null,
        "eligible_oauth2_scopes": [],
        "bot": payload::user_by_id(world, world.bot_id),
        "bot_public": false,
        "bot_require_code_grant": false,
    })
}

/// Application commands, global and per guild.
pub(super) fn commands(shared: &Shared, endpoint: Endpoint, ctx: &Ctx) -> Result<Reply, ApiError> {
    let app = ctx.id("application_id")?;
    let guild = match endpoint {
        Endpoint::ListGuildCommands
        | Endpoint::PutGuildCommands
        | Endpoint::CreateGuildCommand
        | Endpoint::DeleteGuildCommand => Some(ctx.id("guild_id")?),
        _ => None,
    };
    shared.mutate(|w| {
        if app != w.app_id {
            return Err(ApiError::unknown(Unknown::Application));
        }
        if let Some(g) = guild {
            let in_guild = w.guild(g)?.members.contains_key(&w.bot_id);
            if !in_guild {
                return Err(ApiError::missing_access());
            }
        }
        match endpoint {
            Endpoint::ListCommands | Endpoint::ListGuildCommands => Ok(Reply::ok(list(w, guild))),
            Endpoint::PutCommands | Endpoint::PutGuildCommands => {
                let bodies = ctx.body().as_array().cloned().unwrap_or_default();
                for (i, body) in bodies.iter().enumerate() {
                    check_command(body, Some(i))?;
                }
                check_unique(&bodies)?;
                let old: Vec<StoredCommand> = w.commands.iter().filter(|c| c.guild == guild).cloned().collect();
                w.commands.retain(|c| c.guild != guild);
                for body in bodies {
                    let id = old.iter().find(|c| same_command(&c.body, &body)).map_or_else(|| w.ids.next(), |c| c.id);
                    let version = w.ids.next();
                    w.commands.push(StoredCommand { id, guild, body, version });
                }
                Ok(Reply::ok(list(w, guild)))
            }
            Endpoint::CreateCommand | Endpoint::CreateGuildCommand => {
                let body = ctx.body().clone();
                check_command(&body, None)?;
                let version = w.ids.next();
                let existing = w.commands.iter_mut().find(|c| c.guild == guild && same_command(&c.body, &body));
                let (id, created) = match existing {
                    Some(c) => {
                        c.body = body;
                        c.version = version;
                        (c.id, false)
                    }
                    None => {
                        let id = w.ids.next();
                        w.commands.push(StoredCommand { id, guild, body, version });
                        (id, true)
                    }
                };
                let stored =
                    w.commands.iter().find(|c| c.id == id).map(|c| payload::command(w, c)).unwrap_or(Value::Null);
                Ok(if created { Reply::created(stored) } else { Reply::ok(stored) })
            }
            _ => {
                let id = ctx.id("command_id")?;
                let before = w.commands.len();
                w.commands.retain(|c| !(c.id == id && c.guild == guild));
                if w.commands.len() == before {
                    return Err(ApiError::unknown(Unknown::Command));
                }
                Ok(Reply::no_content())
            }
        }
    })
}

fn list(w: &World, guild: Option<u64>) -> Value {
    Value::Array(w.commands.iter().filter(|c| c.guild == guild).map(|c| payload::command(w, c)).collect())
}

fn kind_of(body: &Value) -> u64 {
    body.get("type").and_then(Value::as_u64).unwrap_or(1)
}

fn same_command(a: &Value, b: &Value) -> bool {
    a.get("name") == b.get("name") && kind_of(a) == kind_of(b)
}

fn check_unique(bodies: &[Value]) -> Result<(), ApiError> {
    for (i, a) in bodies.iter().enumerate() {
        if bodies[..i].iter().any(|b| same_command(a, b)) {
            return Err(ApiError::invalid_field(
                &[&i.to_string(), "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            ));
        }
    }
    Ok(())
}

/// Discord's rules on a command beyond the schema: lowercase names for slash commands and their
/// options, a description for slash commands, required options first.
fn check_command(body: &Value, index: Option<usize>) -> Result<(), ApiError> {
    let at =
        |field: &str| -> Vec<String> { index.map(|i| i.to_string()).into_iter().chain([field.to_string()]).collect() };
    let fail = |field: &str, code: &str, message: &str| {
        let path = at(field);
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        ApiError::invalid_field(&path, code, message)
    };
    if kind_of(body) != 1 {
        return Ok(());
    }
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.chars().any(char::is_uppercase) || name.contains(' ') {
        return Err(fail("name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"));
    }
    let description = body.get("description").and_then(Value::as_str).unwrap_or_default();
    if description.is_empty() {
        return Err(fail("description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."));
    }
    check_options(body.get("options")).map_err(|(code, message)| fail("options", code, message))
}

fn check_options(options: Option<&Value>) -> Result<(), (&'static str, &'static str)> {
    let Some(options) = options.and_then(Value::as_array) else {
        return Ok(());
    };
    let mut optional_seen = false;
    for option in options {
        let name = option.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.chars().any(char::is_uppercase) || name.contains(' ') {
            return Err(("APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid"));
        }
        let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
        if kind == 1 || kind == 2 {
            check_options(option.get("options"))?;
            continue;
        }
        let required = option.get("required").and_then(Value::as_bool).unwrap_or(false);
        if required && optional_seen {
            return Err((
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            ));
        }
        optional_seen |= !required;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_rules_beyond_the_schema() {
        assert!(check_command(&json!({"name": "ticket", "description": "d"}), None).is_ok());
        assert!(check_command(&json!({"name": "Ticket", "description": "d"}), None).is_err());
        assert!(check_command(&json!({"name": "ticket"}), None).is_err());
        let late_required = json!({"name": "t", "description": "d", "options": [
            {"type": 3, "name": "a", "description": "a"},
            {"type": 3, "name": "b", "description": "b", "required": true}
        ]});
        assert!(check_command(&late_required, Some(0)).is_err());
        // Context-menu commands have no description.
        assert!(check_command(&json!({"name": "Open Ticket", "type": 2}), None).is_ok());
        assert!(check_unique(&[json!({"name": "a"}), json!({"name": "a"})]).is_err());
    }
}
