// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// A test driver for the C++ record codec (src/map/ragnasync_record.cpp), run by the Rust tests against the
// real link server. Standard C++17 and POSIX sockets only:
//
//   c++ -std=c++17 -O1 -Wall -Wextra -Werror -I contrib/rathena/src/map
//       contrib/rathena/src/map/ragnasync_record.cpp contrib/rathena/test/record_client.cpp -o record_client
//
// record_client <port>      connects to 127.0.0.1:<port> and reads commands from stdin, one per line:
//   send key=HEX key=HEX ...  encodes these pairs (in this order; HEX = the value's bytes, possibly empty)
//                             and writes the record as one line plus '\n'
//   raw HEX                   writes these bytes as they are (no '\n' added)
//   recv                      waits at most 5 s for the next line and prints
//                             `rec key=HEX ...` (pairs in wire order), `bad <reason>`, `eof` or `timeout`
//   quit                      exits 0
// record_client --self-test  runs the codec checks without a socket; exits 1 if one fails.
//
// stdout is flushed after each line; errors go to stderr.

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ragnasync_record.hpp"

using ragnasync::e_record_error;
using ragnasync::Record;

namespace {

const int RECV_TIMEOUT_MS = 5000;

std::string to_hex( std::string_view bytes ){
	static const char digits[] = "0123456789abcdef";
	std::string out;
	out.reserve( bytes.size() * 2 );
	for( char c : bytes ){
		const unsigned char b = static_cast<unsigned char>( c );
		out += digits[b >> 4];
		out += digits[b & 0x0F];
	}
	return out;
}

int hex_digit( char c ){
	if( c >= '0' && c <= '9' ) return c - '0';
	if( c >= 'a' && c <= 'f' ) return c - 'a' + 10;
	if( c >= 'A' && c <= 'F' ) return c - 'A' + 10;
	return -1;
}

bool from_hex( std::string_view hex, std::string& out ){
	out.clear();
	if( hex.size() % 2 != 0 ){
		return false;
	}
	for( size_t i = 0; i < hex.size(); i += 2 ){
		const int high = hex_digit( hex[i] );
		const int low = hex_digit( hex[i + 1] );
		if( high < 0 || low < 0 ){
			return false;
		}
		out += static_cast<char>( ( high << 4 ) | low );
	}
	return true;
}

std::vector<std::string_view> split_words( std::string_view text ){
	std::vector<std::string_view> words;
	size_t pos = 0;
	while( pos < text.size() ){
		while( pos < text.size() && ( text[pos] == ' ' || text[pos] == '\t' ) ) pos++;
		const size_t start = pos;
		while( pos < text.size() && text[pos] != ' ' && text[pos] != '\t' ) pos++;
		if( pos > start ){
			words.push_back( text.substr( start, pos - start ) );
		}
	}
	return words;
}

void say( const std::string& line ){
	std::cout << line << '\n';
	std::cout.flush();
}

std::string describe( const Record& record ){
	std::string out = "rec";
	for( const Record::Pair& pair : record.pairs() ){
		out += ' ';
		out += pair.first;
		out += '=';
		out += to_hex( pair.second );
	}
	return out;
}

// ---------------------------------------------------------------------------------------------------------
// The socket session

class Session {
public:
	explicit Session( int fd ) : fd_( fd ) {}
	~Session(){ if( this->fd_ >= 0 ) close( this->fd_ ); }

	bool write_all( std::string_view bytes ){
		size_t done = 0;
		while( done < bytes.size() ){
			const ssize_t n = ::send( this->fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL );
			if( n < 0 ){
				if( errno == EINTR ) continue;
				std::cerr << "record_client: write failed: " << std::strerror( errno ) << '\n';
				return false;
			}
			done += static_cast<size_t>( n );
		}
		return true;
	}

	/// The next line (without '\n'): 1 = line, 0 = end of stream, -1 = timeout.
	int next_line( std::string& line ){
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds( RECV_TIMEOUT_MS );
		while( true ){
			const size_t newline = this->buffer_.find( '\n' );
			if( newline != std::string::npos ){
				line = this->buffer_.substr( 0, newline );
				this->buffer_.erase( 0, newline + 1 );
				return 1;
			}
			if( this->eof_ ){
				this->buffer_.clear(); // a partial last line is discarded
				return 0;
			}
			const auto left = std::chrono::duration_cast<std::chrono::milliseconds>( deadline - std::chrono::steady_clock::now() ).count();
			if( left <= 0 ){
				return -1;
			}
			struct pollfd pfd = { this->fd_, POLLIN, 0 };
			const int ready = poll( &pfd, 1, static_cast<int>( left ) );
			if( ready < 0 ){
				if( errno == EINTR ) continue;
				std::cerr << "record_client: poll failed: " << std::strerror( errno ) << '\n';
				this->eof_ = true;
				continue;
			}
			if( ready == 0 ){
				continue;
			}
			char chunk[16384];
			const ssize_t n = ::recv( this->fd_, chunk, sizeof( chunk ), 0 );
			if( n < 0 ){
				if( errno == EINTR || errno == EAGAIN ) continue;
				std::cerr << "record_client: read failed: " << std::strerror( errno ) << '\n';
				this->eof_ = true;
			}else if( n == 0 ){
				this->eof_ = true;
			}else{
				this->buffer_.append( chunk, static_cast<size_t>( n ) );
			}
		}
	}

private:
	int fd_;
	std::string buffer_;
	bool eof_ = false;
};

int connect_to( int port ){
	const int fd = socket( AF_INET, SOCK_STREAM, 0 );
	if( fd < 0 ){
		std::cerr << "record_client: socket: " << std::strerror( errno ) << '\n';
		return -1;
	}
	struct sockaddr_in address;
	std::memset( &address, 0, sizeof( address ) );
	address.sin_family = AF_INET;
	address.sin_port = htons( static_cast<uint16_t>( port ) );
	address.sin_addr.s_addr = htonl( INADDR_LOOPBACK );
	if( connect( fd, reinterpret_cast<struct sockaddr*>( &address ), sizeof( address ) ) != 0 ){
		std::cerr << "record_client: cannot connect to 127.0.0.1:" << port << ": " << std::strerror( errno ) << '\n';
		close( fd );
		return -1;
	}
	return fd;
}

void command_send( Session& session, const std::vector<std::string_view>& words ){
	Record record;
	for( size_t i = 1; i < words.size(); i++ ){
		const size_t equals = words[i].find( '=' );
		if( equals == std::string_view::npos ){
			std::cerr << "record_client: send: expected key=HEX, found '" << words[i] << "'\n";
			return;
		}
		std::string value;
		if( !from_hex( words[i].substr( equals + 1 ), value ) ){
			std::cerr << "record_client: send: the value of '" << words[i].substr( 0, equals ) << "' is not hex\n";
			return;
		}
		record.add( words[i].substr( 0, equals ), value );
	}
	std::string line;
	const e_record_error error = ragnasync::record_encode( record, line );
	if( error != e_record_error::NONE ){
		std::cerr << "record_client: send: the encoder refused the record: " << ragnasync::record_error_name( error ) << '\n';
		return;
	}
	line += '\n';
	session.write_all( line );
}

void command_raw( Session& session, const std::vector<std::string_view>& words ){
	std::string bytes;
	if( words.size() > 2 || !from_hex( words.size() == 2 ? words[1] : std::string_view(), bytes ) ){
		std::cerr << "record_client: raw: expected one HEX argument\n";
		return;
	}
	session.write_all( bytes );
}

void command_recv( Session& session ){
	std::string line;
	const int got = session.next_line( line );
	if( got == 0 ){
		say( "eof" );
		return;
	}
	if( got < 0 ){
		say( "timeout" );
		return;
	}
	Record record;
	const e_record_error error = ragnasync::record_decode( line, record );
	if( error != e_record_error::NONE ){
		say( std::string( "bad " ) + ragnasync::record_error_name( error ) );
		return;
	}
	say( describe( record ) );
}

int run_client( int port ){
	const int fd = connect_to( port );
	if( fd < 0 ){
		return 2;
	}
	Session session( fd );
	std::string input;
	while( std::getline( std::cin, input ) ){
		if( !input.empty() && input.back() == '\r' ){
			input.pop_back();
		}
		const std::vector<std::string_view> words = split_words( input );
		if( words.empty() ){
			continue;
		}
		if( words[0] == "send" ){
			command_send( session, words );
		}else if( words[0] == "raw" ){
			command_raw( session, words );
		}else if( words[0] == "recv" ){
			command_recv( session );
		}else if( words[0] == "quit" ){
			return 0;
		}else{
			std::cerr << "record_client: unknown command '" << words[0] << "'\n";
		}
	}
	return 0;
}

// ---------------------------------------------------------------------------------------------------------
// Self-test

int failures = 0;
int checks = 0;

void check( bool ok, const std::string& what ){
	checks++;
	if( !ok ){
		failures++;
		std::cerr << "FAILED: " << what << '\n';
	}
}

std::string bytes_of( std::initializer_list<int> values ){
	std::string out;
	for( int v : values ){
		out += static_cast<char>( v );
	}
	return out;
}

/// Encodes, checks the line is what is expected (if given), decodes, and checks the pairs come back.
void round_trip( const Record& record, const std::string& expected_line, const std::string& what ){
	std::string line;
	const e_record_error error = ragnasync::record_encode( record, line );
	check( error == e_record_error::NONE, what + ": encodes" );
	check( line.find( '\n' ) == std::string::npos, what + ": no newline on the line" );
	if( !expected_line.empty() ){
		check( line == expected_line, what + ": line is " + to_hex( line ) + ", expected " + to_hex( expected_line ) );
	}
	Record back;
	const e_record_error decoded = ragnasync::record_decode( line, back );
	check( decoded == e_record_error::NONE, what + ": decodes (" + ragnasync::record_error_name( decoded ) + ")" );
	check( back.pairs() == record.pairs(), what + ": the same pairs come back" );
}

void refused( std::string_view line, e_record_error expected, const std::string& what ){
	Record record;
	const e_record_error error = ragnasync::record_decode( line, record );
	check( error == expected, what + ": " + ragnasync::record_error_name( error ) + ", expected " + ragnasync::record_error_name( expected ) );
	check( record.empty(), what + ": no pairs on error" );
}

Record decoded( std::string_view line, const std::string& what ){
	Record record;
	const e_record_error error = ragnasync::record_decode( line, record );
	check( error == e_record_error::NONE, what + ": decodes (" + ragnasync::record_error_name( error ) + ")" );
	return record;
}

int self_test(){
	// The evidence record of docs/game-link.md
	{
		Record record( "ticket" );
		record.add( "source", "request" ).add( "name", "Foo Bar" ).add( "account_id", "2000001" )
			.add( "char_id", "150001" ).add( "message", "my item vanished" );
		round_trip( record, "[action: ticket][source: request][name: Foo Bar][account_id: 2000001][char_id: 150001][message: my item vanished]", "ticket record" );
	}

	// The four escapes, and the doc's example
	{
		Record record( "whisper" );
		record.add( "from", "GM [Alice]" ).add( "message", "see \\share\nnow" );
		round_trip( record, "[action: whisper][from: GM \\[Alice\\]][message: see \\\\share\\nnow]", "escapes" );
	}

	// 0x5B 0x5C 0x5D inside values, as GBK / Shift_JIS second bytes
	{
		const std::string gbk = bytes_of( { 0x81, 0x5C, 0x81, 0x5B, 0x81, 0x5D, 0x5C } );
		Record record( "ticket" );
		record.add( "name", gbk ).add( "message", bytes_of( { 0x95, 0x5C, 0x8E, 0x9A } ) );
		round_trip( record, "[action: ticket][name: " + bytes_of( { 0x81, 0x5C, 0x5C, 0x81, 0x5C, 0x5B, 0x81, 0x5C, 0x5D, 0x5C, 0x5C } )
			+ "][message: " + bytes_of( { 0x95, 0x5C, 0x5C, 0x8E, 0x9A } ) + "]", "GBK/Shift_JIS second bytes" );
	}

	// Every byte 0x80-0xFF, and control bytes other than '\n'
	{
		std::string high;
		for( int b = 0x80; b <= 0xFF; b++ ){
			high += static_cast<char>( b );
		}
		Record record( "ticket" );
		record.add( "message", high ).add( "other", bytes_of( { 0x01, 0x09, 0x0D, 0x7F, 0x00, 0x20 } ) );
		round_trip( record, "", "bytes 0x80-0xFF and control bytes" );
	}

	// An escaped newline, alone and at the edges
	{
		Record record( "whisper" );
		record.add( "message", "\n" ).add( "m", "\nx\n" );
		round_trip( record, "[action: whisper][message: \\n][m: \\nx\\n]", "escaped newline" );
		const Record back = decoded( "[message: a\\nb]", "escaped newline decode" );
		check( back.get( "message" ) == "a\nb", "\\n decodes to a newline" );
	}

	// Empty values, leading spaces kept
	{
		Record record( "ping" );
		record.add( "ref", "" ).add( "detail", "  two spaces" );
		round_trip( record, "[action: ping][ref: ][detail:   two spaces]", "empty value" );
		check( decoded( "[ref:]", "no space" ).get( "ref" ).empty() && decoded( "[ref:]", "no space" ).has( "ref" ), "[ref:] is an empty value" );
		check( decoded( "[key:  x]", "two spaces" ).get( "key" ) == " x", "[key:  x] keeps one space" );
		check( decoded( "[key:x]", "no space" ).get( "key" ) == "x", "[key:x] is x" );
	}

	// Blanks, '\r', order, keys with '_'
	{
		const Record record = decoded( " \t[action:ping]  [ref: 7]\t\r", "blanks and CR" );
		check( record.pairs().size() == 2 && record.get( "action" ) == "ping" && record.get( "ref" ) == "7", "blanks and CR: pairs" );
		check( decoded( "", "empty line" ).empty(), "an empty line is an empty record" );
		check( decoded( " \t \r", "blank line" ).empty(), "a blank line is an empty record" );
		const Record ordered = decoded( "[z: 1][a: 2][idle_timeout: 60]", "order" );
		check( ordered.pairs().size() == 3 && ordered.pairs()[0].first == "z" && ordered.pairs()[2].first == "idle_timeout", "wire order kept" );
		check( decoded( "[" + std::string( 32, 'k' ) + ": x]", "32-byte key" ).has( std::string( 32, 'k' ) ), "a 32-byte key" );
		check( !ragnasync::record_valid_key( "" ) && !ragnasync::record_valid_key( "Action" ) && !ragnasync::record_valid_key( std::string( 33, 'k' ) ) && ragnasync::record_valid_key( "sync_done" ), "key rules" );
	}

	// Malformed lines, one of each kind
	{
		refused( "action: ping", e_record_error::EXPECTED_OPEN, "no bracket" );
		refused( "[action: ping]x", e_record_error::EXPECTED_OPEN, "garbage after a pair" );
		refused( "[Action: ping]", e_record_error::BAD_KEY, "upper-case key" );
		refused( "[: ping]", e_record_error::BAD_KEY, "empty key" );
		refused( "[" + std::string( 33, 'k' ) + ": x]", e_record_error::BAD_KEY, "33-byte key" );
		refused( "[action ping]", e_record_error::EXPECTED_COLON, "no colon" );
		refused( "[action: p\\ting]", e_record_error::BAD_ESCAPE, "unknown escape" );
		refused( "[action: p\\r]", e_record_error::BAD_ESCAPE, "backslash r" );
		refused( "[action: p[ing]", e_record_error::UNESCAPED_OPEN, "unescaped [" );
		refused( "[action: ping", e_record_error::UNTERMINATED, "no ]" );
		refused( "[action", e_record_error::UNTERMINATED, "ends in the key" );
		refused( "[action: ping\\", e_record_error::UNTERMINATED, "ends in an escape" );
		refused( "[action: a][action: b]", e_record_error::DUPLICATE_KEY, "repeated key" );
		refused( "[message: " + std::string( ragnasync::RECORD_MAX_LINE, 'x' ) + "]", e_record_error::TOO_LONG, "too long" );

		size_t at = 99;
		Record record;
		check( ragnasync::record_decode( "[action: p[ing]", record, &at ) == e_record_error::UNESCAPED_OPEN && at == 10, "error offset" );
	}

	// Line length limit: 65536 bytes counting '\r'
	{
		const std::string prefix = "[m: ";
		const std::string fits = prefix + std::string( ragnasync::RECORD_MAX_LINE - prefix.size() - 1, 'x' ) + "]";
		check( fits.size() == ragnasync::RECORD_MAX_LINE, "limit line size" );
		check( decoded( fits, "exactly the limit" ).get( "m" ).size() == ragnasync::RECORD_MAX_LINE - prefix.size() - 1, "a line of exactly the limit" );
		refused( fits + "\r", e_record_error::TOO_LONG, "the limit plus CR" );
		const std::string fits_with_cr = fits.substr( 0, fits.size() - 2 ) + "]\r";
		check( fits_with_cr.size() == ragnasync::RECORD_MAX_LINE, "limit line with CR size" );
		decoded( fits_with_cr, "the limit, CR included" );
	}

	// The encoder refuses what the decoder could not read back
	{
		std::string line = "untouched";
		Record bad;
		bad.add( "Bad", "x" );
		check( ragnasync::record_encode( bad, line ) == e_record_error::BAD_KEY && line.empty(), "encoder: bad key" );
		Record twice( "a" );
		twice.add( "action", "b" );
		check( ragnasync::record_encode( twice, line ) == e_record_error::DUPLICATE_KEY, "encoder: repeated key" );
		Record huge( "x" );
		huge.add( "message", std::string( ragnasync::RECORD_MAX_LINE, ']' ) );
		check( ragnasync::record_encode( huge, line ) == e_record_error::TOO_LONG, "encoder: too long" );
		Record empty;
		check( ragnasync::record_encode( empty, line ) == e_record_error::NONE && line.empty(), "encoder: empty record" );
	}

	// get() and find()
	{
		Record record( "login" );
		record.add( "name", "Foo" );
		check( record.get( "name" ) == "Foo" && record.get( "missing" ).empty() && record.find( "missing" ) == nullptr, "get/find" );
	}

	// Every single byte as a value round-trips
	{
		bool all = true;
		for( int b = 0; b <= 0xFF; b++ ){
			Record record;
			record.add( "v", std::string( 1, static_cast<char>( b ) ) );
			std::string line;
			Record back;
			all = all && ragnasync::record_encode( record, line ) == e_record_error::NONE
				&& ragnasync::record_decode( line, back ) == e_record_error::NONE && back.pairs() == record.pairs();
		}
		check( all, "every byte round-trips" );
	}

	if( failures != 0 ){
		std::cerr << "self-test: " << failures << " of " << checks << " checks failed\n";
		return 1;
	}
	say( "self-test: " + std::to_string( checks ) + " checks passed" );
	return 0;
}

} // namespace

int main( int argc, char** argv ){
	signal( SIGPIPE, SIG_IGN );

	if( argc == 2 && std::string_view( argv[1] ) == "--self-test" ){
		return self_test();
	}
	if( argc != 2 ){
		std::cerr << "usage: record_client <port> | record_client --self-test\n";
		return 2;
	}
	char* end = nullptr;
	errno = 0;
	const long port = std::strtol( argv[1], &end, 10 );
	if( errno != 0 || end == argv[1] || *end != '\0' || port < 1 || port > 65535 ){
		std::cerr << "record_client: '" << argv[1] << "' is not a port number\n";
		return 2;
	}
	return run_client( static_cast<int>( port ) );
}
