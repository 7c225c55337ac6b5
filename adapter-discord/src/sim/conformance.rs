//! Checks that what the fake sends deserializes in serenity 0.12.5, the bot's library: REST
//! bodies into the model type serenity reads them as, gateway payloads into `GatewayEvent`
//! (never `Event::Unknown`, which serenity would drop silently).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serenity::model::event::{Event, GatewayEvent};

/// The serenity type a REST response body is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Model {
    Gateway,
    BotGateway,
    CurrentUser,
    User,
    Application,
    Commands,
    Command,
    PartialGuild,
    GuildChannels,
    GuildChannel,
    Channel,
    PrivateChannel,
    Members,
    Member,
    Roles,
    Messages,
    Message,
    /// No body (204) or a body serenity does not read.
    Nothing,
}

/// Reads `value` as `T` in place (no copy of the body: this runs on every answer and dispatch).
fn parses<T: DeserializeOwned>(value: &Value, what: &str) -> Result<(), String> {
    T::deserialize(value).map(|_| ()).map_err(|e| format!("serenity cannot read this {what}: {e}"))
}

/// Checks a successful REST response body.
pub(crate) fn check_rest(model: Model, body: &Value) -> Result<(), String> {
    use serenity::model::prelude::*;
    match model {
        Model::Gateway => parses::<serenity::model::gateway::Gateway>(body, "Gateway"),
        Model::BotGateway => parses::<serenity::model::gateway::BotGateway>(body, "BotGateway"),
        Model::CurrentUser => parses::<CurrentUser>(body, "CurrentUser"),
        Model::User => parses::<User>(body, "User"),
        Model::Application => parses::<CurrentApplicationInfo>(body, "CurrentApplicationInfo"),
        Model::Commands => parses::<Vec<Command>>(body, "Vec<Command>"),
        Model::Command => parses::<Command>(body, "Command"),
        Model::PartialGuild => parses::<PartialGuild>(body, "PartialGuild"),
        Model::GuildChannels => parses::<Vec<GuildChannel>>(body, "Vec<GuildChannel>"),
        Model::GuildChannel => parses::<GuildChannel>(body, "GuildChannel"),
        Model::Channel => parses::<Channel>(body, "Channel"),
        Model::PrivateChannel => parses::<PrivateChannel>(body, "PrivateChannel"),
        Model::Members => parses::<Vec<Member>>(body, "Vec<Member>"),
        Model::Member => parses::<Member>(body, "Member"),
        Model::Roles => parses::<Vec<Role>>(body, "Vec<Role>"),
        Model::Messages => parses::<Vec<Message>>(body, "Vec<Message>"),
        Model::Message => parses::<Message>(body, "Message"),
        Model::Nothing => Ok(()),
    }
}

/// Checks an error body the way serenity reads it (`DiscordJsonError`).
pub(crate) fn check_error(body: &Value) -> Result<(), String> {
    parses::<serenity::http::DiscordJsonError>(body, "error body")
}

/// Checks a gateway payload (`{op, d, s, t}`): it must be a `GatewayEvent`, and a dispatch must
/// be the event its `t` names (not `Event::Unknown`).
pub(crate) fn check_gateway(frame: &Value) -> Result<(), String> {
    let name = frame.get("t").and_then(Value::as_str).unwrap_or("");
    let event =
        GatewayEvent::deserialize(frame).map_err(|e| format!("serenity cannot read gateway payload {name:?}: {e}"))?;
    // serenity picks a dispatch's variant by its `t` (what it does not know becomes `Unknown`), so a dispatch that
    // parses as a known event is the event `t` names. (`Event::name` would tell it too, by serialising the whole
    // event again: a guild's thousands of channels.)
    if let GatewayEvent::Dispatch(_, Event::Unknown(unknown)) = &event {
        return Err(format!("serenity reads dispatch {:?} as Event::Unknown (it would be dropped)", unknown.kind));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn hello_and_ack_are_gateway_events() {
        assert_eq!(check_gateway(&json!({"op": 10, "d": {"heartbeat_interval": 41250}})), Ok(()));
        assert_eq!(check_gateway(&json!({"op": 11})), Ok(()));
    }

    #[test]
    fn unknown_dispatches_are_caught() {
        let frame = json!({"op": 0, "s": 1, "t": "SOMETHING_NEW", "d": {}});
        assert!(check_gateway(&frame).is_err());
        let broken = json!({"op": 0, "s": 1, "t": "CHANNEL_DELETE", "d": {"id": "1"}});
        assert!(check_gateway(&broken).is_err());
    }

    #[test]
    fn error_bodies_need_code_and_message() {
        assert_eq!(check_error(&json!({"message": "Unknown Channel", "code": 10003})), Ok(()));
        assert!(check_error(&json!({"message": "x"})).is_err());
    }
}
