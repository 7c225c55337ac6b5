// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// Internal to RagnaSync Tickets: the bridge addresses, and the order in which the link tries them.
//
// `ragnasync_bridge_host` in conf/channels.conf is one address or a comma-separated list of them, each `host` or
// `host:port` (a bare host uses `ragnasync_bridge_port`): "10.0.0.1, 10.0.0.2:6151". Several RagnaSync bridge
// processes may run on one database: exactly one is active and listens, the others refuse connections until
// they take over. So the link tries the addresses in turn: a failed attempt, a refused or closed connection or a
// lost link moves on to the next address at once, and the back-off only applies once a whole round of them has
// failed. With several addresses the back-off stays short (at most 2 s), so that a newly active bridge is found
// within seconds; with one address it is what it always was (0.5 s, doubling up to 30 s).

#ifndef RAGNASYNC_BRIDGES_HPP
#define RAGNASYNC_BRIDGES_HPP

#include <string>
#include <string_view>
#include <vector>

#include <common/cbasetypes.hpp>
#include <common/timer.hpp>

/// The most addresses `ragnasync_bridge_host` may list.
static const size_t RAGNASYNC_BRIDGES_MAX = 8;

/// One bridge address.
struct s_ragnasync_bridge {
	std::string host; // as written in channels.conf
	uint32 ip = 0; // host, resolved when channels.conf is read
	uint16 port = 0;

	bool operator==( const s_ragnasync_bridge& other ) const {
		return this->ip == other.ip && this->port == other.port;
	}
};

/// "host:port", for the console.
std::string ragnasync_bridge_name( const s_ragnasync_bridge& bridge );

/// Splits `text` (the value of `ragnasync_bridge_host`) into addresses, not resolved yet. On a bad entry, returns
/// false and says why in `error`, written to follow the key's name ("lists more than 8 addresses").
bool ragnasync_bridges_parse( std::string_view text, uint16 default_port, std::vector<s_ragnasync_bridge>& bridges, std::string& error );

/// Which address the link tries, and how long it waits after a whole round of them failed.
struct s_ragnasync_rotation {
	size_t current = 0; // index of the address tried now
	size_t failures = 0; // attempts failed in a row in this round
	t_tick backoff = 0; // the next wait after a failed round (0: the shortest)
};

/// The address the link tries (or is linked to) now, among the settings' bridges.
const s_ragnasync_bridge& ragnasync_rotation_bridge( const s_ragnasync_rotation& rotation );
/// That address for the console: 'host:port', followed by (2 of 3) when there are several.
std::string ragnasync_rotation_label( const s_ragnasync_rotation& rotation );
/// New settings: start again from the first address, with the shortest back-off.
void ragnasync_rotation_reset( s_ragnasync_rotation& rotation );
/// Linked (auth_ok): stay on this address; the next round starts afresh with the shortest back-off.
void ragnasync_rotation_linked( s_ragnasync_rotation& rotation );
/// The attempt on the current address failed, or its link was lost: moves on to the next of `count` addresses.
/// Returns how long to wait before trying it: 0 (at once) while the round is not over; after a whole round, the
/// back-off (with some jitter), which then doubles up to 30 s with one address, 2 s with several.
t_tick ragnasync_rotation_failed( s_ragnasync_rotation& rotation, size_t count );

#endif /* RAGNASYNC_BRIDGES_HPP */
