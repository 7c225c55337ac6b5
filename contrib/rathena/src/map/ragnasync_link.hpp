// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// Internal to RagnaSync Tickets: what ragnasync.cpp (settings, players, hooks) and ragnasync_link.cpp (the
// link to the bridge) share. rAthena's own files include ragnasync.hpp, never this file.

#ifndef RAGNASYNC_LINK_HPP
#define RAGNASYNC_LINK_HPP

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <common/cbasetypes.hpp>

#include "ragnasync_bridges.hpp"
#include "ragnasync_record.hpp"

class map_session_data;

// What players see: the exact strings of the in-game ticket support specification.
static const char* const RAGNASYNC_MSG_OFFLINE = "RagnaSync: Ticket Offline, Try again";
static const char* const RAGNASYNC_MSG_DISABLED = "RagnaSync Ticket Support Disabled";
static const char* const RAGNASYNC_MSG_CREATED = "Ticket Created on Discord. PM @Support to use";
static const char* const RAGNASYNC_MSG_ECHO = "[RagnaSync Ticket]: ";
static const char* const RAGNASYNC_MSG_USAGE = "Usage: @request <message for the support team>";

/// The settings read from conf/channels.conf (and the secret).
struct s_ragnasync_settings {
	bool ticket_enabled = true; // ragnasync_ticket_support_system_enabled
	bool close_on_logout = true; // ragnasync_ticket_support_system_close_on_logout
	bool request_command = true; // ragnasync_request_command: RagnaSync handles @request
	std::vector<s_ragnasync_bridge> bridges; // ragnasync_bridge_host (default "127.0.0.1"), resolved; tried in turn
	uint16 port = 6150; // ragnasync_bridge_port: the port of the addresses that name none
	std::string server_id = "xilero"; // ragnasync_server_id
	std::string secret_file = "conf/import/ragnasync_secret.txt"; // ragnasync_bridge_secret_file
	std::string secret; // from RAGNASYNC_BRIDGE_SECRET or the secret file; never logged
	bool link_ok = false; // the link settings are valid and there is a secret
};

// ---------------------------------------------------------------------------------------------------------
// ragnasync.cpp

/// The settings in force (read by ragnasync_read_config).
extern s_ragnasync_settings ragnasync_settings;

/// Characters online on this map-server for RagnaSync: loaded here (not a map change), not in @autotrade.
/// char_id -> name (raw bytes, as sent in `login`).
extern std::unordered_map<uint32, std::string> ragnasync_online;

std::string_view ragnasync_trim( std::string_view text );
/// Text from the bridge made safe for the console: printable ASCII only, cut to `max` bytes.
std::string ragnasync_loggable( std::string_view text, size_t max = 80 );
/// How many bytes of `text` fit in `max` bytes without cutting a character in two.
size_t ragnasync_fit( std::string_view text, size_t max );

/// Whispers `text` to the player from Support, in pieces the client can show.
void ragnasync_whisper_player( map_session_data& sd, std::string_view text );
/// The character of that exact name online on this map-server (loaded, not in @autotrade), or nullptr.
map_session_data* ragnasync_find_player( const std::string& name );
/// A `ticket`, `login` or `logout` record: action, source, name, account_id, char_id, in this order.
ragnasync::Record ragnasync_player_record( const char* action, const char* source, const map_session_data& sd );

// ---------------------------------------------------------------------------------------------------------
// ragnasync_link.cpp

/// Registers and starts the link timer (do_init_ragnasync).
void ragnasync_link_init( void );
/// Stops the timer, sends what is queued and closes the link (do_final_ragnasync).
void ragnasync_link_final( void );
/// The settings were (re)read: start, restart or stop the link, or just re-send `config`.
void ragnasync_apply_settings( bool link_changed );
/// Whether the link is authenticated and its session open: only then are records sent.
bool ragnasync_link_up( void );
/// The link's state in words, for @reloadragnasync.
const char* ragnasync_link_state_name( void );
/// Writes one record on the link. Returns false if it could not be queued.
bool ragnasync_send( const ragnasync::Record& record );
/// Encodes one record as a line (without its '\n'). False, after a ShowError, if it cannot be written.
bool ragnasync_encode( const ragnasync::Record& record, std::string& line );
/// Writes one encoded line on the link. Returns false if it could not be queued.
bool ragnasync_send_line( const std::string& line );

#endif /* RAGNASYNC_LINK_HPP */
