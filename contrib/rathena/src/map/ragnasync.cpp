// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// RagnaSync Tickets in rAthena's map-server: the ragnasync_* keys of conf/channels.conf and the bridge
// secret, the players online here, and the hooks rAthena's own code calls (ragnasync.hpp): @request,
// whispers to Support, login and logout, start and stop. The link to the bridge is ragnasync_link.cpp;
// what the two files share is declared in ragnasync_link.hpp.

#include "ragnasync.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <common/cbasetypes.hpp>
#include <common/conf.hpp>
#include <common/mmo.hpp>
#include <common/showmsg.hpp>
#include <common/socket.hpp>

#include "clif.hpp"
#include "map.hpp"
#include "pc.hpp"
#include "ragnasync_bridges.hpp"
#include "ragnasync_link.hpp"
#include "ragnasync_receipts.hpp"
#include "ragnasync_record.hpp"

using ragnasync::Record;

static const size_t RAGNASYNC_SECRET_MIN = 16; // bytes
static const size_t RAGNASYNC_SERVER_ID_MAX = 64; // bytes

s_ragnasync_settings ragnasync_settings;
static bool ragnasync_config_read_once = false;
static bool ragnasync_initialised = false;

std::unordered_map<uint32, std::string> ragnasync_online;

// ---------------------------------------------------------------------------------------------------------
// Small helpers

std::string_view ragnasync_trim( std::string_view text ){
	while( !text.empty() && ( text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n' ) ){
		text.remove_prefix( 1 );
	}
	while( !text.empty() && ( text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n' ) ){
		text.remove_suffix( 1 );
	}
	return text;
}

/// Text from the bridge made safe for the console: printable ASCII only, cut to `max` bytes.
std::string ragnasync_loggable( std::string_view text, size_t max ){
	std::string out;
	for( char c : text ){
		if( out.size() >= max ){
			out += "...";
			break;
		}
		const uint8 b = static_cast<uint8>( c );
		out += ( b >= 0x20 && b < 0x7F ) ? c : '?';
	}
	return out;
}

/// How many bytes of `text` fit in `max` bytes without cutting a character in two.
/// Cuts after a byte below 0x40 when it can: no double-byte code page rAthena servers use (GBK, Big5,
/// Shift_JIS, EUC-KR/UHC) nor UTF-8 uses such a byte inside a character.
size_t ragnasync_fit( std::string_view text, size_t max ){
	if( text.size() <= max ){
		return text.size();
	}
	size_t cut = max;
	while( cut > 0 && static_cast<uint8>( text[cut - 1] ) >= 0x40 ){
		cut--;
	}
	return cut > max / 2 ? cut : max;
}

/// What a player typed: an old client's "|NN" code-page marker dropped, surrounding spaces trimmed.
static std::string ragnasync_player_text( const char* message ){
	if( message == nullptr ){
		return std::string();
	}
	std::string_view text( message );
	if( text.size() >= 3 && text[0] == '|' && text[1] >= '0' && text[1] <= '9' && text[2] >= '0' && text[2] <= '9' ){
		text.remove_prefix( 3 );
	}
	return std::string( ragnasync_trim( text ) );
}

// ---------------------------------------------------------------------------------------------------------
// Players

/// Whispers `text` to the player from Support, in pieces the client can show.
void ragnasync_whisper_player( map_session_data& sd, std::string_view text ){
	const size_t max = CHAT_SIZE_MAX - 1;

	while( !text.empty() ){
		const size_t length = ragnasync_fit( text, max );
		const std::string piece( text.substr( 0, length ) );

		clif_wis_message( &sd, RAGNASYNC_SUPPORT_NAME, piece.c_str(), piece.size() + 1, 0 );
		text.remove_prefix( length );
	}
}

/// The character of that exact name online on this map-server (loaded, not in @autotrade), or nullptr.
map_session_data* ragnasync_find_player( const std::string& name ){
	if( name.empty() || name.size() >= NAME_LENGTH ){
		return nullptr;
	}
	for( const auto& entry : ragnasync_online ){
		if( entry.second != name ){
			continue;
		}
		map_session_data* sd = map_charid2sd( static_cast<int32>( entry.first ) );

		if( sd == nullptr || sd->state.autotrade || !session_isActive( sd->fd ) ){
			return nullptr;
		}
		return sd;
	}
	return nullptr;
}

/// A `ticket`, `login` or `logout` record: action, source, name, account_id, char_id, in this order.
Record ragnasync_player_record( const char* action, const char* source, const map_session_data& sd ){
	Record record( action );

	if( source != nullptr ){
		record.add( "source", source );
	}
	record.add( "name", sd.status.name );
	record.add( "account_id", std::to_string( sd.status.account_id ) );
	record.add( "char_id", std::to_string( sd.status.char_id ) );
	return record;
}

// ---------------------------------------------------------------------------------------------------------
// Configuration (conf/channels.conf)

/// A key at the top level of channels.conf, or else inside its channel_config group.
static config_setting_t* ragnasync_config_lookup( config_t& conf, const char* key ){
	config_setting_t* top = config_lookup( &conf, key );
	config_setting_t* group = config_lookup( &conf, "channel_config" );
	config_setting_t* nested = nullptr;

	if( group != nullptr && config_setting_is_group( group ) ){
		nested = config_setting_get_member( group, key );
	}
	if( top != nullptr && nested != nullptr ){
		ShowWarning( "RagnaSync: '%s' is set twice in '%s' (line %u and, inside channel_config, line %u); using line %u.\n",
			key, channel_conf, static_cast<uint32>( config_setting_source_line( top ) ), static_cast<uint32>( config_setting_source_line( nested ) ), static_cast<uint32>( config_setting_source_line( top ) ) );
	}
	return top != nullptr ? top : nested;
}

static void ragnasync_config_bool( config_t& conf, const char* key, bool& value ){
	config_setting_t* setting = ragnasync_config_lookup( conf, key );

	if( setting == nullptr ){
		return;
	}
	if( config_setting_type( setting ) != CONFIG_TYPE_BOOL ){
		ShowWarning( "RagnaSync: %s:%u: %s must be true or false; using %s.\n", channel_conf, static_cast<uint32>( config_setting_source_line( setting ) ), key, value ? "true" : "false" );
		return;
	}
	value = config_setting_get_bool( setting ) != 0;
}

/// Reads a string key (and its line, if `line` is given); false (after a ShowError) if it is there but not a
/// non-empty string.
static bool ragnasync_config_string( config_t& conf, const char* key, std::string& value, uint32* line = nullptr ){
	config_setting_t* setting = ragnasync_config_lookup( conf, key );

	if( setting == nullptr ){
		return true;
	}
	const char* text = config_setting_type( setting ) == CONFIG_TYPE_STRING ? config_setting_get_string( setting ) : nullptr;

	if( text == nullptr || *text == '\0' ){
		ShowError( "RagnaSync: %s:%u: %s must be a non-empty string in double quotes.\n", channel_conf, static_cast<uint32>( config_setting_source_line( setting ) ), key );
		return false;
	}
	value = text;
	if( line != nullptr ){
		*line = static_cast<uint32>( config_setting_source_line( setting ) );
	}
	return true;
}

static bool ragnasync_config_port( config_t& conf, const char* key, uint16& value ){
	config_setting_t* setting = ragnasync_config_lookup( conf, key );

	if( setting == nullptr ){
		return true;
	}

	const int type = config_setting_type( setting );
	const long long port = ( type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 ) ? config_setting_get_int64( setting ) : -1;

	if( port < 1 || port > 65535 ){
		if( type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 ){
			ShowError( "RagnaSync: %s:%u: %s must be a port number (1-65535), found %lld.\n", channel_conf, static_cast<uint32>( config_setting_source_line( setting ) ), key, port );
		}else{
			ShowError( "RagnaSync: %s:%u: %s must be a port number (1-65535), without quotes.\n", channel_conf, static_cast<uint32>( config_setting_source_line( setting ) ), key );
		}
		return false;
	}
	value = static_cast<uint16>( port );
	return true;
}

/// ragnasync_bridge_host: one address or a comma-separated list, each `host` or `host:port` (a bare host uses
/// ragnasync_bridge_port, read before), each resolved now. False (after a ShowError) if one is bad.
static bool ragnasync_config_bridges( config_t& conf, s_ragnasync_settings& next ){
	const char* key = "ragnasync_bridge_host";
	std::string text = "127.0.0.1";
	std::string error;
	uint32 line = 0;

	if( !ragnasync_config_string( conf, key, text, &line ) ){
		return false;
	}
	if( !ragnasync_bridges_parse( text, next.port, next.bridges, error ) ){
		ShowError( "RagnaSync: %s:%u: %s %s.\n", channel_conf, line, key, error.c_str() );
		return false;
	}
	for( s_ragnasync_bridge& bridge : next.bridges ){
		bridge.ip = host2ip( bridge.host.c_str() );
		if( bridge.ip == 0 ){
			ShowError( "RagnaSync: %s:%u: %s: cannot resolve '%s'.\n", channel_conf, line, key, ragnasync_loggable( bridge.host ).c_str() );
			return false;
		}
	}
	return true;
}

/// 1 to 64 of A-Z a-z 0-9 _ . -
static bool ragnasync_valid_server_id( const std::string& id ){
	if( id.empty() || id.size() > RAGNASYNC_SERVER_ID_MAX ){
		return false;
	}
	for( char c : id ){
		if( !( ( c >= 'A' && c <= 'Z' ) || ( c >= 'a' && c <= 'z' ) || ( c >= '0' && c <= '9' ) || c == '_' || c == '.' || c == '-' ) ){
			return false;
		}
	}
	return true;
}

/// Reads the ragnasync_* keys. False if channels.conf cannot be read at all.
static bool ragnasync_config_load( s_ragnasync_settings& next ){
	config_t conf;

	if( conf_read_file( &conf, channel_conf ) ){ // prints the reason
		return false;
	}

	bool link_ok = true;

	ragnasync_config_bool( conf, "ragnasync_ticket_support_system_enabled", next.ticket_enabled );
	ragnasync_config_bool( conf, "ragnasync_ticket_support_system_close_on_logout", next.close_on_logout );
	ragnasync_config_bool( conf, "ragnasync_request_command", next.request_command );
	link_ok &= ragnasync_config_port( conf, "ragnasync_bridge_port", next.port );
	link_ok &= ragnasync_config_bridges( conf, next ); // after the port, which bare hosts use
	link_ok &= ragnasync_config_string( conf, "ragnasync_bridge_secret_file", next.secret_file );

	if( ragnasync_config_string( conf, "ragnasync_server_id", next.server_id ) ){
		if( !ragnasync_valid_server_id( next.server_id ) ){
			ShowError( "RagnaSync: %s: ragnasync_server_id must be 1 to 64 of A-Z a-z 0-9 _ . - (found '%s').\n", channel_conf, ragnasync_loggable( next.server_id ).c_str() );
			link_ok = false;
		}
	}else{
		link_ok = false;
	}

	if( config_setting_t* secret = ragnasync_config_lookup( conf, "ragnasync_bridge_secret" ); secret != nullptr ){
		ShowWarning( "RagnaSync: %s:%u: ragnasync_bridge_secret is ignored: a secret does not belong in a file that gets committed. "
			"Put it on the first line of '%s' or in the environment variable RAGNASYNC_BRIDGE_SECRET, and remove it from this file.\n",
			channel_conf, static_cast<uint32>( config_setting_source_line( secret ) ), next.secret_file.c_str() );
	}

	config_destroy( &conf );
	next.link_ok = link_ok;
	return true;
}

/// The bridge secret: RAGNASYNC_BRIDGE_SECRET if set (and not empty), else the first line of the secret file.
static bool ragnasync_load_secret( s_ragnasync_settings& next ){
	const char* env = getenv( "RAGNASYNC_BRIDGE_SECRET" );
	std::string where;

	if( env != nullptr && *env != '\0' ){
		next.secret = std::string( ragnasync_trim( env ) );
		where = "the environment variable RAGNASYNC_BRIDGE_SECRET";
	}else{
		std::ifstream file( next.secret_file, std::ios::in | std::ios::binary );
		std::string line;

		if( !file.is_open() ){
			ShowError( "RagnaSync: no bridge secret. Set the environment variable RAGNASYNC_BRIDGE_SECRET, or write the secret "
				"(at least %d bytes) on the first line of '" CL_WHITE "%s" CL_RESET "'. Ticket support stays offline.\n",
				static_cast<int32>( RAGNASYNC_SECRET_MIN ), next.secret_file.c_str() );
			return false;
		}
		std::getline( file, line );
		if( line.compare( 0, 3, "\xEF\xBB\xBF" ) == 0 ){
			line.erase( 0, 3 ); // a byte order mark left by a Windows editor
		}
		next.secret = std::string( ragnasync_trim( line ) );
		where = "'" + next.secret_file + "'";
	}

	if( next.secret.size() < RAGNASYNC_SECRET_MIN ){
		ShowError( "RagnaSync: the bridge secret in %s is shorter than %d bytes. Ticket support stays offline.\n",
			where.c_str(), static_cast<int32>( RAGNASYNC_SECRET_MIN ) );
		next.secret.clear();
		return false;
	}
	return true;
}

void ragnasync_read_config( void ){
#ifdef MAP_GENERATOR
	return; // the map-server-generator tool does not link to the bridge
#endif
	s_ragnasync_settings next;

	if( !ragnasync_config_load( next ) ){
		if( ragnasync_config_read_once ){
			ShowError( "RagnaSync: cannot read '%s'; keeping the previous RagnaSync settings.\n", channel_conf );
			return;
		}
		ShowError( "RagnaSync: cannot read '%s'; ticket support stays offline.\n", channel_conf );
		next.link_ok = false;
	}else if( !next.link_ok ){
		ShowError( "RagnaSync: the bridge settings in '%s' are invalid (see above); ticket support stays offline.\n", channel_conf );
	}else if( !ragnasync_load_secret( next ) ){
		next.link_ok = false;
	}

	const s_ragnasync_settings& previous = ragnasync_settings;
	const bool link_changed = !ragnasync_config_read_once || previous.link_ok != next.link_ok || previous.bridges != next.bridges
		|| previous.server_id != next.server_id || previous.secret != next.secret;

	ragnasync_settings = std::move( next );
	ragnasync_config_read_once = true;

	ShowInfo( "RagnaSync: ticket support %s, close on logout %s, @request %s.\n",
		ragnasync_settings.ticket_enabled ? "enabled" : "disabled",
		ragnasync_settings.close_on_logout ? "on" : "off",
		ragnasync_settings.request_command ? "opens tickets" : "is rAthena's own" );

	if( ragnasync_initialised ){
		ragnasync_apply_settings( link_changed );
	}
}

// ---------------------------------------------------------------------------------------------------------
// Hooks

bool ragnasync_owns_request_command( void ){
	return ragnasync_settings.request_command;
}

/// Sends the player's message as a ticket, kept until the bridge confirms it. False if it could not be written.
static bool ragnasync_send_ticket( map_session_data& sd, const char* source, const std::string& text ){
	Record record = ragnasync_player_record( "ticket", source, sd );

	ragnasync_receipts_add_ref( record ); // before `message`, so that even a refusal of a line too long names it
	record.add( "message", text );
	return ragnasync_receipts_send( record );
}

int32 ragnasync_atcommand_request( const int32 fd, map_session_data& sd, const char* message ){
	if( sd.status.char_id == 0 ){
		ShowInfo( "RagnaSync: @request opens a ticket for a player; it cannot be used from the console.\n" );
		return -1;
	}

	const std::string text = ragnasync_player_text( message );

	if( text.empty() ){
		clif_displaymessage( fd, RAGNASYNC_MSG_USAGE );
		return -1;
	}
	if( !ragnasync_settings.ticket_enabled ){
		clif_displaymessage( fd, RAGNASYNC_MSG_DISABLED );
		return 0;
	}
	if( !ragnasync_link_up() || !ragnasync_send_ticket( sd, "request", text ) ){
		clif_displaymessage( fd, RAGNASYNC_MSG_OFFLINE );
		return 0;
	}

	std::string echo = RAGNASYNC_MSG_ECHO + text;

	echo.resize( ragnasync_fit( echo, CHAT_SIZE_MAX - 1 ) );
	clif_displaymessage( fd, echo.c_str() );
	return 0;
}

int32 ragnasync_atcommand_reload( const int32 fd ){
	char output[CHAT_SIZE_MAX];

	ragnasync_read_config();
	snprintf( output, sizeof( output ), "RagnaSync settings reloaded from %s: ticket support %s, link %s.", channel_conf,
		ragnasync_settings.ticket_enabled ? "enabled" : "disabled", ragnasync_link_state_name() );
	clif_displaymessage( fd, output );
	return 0;
}

/// "Support" or "@Support", in any case, surrounding spaces ignored.
static bool ragnasync_is_support( const char* target ){
	std::string_view name = ragnasync_trim( target );
	std::string_view support = RAGNASYNC_SUPPORT_NAME;

	if( !name.empty() && name.front() == '@' ){
		name.remove_prefix( 1 );
	}
	if( name.size() != support.size() ){
		return false;
	}
	for( size_t i = 0; i < name.size(); i++ ){
		char a = name[i], b = support[i];

		if( a >= 'A' && a <= 'Z' ) a = static_cast<char>( a - 'A' + 'a' );
		if( b >= 'A' && b <= 'Z' ) b = static_cast<char>( b - 'A' + 'a' );
		if( a != b ){
			return false;
		}
	}
	return true;
}

bool ragnasync_whisper( map_session_data& sd, const char* target, const char* message ){
	if( target == nullptr || !ragnasync_is_support( target ) ){
		return false;
	}

	// The whisper reached Support: the client shows it as sent, and any answer comes from Support.
	clif_wis_end( sd, ACKWHISPER_SUCCESS );

	const std::string text = ragnasync_player_text( message );

	if( text.empty() ){
		return true;
	}
	if( !ragnasync_settings.ticket_enabled ){
		ragnasync_whisper_player( sd, RAGNASYNC_MSG_DISABLED );
		return true;
	}
	if( !ragnasync_link_up() || !ragnasync_send_ticket( sd, "whisper", text ) ){
		ragnasync_whisper_player( sd, RAGNASYNC_MSG_OFFLINE );
		return true;
	}
	// Sent. Nothing more to show: the client already shows the player their own whisper, and a new ticket
	// is confirmed by the bridge's ticket_created.
	return true;
}

void ragnasync_on_login( map_session_data& sd ){
	if( sd.state.autotrade || sd.status.char_id == 0 ){
		return; // an autotrader restored at start-up cannot read whispers
	}

	const bool inserted = ragnasync_online.insert_or_assign( sd.status.char_id, std::string( sd.status.name ) ).second;

	if( inserted && ragnasync_link_up() ){
		ragnasync_send( ragnasync_player_record( "login", nullptr, sd ) );
	}
}

void ragnasync_on_logout( map_session_data& sd ){
	auto it = ragnasync_online.find( sd.status.char_id );

	if( it == ragnasync_online.end() ){
		return; // never announced (still loading, or an autotrader)
	}
	ragnasync_online.erase( it );

	if( ragnasync_link_up() ){
		ragnasync_send( ragnasync_player_record( "logout", nullptr, sd ) );
	}
}

// ---------------------------------------------------------------------------------------------------------
// Start and stop

void do_init_ragnasync( void ){
#ifdef MAP_GENERATOR
	return; // the map-server-generator tool does not link to the bridge
#endif
	if( !ragnasync_config_read_once ){
		ragnasync_read_config();
	}

	ragnasync_receipts_init();
	ragnasync_link_init();
	ragnasync_initialised = true;

	ragnasync_apply_settings( true );
}

void do_final_ragnasync( void ){
	ragnasync_link_final();
	ragnasync_receipts_final();
	ragnasync_online.clear();
	ragnasync_initialised = false;
}
