// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// The game side of the RagnaSync game link (protocol version 1), inside rAthena's map-server.
// The settings, the players online and the hooks rAthena calls are in ragnasync.cpp; what the two files
// share is declared in ragnasync_link.hpp.
//
// The link is a TCP connection from the map-server out to the RagnaSync bridge, one record per line (see
// ragnasync_record.hpp). It is driven like chrif.cpp drives the char-server link: rAthena's own sockets
// (make_connection, a session with its own func_parse, RFIFO/WFIFO) and one periodic timer that connects,
// reconnects, pings and notices a dead link. Nothing here blocks the map-server. When several bridge addresses
// are configured, it tries them in turn (ragnasync_bridges.hpp).
//
// Link states:
//   OFF            - no usable settings (no secret...), or stopped after the bridge said `replaced`
//   WAITING        - waiting for the next attempt: at once on the next address, or after the back-off
//   PROBING        - a non-blocking connection attempt is under way (see ragnasync_start_attempt)
//   AUTHENTICATING - connected, `auth` sent, waiting for `auth_ok`
//   UP             - `auth_ok` received; `config`, the `login`s, `sync_done` and unconfirmed tickets sent
// While the link is not UP, players who use @request or whisper Support are told
// "RagnaSync: Ticket Offline, Try again" and nothing is sent or queued.
//
// Names and chat are passed as rAthena has them, in the server's own code page, never converted: the
// bridge is told the code page in its own configuration.

#include "ragnasync_link.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#ifdef WIN32
	#include <common/winapi.hpp>
#else
	#include <arpa/inet.h>
	#include <fcntl.h>
	#include <netinet/in.h>
	#include <poll.h>
	#include <sys/socket.h>
	#include <unistd.h>
#endif

#include <common/cbasetypes.hpp>
#include <common/showmsg.hpp>
#include <common/socket.hpp>
#include <common/timer.hpp>

#include "map.hpp"
#include "pc.hpp"
#include "ragnasync_bridges.hpp"
#include "ragnasync_receipts.hpp"
#include "ragnasync_record.hpp"

using ragnasync::e_record_error;
using ragnasync::Record;

static const int32 RAGNASYNC_PROTOCOL = 1;
static const t_tick RAGNASYNC_TIMER_INTERVAL = 100; // ms: the link timer's period
static const t_tick RAGNASYNC_PROBE_TIMEOUT = 10 * 1000; // ms: a connection attempt that takes longer fails
static const t_tick RAGNASYNC_PROBE_TIMEOUT_SEVERAL = 3 * 1000; // ms: the same, when there are other addresses to try
static const t_tick RAGNASYNC_AUTH_TIMEOUT = 15 * 1000; // ms: time for the bridge to answer `auth`
static const int32 RAGNASYNC_IDLE_TIMEOUT_DEFAULT = 60; // s: if auth_ok does not say
static const int32 RAGNASYNC_CONNECT_TIMEOUT = 1; // s: make_connection's timeout, see "Connecting" below
static const size_t RAGNASYNC_MAX_SEND_LINE = 8192; // bytes: we never send longer lines (ours are < 1 KiB)
static const size_t RAGNASYNC_MAX_WFIFO = 1024 * 1024; // bytes unsent before we decide the bridge is not reading

enum class e_ragnasync_link : uint8 {
	OFF = 0,
	WAITING,
	PROBING,
	AUTHENTICATING,
	UP,
};

#ifdef WIN32
typedef SOCKET ragnasync_socket;
static const ragnasync_socket RAGNASYNC_NO_SOCKET = INVALID_SOCKET;
#else
typedef int ragnasync_socket;
static const ragnasync_socket RAGNASYNC_NO_SOCKET = -1;
#endif

struct s_ragnasync_link {
	e_ragnasync_link state = e_ragnasync_link::OFF;
	int32 fd = -1; // the rAthena session, from AUTHENTICATING on
	ragnasync_socket probe = RAGNASYNC_NO_SOCKET; // the non-blocking attempt, while PROBING
	int32 timer = INVALID_TIMER;
	s_ragnasync_rotation rotation; // which bridge address, and the back-off
	t_tick retry_at = 0;
	t_tick attempt_started = 0;
	t_tick connected_at = 0;
	t_tick last_heard = 0; // last complete line from the bridge
	t_tick next_ping = 0;
	t_tick ping_every = 20 * 1000;
	t_tick idle_timeout = RAGNASYNC_IDLE_TIMEOUT_DEFAULT * 1000;
	bool discarding = false; // throwing away the rest of a line that was too long
	bool reported_unreachable = false; // "cannot reach the bridge" is logged once per outage
	std::string reported_refusal; // the last auth_error logged, so that a retry loop does not flood the console
};

static s_ragnasync_link ragnasync_link;

static TIMER_FUNC( ragnasync_link_timer );
static int32 ragnasync_parse( int32 fd );

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/// Whether `text` is a number as the protocol writes them: 1 to 9 decimal digits.
static bool ragnasync_parse_number( std::string_view text, int32& value ){
	if( text.empty() || text.size() > 9 ){
		return false;
	}
	int32 result = 0;
	for( char c : text ){
		if( c < '0' || c > '9' ){
			return false;
		}
		result = result * 10 + ( c - '0' );
	}
	value = result;
	return true;
}

/// A whisper's text from the bridge, for the client: control bytes become spaces.
static std::string ragnasync_client_text( std::string_view text ){
	std::string out( text );
	for( char& c : out ){
		const uint8 b = static_cast<uint8>( c );
		if( b < 0x20 || b == 0x7F ){
			c = ' ';
		}
	}
	return out;
}

bool ragnasync_link_up( void ){
	return ragnasync_link.state == e_ragnasync_link::UP && session_isActive( ragnasync_link.fd );
}

const char* ragnasync_link_state_name( void ){
	switch( ragnasync_link.state ){
		case e_ragnasync_link::OFF: return "off";
		case e_ragnasync_link::WAITING: return DIFF_TICK( ragnasync_link.retry_at, gettick() ) > 0 ? "down (retrying)" : "connecting";
		case e_ragnasync_link::PROBING: return "connecting";
		case e_ragnasync_link::AUTHENTICATING: return "authenticating";
		case e_ragnasync_link::UP: return "up";
	}
	return "?";
}

// ---------------------------------------------------------------------------------------------------------
// Sending

/// Encodes one record as a line (without its '\n'). False, after a ShowError, if it cannot be written.
bool ragnasync_encode( const Record& record, std::string& line ){
	const e_record_error error = ragnasync::record_encode( record, line );

	if( error != e_record_error::NONE || line.size() > RAGNASYNC_MAX_SEND_LINE ){
		ShowError( "RagnaSync: a '%s' record could not be written (%s, %" PRIuPTR " bytes); not sent.\n",
			record.get( "action" ).c_str(), ragnasync::record_error_name( error ), line.size() );
		return false;
	}
	return true;
}

/// Writes one record on the link. Returns false if it could not be queued.
bool ragnasync_send( const Record& record ){
	std::string line;

	return ragnasync_encode( record, line ) && ragnasync_send_line( line );
}

/// Writes one encoded line on the link. Returns false if it could not be queued.
bool ragnasync_send_line( const std::string& line ){
	const int32 fd = ragnasync_link.fd;

	if( fd <= 0 || !session_isActive( fd ) ){
		return false;
	}
	if( session[fd]->wdata_size > RAGNASYNC_MAX_WFIFO ){
		ShowWarning( "RagnaSync: the bridge is not reading what this map-server sends; closing the link.\n" );
		set_eof( fd );
		return false;
	}

	WFIFOHEAD( fd, line.size() + 1 );
	memcpy( WFIFOP( fd, 0 ), line.data(), line.size() );
	WFIFOB( fd, line.size() ) = '\n';
	WFIFOSET( fd, line.size() + 1 );
	return true;
}

static void ragnasync_send_config( void ){
	Record record( "config" );

	record.add( "ticket_enabled", ragnasync_settings.ticket_enabled ? "true" : "false" );
	record.add( "ticket_close_on_logout", ragnasync_settings.close_on_logout ? "true" : "false" );
	ragnasync_send( record );
}

/// An `error` record answering something the bridge sent (never sent in answer to an `error`).
static void ragnasync_send_error( const char* code, const std::string& re, const std::string& detail, const std::string* ref ){
	Record record( "error" );

	record.add( "code", code );
	if( !detail.empty() ){
		record.add( "detail", detail );
	}
	if( ragnasync::record_valid_key( re ) ){
		record.add( "re", re );
	}
	if( ref != nullptr && ref->size() <= ragnasync::RECORD_MAX_REF ){
		record.add( "ref", *ref );
	}
	ragnasync_send( record );
}

/// After auth_ok: one `login` per character online on this map-server, then `sync_done`.
static void ragnasync_announce_online( void ){
	std::unordered_map<uint32, std::string> still_here;
	struct s_mapiterator* iter = mapit_getallusers();

	for( map_session_data* sd = static_cast<map_session_data*>( mapit_first( iter ) ); mapit_exists( iter ); sd = static_cast<map_session_data*>( mapit_next( iter ) ) ){
		if( sd->state.autotrade || ragnasync_online.find( sd->status.char_id ) == ragnasync_online.end() ){
			continue; // still loading, or an autotrader
		}
		still_here.emplace( sd->status.char_id, std::string( sd->status.name ) );
		ragnasync_send( ragnasync_player_record( "login", nullptr, *sd ) );
	}
	mapit_free( iter );

	ragnasync_online.swap( still_here );
	ragnasync_send( Record( "sync_done" ) );
}

// ---------------------------------------------------------------------------------------------------------
// Connecting
//
// rAthena's make_connection() connects in blocking mode on POSIX systems: only its `timeout` argument
// (SO_SNDTIMEO, whole seconds; 0 means the system default of about two minutes) bounds how long connect()
// may stall the whole map-server when the bridge's host drops packets instead of refusing them. On Windows
// it waits in select() for up to `timeout` seconds. To never stall the map-server, each attempt first opens
// a plain non-blocking connection (the probe) that the link timer polls every 100 ms; only when the probe has
// connected - the bridge is there and answers at once - is it closed and make_connection() called, whose
// connect() then completes immediately. The bridge sees the probe as a connection that closed before sending
// anything, which it ignores silently. make_connection() gets RAGNASYNC_CONNECT_TIMEOUT = 1 s, the smallest
// value that sets a bound at all, for the unlikely case where the bridge vanishes between the two.

static void ragnasync_probe_close( void ){
	if( ragnasync_link.probe == RAGNASYNC_NO_SOCKET ){
		return;
	}
#ifdef WIN32
	closesocket( ragnasync_link.probe );
#else
	close( ragnasync_link.probe );
#endif
	ragnasync_link.probe = RAGNASYNC_NO_SOCKET;
}

/// Starts a non-blocking connection: 1 connected already, 0 under way, -1 failed (`error` says why).
static int32 ragnasync_probe_open( std::string& error ){
	const s_ragnasync_bridge& bridge = ragnasync_rotation_bridge( ragnasync_link.rotation );
	struct sockaddr_in address;

	memset( &address, 0, sizeof( address ) );
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl( bridge.ip );
	address.sin_port = htons( bridge.port );

#ifdef WIN32
	SOCKET s = socket( AF_INET, SOCK_STREAM, IPPROTO_TCP );
	u_long yes = 1;

	if( s == INVALID_SOCKET ){
		error = "cannot create a socket";
		return -1;
	}
	if( ioctlsocket( s, FIONBIO, &yes ) != 0 ){
		closesocket( s );
		error = "cannot make a socket non-blocking";
		return -1;
	}
	ragnasync_link.probe = s;
	if( connect( s, reinterpret_cast<struct sockaddr*>( &address ), sizeof( address ) ) == 0 ){
		return 1;
	}
	if( WSAGetLastError() != WSAEWOULDBLOCK ){
		ragnasync_probe_close();
		error = "connection failed";
		return -1;
	}
	return 0;
#else
	int s = socket( AF_INET, SOCK_STREAM, 0 );

	if( s < 0 ){
		error = strerror( errno );
		return -1;
	}
	const int flags = fcntl( s, F_GETFL, 0 );
	if( flags < 0 || fcntl( s, F_SETFL, flags | O_NONBLOCK ) < 0 ){
		error = strerror( errno );
		close( s );
		return -1;
	}
	ragnasync_link.probe = s;
	if( connect( s, reinterpret_cast<struct sockaddr*>( &address ), sizeof( address ) ) == 0 ){
		return 1;
	}
	if( errno != EINPROGRESS && errno != EINTR ){
		error = strerror( errno );
		ragnasync_probe_close();
		return -1;
	}
	return 0;
#endif
}

/// Polls the probe without waiting: 1 connected, 0 still under way, -1 failed (`error` says why).
static int32 ragnasync_probe_poll( std::string& error ){
	const ragnasync_socket s = ragnasync_link.probe;

#ifdef WIN32
	fd_set writable, failed;
	struct timeval no_wait = { 0, 0 };

	FD_ZERO( &writable );
	FD_ZERO( &failed );
	FD_SET( s, &writable );
	FD_SET( s, &failed );
	if( select( 0, nullptr, &writable, &failed, &no_wait ) == SOCKET_ERROR ){
		error = "select failed";
		return -1;
	}
	if( FD_ISSET( s, &failed ) ){
		error = "connection refused or unreachable";
		return -1;
	}
	return FD_ISSET( s, &writable ) ? 1 : 0;
#else
	struct pollfd pfd;

	pfd.fd = s;
	pfd.events = POLLOUT;
	pfd.revents = 0;

	const int ready = poll( &pfd, 1, 0 );

	if( ready == 0 || ( ready < 0 && errno == EINTR ) ){
		return 0;
	}
	if( ready < 0 ){
		error = strerror( errno );
		return -1;
	}

	int so_error = 0;
	socklen_t length = sizeof( so_error );

	if( getsockopt( s, SOL_SOCKET, SO_ERROR, &so_error, &length ) != 0 ){
		error = strerror( errno );
		return -1;
	}
	if( so_error != 0 ){
		error = strerror( so_error );
		return -1;
	}
	return 1;
#endif
}

/// Closes whatever is open (probe, session) without changing the state.
static void ragnasync_close_link( void ){
	ragnasync_probe_close();

	if( ragnasync_link.fd > 0 ){
		if( session_isValid( ragnasync_link.fd ) ){
			do_close( ragnasync_link.fd );
		}
		ragnasync_link.fd = -1;
	}
	ragnasync_link.discarding = false;
}

/// Moves on to the next bridge address: at once while a round of them is not over, else after the back-off.
/// Returns whether a whole round has failed.
static bool ragnasync_try_next( void ){
	const t_tick wait = ragnasync_rotation_failed( ragnasync_link.rotation, ragnasync_settings.bridges.size() );

	ragnasync_link.retry_at = gettick() + wait;
	ragnasync_link.state = e_ragnasync_link::WAITING;
	return wait > 0;
}

/// A connection attempt failed.
static void ragnasync_attempt_failed( const std::string& why ){
	const size_t count = ragnasync_settings.bridges.size();

	ragnasync_close_link();

	if( !ragnasync_link.reported_unreachable && count > 1 ){ // a standby bridge refuses: fine if another answers
		ShowInfo( "RagnaSync: cannot reach the bridge at %s (%s); trying the next address.\n", ragnasync_rotation_label( ragnasync_link.rotation ).c_str(), why.c_str() );
	}else if( !ragnasync_link.reported_unreachable ){
		ShowWarning( "RagnaSync: cannot reach the bridge at %s (%s); retrying in the background.\n", ragnasync_rotation_label( ragnasync_link.rotation ).c_str(), why.c_str() );
	}
	if( ragnasync_try_next() ){
		if( count > 1 && !ragnasync_link.reported_unreachable ){
			ShowWarning( "RagnaSync: none of the %u bridge addresses answered; retrying them in the background.\n", static_cast<uint32>( count ) );
		}
		ragnasync_link.reported_unreachable = true;
	}
}

/// The link (connected, maybe authenticated) is lost: reconnect, to the next address if there are several.
static void ragnasync_link_lost( const char* why ){
	const bool was_up = ragnasync_link.state == e_ragnasync_link::UP;
	const std::string label = ragnasync_rotation_label( ragnasync_link.rotation );

	ragnasync_close_link();

	if( was_up ){
		ShowWarning( "RagnaSync: the link to the bridge at %s was lost (%s); reconnecting. Players see \"%s\" meanwhile.\n", label.c_str(), why, RAGNASYNC_MSG_OFFLINE );
	}else{
		ShowWarning( "RagnaSync: the bridge at %s closed the connection before authentication completed (%s); retrying.\n", label.c_str(), why );
	}
	ragnasync_link.reported_unreachable = false;
	ragnasync_try_next();
}

/// The probe connected: open the real session and authenticate.
static void ragnasync_connect( t_tick tick ){
	ragnasync_probe_close();

	// See the comment above ragnasync_probe_close() for why this cannot stall the map-server.
	const s_ragnasync_bridge& bridge = ragnasync_rotation_bridge( ragnasync_link.rotation );
	const int32 fd = make_connection( bridge.ip, bridge.port, true, RAGNASYNC_CONNECT_TIMEOUT );

	if( fd == -1 ){
		ragnasync_attempt_failed( "connection failed" );
		return;
	}

	session[fd]->func_parse = ragnasync_parse;
	session[fd]->flag.server = 1; // a server link: no client packet limits; we do our own keep-alive
	realloc_fifo( fd, FIFOSIZE_SERVERLINK, FIFOSIZE_SERVERLINK );

	ragnasync_link.fd = fd;
	ragnasync_link.state = e_ragnasync_link::AUTHENTICATING;
	ragnasync_link.connected_at = tick;
	ragnasync_link.last_heard = tick;
	ragnasync_link.discarding = false;

	Record auth( "auth" );

	auth.add( "server_id", ragnasync_settings.server_id );
	auth.add( "secret", ragnasync_settings.secret );
	auth.add( "protocol", std::to_string( RAGNASYNC_PROTOCOL ) );
	auth.add( "run", ragnasync_run_id() ); // asks for receipts (ragnasync_receipts.hpp)
	if( !ragnasync_send( auth ) ){
		ragnasync_link_lost( "cannot send auth" );
	}
}

/// Starts a connection attempt (WAITING -> PROBING).
static void ragnasync_start_attempt( t_tick tick ){
	if( !ragnasync_link.reported_unreachable && ragnasync_link.reported_refusal.empty() ){
		ShowStatus( "RagnaSync: connecting to the bridge at %s as '" CL_WHITE "%s" CL_RESET "'.\n",
			ragnasync_rotation_label( ragnasync_link.rotation ).c_str(), ragnasync_settings.server_id.c_str() );
	}

	std::string error;
	const int32 result = ragnasync_probe_open( error );

	if( result < 0 ){
		ragnasync_attempt_failed( error );
		return;
	}
	ragnasync_link.state = e_ragnasync_link::PROBING;
	ragnasync_link.attempt_started = tick;
	if( result > 0 ){
		ragnasync_connect( tick );
	}
}

static void ragnasync_poll_attempt( t_tick tick ){
	std::string error;
	const int32 result = ragnasync_probe_poll( error );

	if( result == 0 ){
		const t_tick timeout = ragnasync_settings.bridges.size() > 1 ? RAGNASYNC_PROBE_TIMEOUT_SEVERAL : RAGNASYNC_PROBE_TIMEOUT;

		if( DIFF_TICK( tick, ragnasync_link.attempt_started ) > timeout ){
			ragnasync_attempt_failed( "no answer within " + std::to_string( timeout / 1000 ) + " seconds" );
		}
		return;
	}
	if( result < 0 ){
		ragnasync_attempt_failed( error );
		return;
	}
	ragnasync_connect( tick );
}

/// The settings were (re)read: start, restart or stop the link, or just re-send `config`.
void ragnasync_apply_settings( bool link_changed ){
	if( !ragnasync_settings.link_ok ){
		if( ragnasync_link.state != e_ragnasync_link::OFF ){
			ragnasync_close_link();
			ragnasync_link.state = e_ragnasync_link::OFF;
			ShowWarning( "RagnaSync: the ticket link is now off.\n" );
		}
		return;
	}

	if( link_changed || ragnasync_link.state == e_ragnasync_link::OFF ){
		ragnasync_close_link();
		ragnasync_link.state = e_ragnasync_link::WAITING;
		ragnasync_rotation_reset( ragnasync_link.rotation );
		ragnasync_link.retry_at = gettick();
		ragnasync_link.reported_unreachable = false;
		ragnasync_link.reported_refusal.clear();
		return;
	}

	if( ragnasync_link_up() ){
		ragnasync_send_config();
	}
}

// ---------------------------------------------------------------------------------------------------------
// Records from the bridge

static void ragnasync_on_auth_ok( const Record& record ){
	const std::string protocol = record.get( "protocol" );

	if( !protocol.empty() && protocol != std::to_string( RAGNASYNC_PROTOCOL ) ){
		ShowError( "RagnaSync: the bridge speaks protocol version '%s'; this map-server speaks version %d.\n", ragnasync_loggable( protocol, 16 ).c_str(), RAGNASYNC_PROTOCOL );
		ragnasync_link_lost( "protocol version mismatch" );
		return;
	}

	int32 idle = RAGNASYNC_IDLE_TIMEOUT_DEFAULT;
	const std::string* idle_text = record.find( "idle_timeout" );

	if( idle_text != nullptr && ( !ragnasync_parse_number( *idle_text, idle ) || idle < 1 ) ){
		ShowWarning( "RagnaSync: the bridge sent an invalid idle_timeout '%s'; assuming %d seconds.\n", ragnasync_loggable( *idle_text, 16 ).c_str(), RAGNASYNC_IDLE_TIMEOUT_DEFAULT );
		idle = RAGNASYNC_IDLE_TIMEOUT_DEFAULT;
	}

	const t_tick now = gettick();

	ragnasync_link.state = e_ragnasync_link::UP;
	ragnasync_rotation_linked( ragnasync_link.rotation );
	ragnasync_link.reported_unreachable = false;
	ragnasync_link.reported_refusal.clear();
	ragnasync_link.idle_timeout = static_cast<t_tick>( idle ) * 1000;
	ragnasync_link.ping_every = std::max<t_tick>( ragnasync_link.idle_timeout / 3, 200 );
	ragnasync_link.next_ping = now + ragnasync_link.ping_every;
	ragnasync_link.last_heard = now;

	ShowStatus( "RagnaSync: linked to the bridge at %s as '" CL_WHITE "%s" CL_RESET "' (ticket support %s).\n",
		ragnasync_rotation_label( ragnasync_link.rotation ).c_str(), ragnasync_settings.server_id.c_str(),
		ragnasync_settings.ticket_enabled ? "enabled" : "disabled" );

	// In this order: config, the characters online now, sync_done, the ticket lines not yet confirmed.
	ragnasync_receipts_linked( record.get( "receipts" ) == "true" );
	ragnasync_send_config();
	ragnasync_announce_online();
	ragnasync_receipts_resend();
}

static void ragnasync_on_auth_error( const Record& record ){
	const std::string code = ragnasync_loggable( record.get( "code" ), 32 );
	const std::string detail = ragnasync_loggable( record.get( "detail" ) );
	const std::string refusal = code + ": " + detail;

	if( refusal != ragnasync_link.reported_refusal ){
		ShowError( "RagnaSync: the bridge at %s refused this map-server (%s). Check ragnasync_server_id in '%s' and the bridge secret; retrying with back-off.\n",
			ragnasync_rotation_label( ragnasync_link.rotation ).c_str(), refusal.c_str(), channel_conf );
		ragnasync_link.reported_refusal = refusal;
	}
	ragnasync_close_link();
	ragnasync_try_next();
}

static void ragnasync_on_error( const Record& record ){
	const std::string code = record.get( "code" );
	const std::string re = record.get( "re" );
	const std::string name = record.get( "name" );

	if( re == "ticket" && record.has( "ref" ) ){
		ragnasync_receipts_answered( record.get( "ref" ) ); // a refusal is final: not sent again
	}
	// A ticket the bridge could not take: tell the player.
	if( re == "ticket" && !name.empty() ){
		map_session_data* sd = ragnasync_find_player( name );

		if( sd != nullptr ){
			ragnasync_whisper_player( *sd, code == "disabled" ? RAGNASYNC_MSG_DISABLED : RAGNASYNC_MSG_OFFLINE );
		}
		if( code == "disabled" ){
			return;
		}
	}

	if( code == "replaced" ){
		ShowError( "RagnaSync: another connection authenticated with the server id '%s', and the bridge closed this one. "
			"Is another map-server using the same ragnasync_server_id? The link stays off until @reloadragnasync or a restart.\n",
			ragnasync_settings.server_id.c_str() );
		ragnasync_close_link();
		ragnasync_link.state = e_ragnasync_link::OFF;
		return;
	}
	if( code == "idle_timeout" || code == "shutting_down" ){
		ragnasync_link_lost( code == "idle_timeout" ? "the bridge heard nothing for too long" : "the bridge is shutting down" );
		return;
	}

	ShowWarning( "RagnaSync: the bridge reported an error: %s%s%s (%s).\n", ragnasync_loggable( code, 32 ).c_str(),
		re.empty() ? "" : " about ", ragnasync_loggable( re, 32 ).c_str(), ragnasync_loggable( record.get( "detail" ) ).c_str() );
}

static void ragnasync_on_whisper( const Record& record ){
	const std::string name = record.get( "name" );
	map_session_data* sd = ragnasync_find_player( name );

	if( sd == nullptr ){
		// Not here (or just left): the bridge holds this reply for the player's next login.
		Record error( "error" );

		error.add( "code", "player_offline" );
		error.add( "name", name );
		const std::string* ref = record.find( "ref" );
		if( ref != nullptr && ref->size() <= ragnasync::RECORD_MAX_REF ){
			error.add( "ref", *ref );
		}
		ragnasync_send( error );
		return;
	}

	const std::string from = ragnasync_client_text( ragnasync_trim( record.get( "from" ) ) );
	const std::string message = ragnasync_client_text( record.get( "message" ) );

	ragnasync_whisper_player( *sd, from.empty() ? message : from + ": " + message );
}

static void ragnasync_on_ticket_created( const Record& record ){
	map_session_data* sd = ragnasync_find_player( record.get( "name" ) );

	if( sd != nullptr ){
		ragnasync_whisper_player( *sd, RAGNASYNC_MSG_CREATED );
	}
}

static void ragnasync_handle_line( std::string_view line ){
	Record record;
	size_t at = 0;
	const e_record_error error = ragnasync::record_decode( line, record, &at );

	if( error != e_record_error::NONE ){
		ShowWarning( "RagnaSync: the bridge sent a malformed line (%s at byte %" PRIuPTR "); ignored.\n", ragnasync::record_error_name( error ), at );
		ragnasync_send_error( error == e_record_error::TOO_LONG ? "too_long" : "malformed", "", ragnasync::record_error_name( error ), nullptr );
		return;
	}
	if( record.empty() ){
		return; // a blank line
	}

	const std::string action = std::string( ragnasync_trim( record.get( "action" ) ) );

	if( ragnasync_link.state == e_ragnasync_link::AUTHENTICATING ){
		if( action == "auth_ok" ){
			ragnasync_on_auth_ok( record );
		}else if( action == "auth_error" ){
			ragnasync_on_auth_error( record );
		}else if( action == "error" ){
			ragnasync_on_error( record );
		}else{
			ShowWarning( "RagnaSync: the bridge sent '%s' before auth_ok; ignored.\n", ragnasync_loggable( action, 32 ).c_str() );
		}
		return;
	}

	if( action == "pong" || action == "ticket_closed" ){
		// pong: the link is alive (last_heard is updated for every line).
		// ticket_closed: nothing to show; the next @request or whisper to Support opens a new ticket.
	}else if( action == "received" ){
		ragnasync_receipts_answered( record.get( "ref" ) ); // a ticket record is stored: not sent again
	}else if( action == "whisper" ){
		ragnasync_on_whisper( record );
	}else if( action == "ticket_created" ){
		ragnasync_on_ticket_created( record );
	}else if( action == "error" ){
		ragnasync_on_error( record );
	}else{
		ShowWarning( "RagnaSync: the bridge sent an unknown action '%s'; ignored.\n", ragnasync_loggable( action, 32 ).c_str() );
		ragnasync_send_error( "unknown_action", action, action.empty() ? "missing action" : "unknown action", record.find( "ref" ) );
	}
}

/// The session's parse function: splits what the bridge sent into lines.
static int32 ragnasync_parse( int32 fd ){
	if( fd != ragnasync_link.fd ){
		ShowDebug( "ragnasync_parse: closing stale session #%d.\n", fd );
		do_close( fd );
		return 0;
	}

	if( session[fd]->flag.eof ){
		ragnasync_link_lost( "the bridge closed the connection" );
		return 0;
	}

	// rAthena's stall check only flags server links; our own keep-alive decides when the link is dead.
	session[fd]->flag.ping = 0;

	while( fd == ragnasync_link.fd && session_isActive( fd ) && RFIFOREST( fd ) > 0 ){
		const char* data = RFIFOCP( fd, 0 );
		const size_t available = RFIFOREST( fd );
		const char* newline = static_cast<const char*>( memchr( data, '\n', available ) );

		if( newline == nullptr ){
			if( available > ragnasync::RECORD_MAX_LINE ){
				// A line longer than the protocol allows: drop it up to its '\n'.
				if( !ragnasync_link.discarding ){
					ShowWarning( "RagnaSync: the bridge sent a line longer than %" PRIuPTR " bytes; ignored.\n", ragnasync::RECORD_MAX_LINE );
					ragnasync_send_error( "too_long", "", "", nullptr );
				}
				ragnasync_link.discarding = true;
				RFIFOSKIP( fd, available );
			}
			break;
		}

		const size_t length = static_cast<size_t>( newline - data );
		const std::string line( data, length );

		RFIFOSKIP( fd, length + 1 );
		if( ragnasync_link.discarding ){
			ragnasync_link.discarding = false;
			continue;
		}
		ragnasync_link.last_heard = gettick();
		ragnasync_handle_line( line );
	}

	return 0;
}

/// Every 100 ms: connect, reconnect, ping, and notice a dead link.
static TIMER_FUNC( ragnasync_link_timer ){
	(void)tid;
	(void)id;
	(void)data;

	switch( ragnasync_link.state ){
		case e_ragnasync_link::OFF:
			break;

		case e_ragnasync_link::WAITING:
			if( DIFF_TICK( tick, ragnasync_link.retry_at ) >= 0 ){
				ragnasync_start_attempt( tick );
			}
			break;

		case e_ragnasync_link::PROBING:
			ragnasync_poll_attempt( tick );
			break;

		case e_ragnasync_link::AUTHENTICATING:
			if( !session_isValid( ragnasync_link.fd ) ){
				ragnasync_link_lost( "the connection closed" );
			}else if( DIFF_TICK( tick, ragnasync_link.connected_at ) > RAGNASYNC_AUTH_TIMEOUT ){
				ragnasync_link_lost( "no answer to auth" );
			}
			break;

		case e_ragnasync_link::UP:
			if( !session_isValid( ragnasync_link.fd ) ){
				ragnasync_link_lost( "the connection closed" );
			}else if( DIFF_TICK( tick, ragnasync_link.last_heard ) >= ragnasync_link.idle_timeout ){
				ragnasync_link_lost( "nothing heard from the bridge, not even a pong, within its idle timeout" );
			}else if( DIFF_TICK( tick, ragnasync_link.next_ping ) >= 0 ){
				ragnasync_link.next_ping = tick + ragnasync_link.ping_every;
				ragnasync_send( Record( "ping" ) );
			}
			break;
	}
	return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Start and stop

void ragnasync_link_init( void ){
	add_timer_func_list( ragnasync_link_timer, "ragnasync_link_timer" );
	ragnasync_link.timer = add_timer_interval( gettick() + RAGNASYNC_TIMER_INTERVAL, ragnasync_link_timer, 0, 0, RAGNASYNC_TIMER_INTERVAL );
}

void ragnasync_link_final( void ){
	if( ragnasync_link.timer != INVALID_TIMER ){
		delete_timer( ragnasync_link.timer, ragnasync_link_timer );
		ragnasync_link.timer = INVALID_TIMER;
	}

	ragnasync_probe_close();
	if( ragnasync_link.fd > 0 && session_isValid( ragnasync_link.fd ) ){
		flush_fifo( ragnasync_link.fd ); // the logouts of the players map_quit just removed
		do_close( ragnasync_link.fd );
	}
	ragnasync_link.fd = -1;
	ragnasync_link.state = e_ragnasync_link::OFF;
}
