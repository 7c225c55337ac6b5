// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// RagnaSync Tickets: in-game support tickets relayed to Discord.
//
// The map-server connects out to the RagnaSync bridge (docs/game-link.md in the RagnaSync repository) and:
// - `@request <message>` and whispers to `Support` / `@Support` open or add to the player's ticket;
// - staff replies from Discord arrive as whispers from `Support`;
// - logins and logouts on this map-server are announced, so that tickets can close at logout.
//
// The functions below are the hooks called from rAthena's own code (see contrib/rathena/ragnasync.patch).

#ifndef RAGNASYNC_HPP
#define RAGNASYNC_HPP

#include <common/cbasetypes.hpp>

class map_session_data;

/// The name players whisper to, and the sender of every RagnaSync whisper.
#define RAGNASYNC_SUPPORT_NAME "Support"

/// map.cpp do_init: registers the timer and starts the link (after do_init_channel).
void do_init_ragnasync( void );
/// map.cpp do_final: sends what is queued and closes the link (after the players were logged out).
void do_final_ragnasync( void );

/// (Re)reads the ragnasync_* keys of conf/channels.conf and the bridge secret.
/// Called whenever rAthena reads channels.conf (channel_read_config) and by @reloadragnasync.
/// On a reload, re-sends `config` and reconnects if the bridge address, server id or secret changed.
void ragnasync_read_config( void );

/// Whether RagnaSync handles @request (channels.conf `ragnasync_request_command`, default true).
bool ragnasync_owns_request_command( void );

/// atcommand.cpp ACMD_FUNC(request), when ragnasync_owns_request_command(): opens or adds to the ticket.
int32 ragnasync_atcommand_request( const int32 fd, map_session_data& sd, const char* message );

/// atcommand.cpp ACMD_FUNC(reloadragnasync): ragnasync_read_config() and a report to the caller.
int32 ragnasync_atcommand_reload( const int32 fd );

/// clif.cpp clif_parse_WisMessage, before rAthena looks for a character of that name:
/// returns true if `target` is Support (the whisper was handled), false to let rAthena deliver it.
bool ragnasync_whisper( map_session_data& sd, const char* target, const char* message );

/// clif.cpp clif_parse_LoadEndAck: the character finished loading on this map-server (not a map change).
void ragnasync_on_login( map_session_data& sd );

/// unit.cpp unit_free_pc (quit, or change to another map-server) and clif.cpp clif_parse (the client left
/// a character in @autotrade): the character can no longer be whispered on this map-server.
void ragnasync_on_logout( map_session_data& sd );

#endif /* RAGNASYNC_HPP */
