//! The commands a person types.

/// One command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `login <name>`
    Login(String),
    /// `logout <name>`
    Logout(String),
    /// `request <name> <text>`: the player types `@request <text>`.
    Request(String, String),
    /// `whisper <name> <text>`: the player PMs `@Support`.
    Whisper(String, String),
    /// `staff <name> <text>`: a staff reply typed in the player's ticket channel.
    Staff(String, String),
    /// `config <enabled> <close_on_logout>`: edit `channels.conf` and reload.
    Config(bool, bool),
    /// `down`: cut the game's link to the bridge.
    Down,
    /// `up`: let the link come back.
    Up,
    /// `help`
    Help,
    /// `quit`
    Quit,
    /// A blank line or a `#` comment.
    Nothing,
}

/// What to type.
pub const HELP: &str = "\
commands:
  login <name>             a player logs in
  logout <name>            a player logs out
  request <name> <text>    the player types @request <text>
  whisper <name> <text>    the player PMs @Support
  staff <name> <text>      staff reply in the player's ticket channel
  config <on|off> <on|off> ticket system enabled, close on logout (channels.conf)
  down | up                cut or restore the game's link to RagnaSync
  help | quit
names with spaces go in double quotes: login \"Foo Bar\"";

/// The first word (or "quoted words") of `line`, and the rest.
fn word(line: &str) -> Option<(String, &str)> {
    let line = line.trim_start();
    if line.is_empty() {
        return None;
    }
    if let Some(quoted) = line.strip_prefix('"') {
        let end = quoted.find('"')?;
        return Some((quoted[..end].to_owned(), quoted[end + 1..].trim_start()));
    }
    let end = line.find(char::is_whitespace).unwrap_or(line.len());
    Some((line[..end].to_owned(), line[end..].trim_start()))
}

fn switch(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Some(true),
        "off" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// Parses a line; `Err` says what is wrong.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(Command::Nothing);
    }
    let (verb, rest) = word(line).ok_or("unbalanced quotes")?;
    let name = |rest: &str| word(rest).map(|(name, _)| name).ok_or(format!("usage: {verb} <name>"));
    let name_text = |rest: &str| match word(rest) {
        Some((name, text)) if !text.is_empty() => Ok((name, text.to_owned())),
        _ => Err(format!("usage: {verb} <name> <text>")),
    };
    match verb.to_ascii_lowercase().as_str() {
        "login" => name(rest).map(Command::Login),
        "logout" => name(rest).map(Command::Logout),
        "request" => name_text(rest).map(|(n, t)| Command::Request(n, t)),
        "whisper" => name_text(rest).map(|(n, t)| Command::Whisper(n, t)),
        "staff" => name_text(rest).map(|(n, t)| Command::Staff(n, t)),
        "config" => {
            let mut words = rest.split_whitespace().map(switch);
            match (words.next().flatten(), words.next().flatten()) {
                (Some(enabled), Some(close)) => Ok(Command::Config(enabled, close)),
                _ => Err("usage: config <on|off> <on|off>".into()),
            }
        }
        "down" => Ok(Command::Down),
        "up" => Ok(Command::Up),
        "help" | "?" => Ok(Command::Help),
        "quit" | "exit" => Ok(Command::Quit),
        other => Err(format!("unknown command {other:?}; type help")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        assert_eq!(parse("login Foo"), Ok(Command::Login("Foo".into())));
        assert_eq!(parse("  LOGOUT  Foo  "), Ok(Command::Logout("Foo".into())));
        assert_eq!(
            parse("request Foo my item vanished"),
            Ok(Command::Request("Foo".into(), "my item vanished".into()))
        );
        assert_eq!(
            parse("whisper \"Foo Bar\" still stuck"),
            Ok(Command::Whisper("Foo Bar".into(), "still stuck".into()))
        );
        assert_eq!(parse("staff Foo On it!"), Ok(Command::Staff("Foo".into(), "On it!".into())));
        assert_eq!(parse("config off on"), Ok(Command::Config(false, true)));
        assert_eq!(parse("down"), Ok(Command::Down));
        assert_eq!(parse("up"), Ok(Command::Up));
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(parse("quit"), Ok(Command::Quit));
        assert_eq!(parse(""), Ok(Command::Nothing));
        assert_eq!(parse("# a comment"), Ok(Command::Nothing));
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(parse("request Foo"), Err("usage: request <name> <text>".into()));
        assert_eq!(parse("login"), Err("usage: login <name>".into()));
        assert_eq!(parse("config maybe"), Err("usage: config <on|off> <on|off>".into()));
        assert_eq!(parse("dance"), Err("unknown command \"dance\"; type help".into()));
        assert_eq!(parse("login \"Foo"), Err("usage: login <name>".into()));
    }
}
