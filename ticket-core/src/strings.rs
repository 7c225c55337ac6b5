//! The exact strings people read, as the specs give them.
//!
//! In-game strings are shown by the game server (or its simulator); they live here so that every side uses the
//! same text. Discord-side labels are used by the renderers and the Discord adapter.

/// In-game: the echo of `@request <message>` (followed by the message).
pub const GAME_REQUEST_ECHO_PREFIX: &str = "[RagnaSync Ticket]: ";
/// In-game: the whisper confirming a ticket opened.
pub const GAME_TICKET_CREATED: &str = "Ticket Created on Discord. PM @Support to use";
/// In-game: shown while the bridge is not connected.
pub const GAME_TICKET_OFFLINE: &str = "RagnaSync: Ticket Offline, Try again";
/// In-game: shown when the ticket system is disabled in `conf/channels.conf`.
pub const GAME_TICKET_DISABLED: &str = "RagnaSync Ticket Support Disabled";
/// In-game: the name players whisper to reach support.
pub const GAME_SUPPORT_NAME: &str = "Support";

/// The echo a player sees for `@request <message>`.
pub fn game_request_echo(message: &str) -> String {
    format!("{GAME_REQUEST_ECHO_PREFIX}{message}")
}

/// `conf/channels.conf` key enabling the in-game ticket system.
pub const CONF_TICKET_ENABLED: &str = "ragnasync_ticket_support_system_enabled";
/// `conf/channels.conf` key closing the ticket when the player logs out.
pub const CONF_TICKET_CLOSE_ON_LOGOUT: &str = "ragnasync_ticket_support_system_close_on_logout";

/// Support panel button.
pub const OPEN_SUPPORT_TICKET: &str = "Open Support Ticket";
/// Support resolve button.
pub const RESOLVE_STAFF: &str = "Resolve (Staff)";
/// The Claim button on a ticket's welcome (not in the specs: claiming is this project's addition).
pub const CLAIM: &str = "Claim";
/// A close request's button that closes the ticket.
pub const CLOSE_TICKET: &str = "Close ticket";
/// A close request's button that keeps it open.
pub const KEEP_OPEN: &str = "Keep open";
/// A closed support ticket's log entry button.
pub const REOPEN: &str = "Reopen";
/// Recruitment panel button.
pub const OPEN_RECRUITMENT_TICKET: &str = "Apply to Join";
/// Recruitment panel link button (when an org URL is set).
pub const APPLY_ON_RSI: &str = "Apply on RSI";
/// Quick Q&A button.
pub const ANSWER_QNA: &str = "Answer Q&A";
/// Staff approve button.
pub const APPROVE: &str = "Approve";
/// Staff decline button (the spec calls the click "Reject").
pub const REJECT: &str = "Reject";
/// Staff finalise button.
pub const FINALIZE_RSI_ACCEPTED: &str = "Finalize - RSI accepted";
/// Shown on the ticket once Q&A is in.
pub const QNA_COMPLETED: &str = "Q&A completed";
/// Prefix command that reposts the Q&A button.
pub const REOPEN_QNA_PREFIX_COMMAND: &str = "!reopen_qna";

/// Who the player hears it from when the bridge itself (not a staff member) whispers them.
pub const BRIDGE_SENDER: &str = "RagnaSync";
/// Whispered to a player whose ticket's Discord channel could not be made (the server's channel cap, a
/// permission the bot lacks): without it they would wait for an answer that cannot come.
pub const IN_GAME_TICKET_FAILED: &str = "Your ticket could not be opened on Discord, so staff cannot see it yet. They have been told; please try again later.";
/// Whispered to a player, followed by the start of their message, when a line they sent could not be posted in
/// their ticket however often it was tried (Discord down for long).
pub const IN_GAME_MESSAGE_FAILED: &str =
    "Your last message could not reach staff on Discord. They have been told; please send it again later:";
/// The answer to a member whose support ticket's channel Discord refused.
pub const SUPPORT_TICKET_FAILED: &str = "Your support ticket could not be opened: Discord refused to create its channel (the server may have too many channels, or the bot lacks a permission). Staff have been told; please try again later.";
/// The answer to an applicant whose application channel Discord refused.
pub const APPLICATION_FAILED: &str = "Your application could not be opened: Discord refused to create its channel (the server may have too many channels, or the bot lacks a permission). Staff have been told; please try again later.";

/// Whispered to a player whose ticket waits for a channel because the Discord server has as many channels as
/// Discord allows: their place in line, from 1.
pub fn in_game_ticket_waiting(place: usize) -> String {
    format!(
        "Discord's channel limit is reached on this server: your ticket is number {place} in line. Your messages are kept and reach staff when it opens."
    )
}

/// The answer to a member whose panel ticket waits for a channel (the server is at Discord's channel cap); `lead`
/// names the kind ("Your support ticket").
pub fn panel_ticket_waiting(lead: &str, place: usize) -> String {
    format!(
        "{lead} is waiting for a channel: this server has as many channels as Discord allows. You are number {place} in line; it opens as soon as a channel is freed."
    )
}
