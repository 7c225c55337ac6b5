// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// The bridge addresses of `ragnasync_bridge_host`, and the order in which the link tries them (see
// ragnasync_bridges.hpp). Reading channels.conf, resolving the names and reporting errors is ragnasync.cpp;
// connecting is ragnasync_link.cpp.

#include "ragnasync_bridges.hpp"

#include <algorithm>

#include <common/random.hpp>
#include <common/showmsg.hpp>

#include "ragnasync_link.hpp"

static const t_tick RAGNASYNC_BACKOFF_MIN = 500; // ms: the first wait after a failed round, doubled after each one
static const t_tick RAGNASYNC_BACKOFF_MAX = 30 * 1000; // ms: the longest wait, with one address
static const t_tick RAGNASYNC_BACKOFF_MAX_SEVERAL = 2 * 1000; // ms: the longest wait, with several addresses

std::string ragnasync_bridge_name( const s_ragnasync_bridge& bridge ){
	return bridge.host + ":" + std::to_string( bridge.port );
}

/// `host` or `host:port`, without spaces; a port is 1 to 65535.
static bool ragnasync_bridge_parse( std::string_view entry, uint16 default_port, s_ragnasync_bridge& bridge ){
	const size_t colon = entry.find( ':' );
	const std::string_view host = entry.substr( 0, colon );
	uint32 port = default_port;

	if( colon != std::string_view::npos ){
		const std::string_view digits = entry.substr( colon + 1 );

		if( digits.empty() || digits.size() > 5 ){
			return false;
		}
		port = 0;
		for( char c : digits ){
			if( c < '0' || c > '9' ){
				return false;
			}
			port = port * 10 + static_cast<uint32>( c - '0' );
		}
	}
	if( host.empty() || port < 1 || port > 65535 || host.find_first_of( " \t:" ) != std::string_view::npos ){
		return false; // a second ':' is an IPv6 address, which rAthena's sockets cannot reach
	}
	bridge.host = std::string( host );
	bridge.port = static_cast<uint16>( port );
	return true;
}

bool ragnasync_bridges_parse( std::string_view text, uint16 default_port, std::vector<s_ragnasync_bridge>& bridges, std::string& error ){
	bridges.clear();

	for( bool more = true; more; ){
		const size_t comma = text.find( ',' );
		const std::string_view entry = ragnasync_trim( text.substr( 0, comma ) );
		s_ragnasync_bridge bridge;

		more = comma != std::string_view::npos;
		if( more ){
			text.remove_prefix( comma + 1 );
		}
		if( entry.empty() ){
			error = "has an empty address (separate addresses with commas: \"10.0.0.1, 10.0.0.2:6151\")";
			return false;
		}
		if( !ragnasync_bridge_parse( entry, default_port, bridge ) ){
			error = "has '" + ragnasync_loggable( entry ) + "', which is not host or host:port (a port is 1-65535)";
			return false;
		}
		if( bridges.size() == RAGNASYNC_BRIDGES_MAX ){
			error = "lists more than " + std::to_string( RAGNASYNC_BRIDGES_MAX ) + " addresses";
			return false;
		}
		bridges.push_back( bridge );
	}
	return true;
}

const s_ragnasync_bridge& ragnasync_rotation_bridge( const s_ragnasync_rotation& rotation ){
	static const s_ragnasync_bridge none;

	return rotation.current < ragnasync_settings.bridges.size() ? ragnasync_settings.bridges[rotation.current] : none;
}

std::string ragnasync_rotation_label( const s_ragnasync_rotation& rotation ){
	const size_t count = ragnasync_settings.bridges.size();
	std::string label = "'" CL_WHITE + ragnasync_bridge_name( ragnasync_rotation_bridge( rotation ) ) + CL_RESET "'";

	if( count > 1 ){
		label += " (" + std::to_string( rotation.current + 1 ) + " of " + std::to_string( count ) + ")";
	}
	return label;
}

void ragnasync_rotation_reset( s_ragnasync_rotation& rotation ){
	rotation = s_ragnasync_rotation();
}

void ragnasync_rotation_linked( s_ragnasync_rotation& rotation ){
	rotation.failures = 0;
	rotation.backoff = 0;
}

t_tick ragnasync_rotation_failed( s_ragnasync_rotation& rotation, size_t count ){
	count = std::max<size_t>( count, 1 );
	rotation.current = ( rotation.current + 1 ) % count;
	if( ++rotation.failures < count ){
		return 0; // the next address, at once
	}

	// A whole round failed: wait between 3/4 of the back-off and all of it, so that map-servers restarted
	// together spread out, and double it for the next round.
	const t_tick base = std::max<t_tick>( rotation.backoff, RAGNASYNC_BACKOFF_MIN );
	const t_tick most = count > 1 ? RAGNASYNC_BACKOFF_MAX_SEVERAL : RAGNASYNC_BACKOFF_MAX;

	rotation.failures = 0;
	rotation.backoff = std::min<t_tick>( base * 2, most );
	return base - base / 4 + rnd() % ( base / 4 + 1 );
}
