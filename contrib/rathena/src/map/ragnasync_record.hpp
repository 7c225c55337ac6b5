// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// The record codec of the RagnaSync game link (docs/game-link.md, section 2), on bytes.
//
// A record is one line of `[key: value]` pairs. Keys are 1 to 32 bytes of a-z and '_', unique within a
// record. Values are bytes in the server's own code page, never converted: only the four escapes
// `\\`, `\]`, `\[` and `\n` are applied, byte by byte, so that GBK or Shift_JIS second bytes equal to
// 0x5B, 0x5C or 0x5D survive the round trip.
//
// This file depends on the C++17 standard library only, so that it can be compiled and tested outside
// rAthena (see contrib/rathena/test/record_client.cpp).

#ifndef RAGNASYNC_RECORD_HPP
#define RAGNASYNC_RECORD_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragnasync {

/// The longest line, in bytes, counting a trailing '\r' but not the '\n' that ends it.
constexpr size_t RECORD_MAX_LINE = 65536;

/// The longest key, in bytes.
constexpr size_t RECORD_MAX_KEY = 32;

/// The longest `ref` value that is echoed back, in bytes.
constexpr size_t RECORD_MAX_REF = 64;

/// Why a line is not a record.
enum class e_record_error {
	NONE = 0,
	TOO_LONG,       ///< the line is longer than RECORD_MAX_LINE
	EXPECTED_OPEN,  ///< something other than '[' (or a blank) where a pair should start
	BAD_KEY,        ///< the key is empty, longer than 32 bytes, or not made of a-z and '_'
	EXPECTED_COLON, ///< the key is not followed by ':'
	BAD_ESCAPE,     ///< a backslash not followed by '\', ']', '[' or 'n'
	UNESCAPED_OPEN, ///< a '[' inside a value
	UNTERMINATED,   ///< the line ends inside a pair
	DUPLICATE_KEY,  ///< the same key twice in one record
};

/// A short name for an error ("bad_key"...), for logs and the test driver.
const char* record_error_name( e_record_error error );

/// One record: ordered pairs of byte strings.
class Record {
public:
	using Pair = std::pair<std::string, std::string>;

	Record() = default;

	/// A record whose first pair is `[action: <action>]`.
	explicit Record( std::string_view action );

	/// Appends a pair (keys are checked by record_encode).
	Record& add( std::string_view key, std::string_view value );

	/// Whether the record has this key.
	bool has( std::string_view key ) const;

	/// The value of `key` (bytes), or an empty string if the key is absent.
	std::string get( std::string_view key ) const;

	/// The value of `key`, or nullptr if the key is absent.
	const std::string* find( std::string_view key ) const;

	/// The pairs, in order.
	const std::vector<Pair>& pairs() const { return this->pairs_; }

	bool empty() const { return this->pairs_.empty(); }
	void clear() { this->pairs_.clear(); }

private:
	std::vector<Pair> pairs_;
};

/// Whether `key` is a valid key: 1 to 32 bytes of a-z and '_'.
bool record_valid_key( std::string_view key );

/// Appends `value` to `out` with the four escapes applied.
void record_escape( std::string_view value, std::string& out );

/// Writes `record` as one line into `line` (without the '\n').
/// Refuses (and leaves `line` empty) a record with an invalid or repeated key (BAD_KEY, DUPLICATE_KEY)
/// or one that would be longer than RECORD_MAX_LINE (TOO_LONG).
e_record_error record_encode( const Record& record, std::string& line );

/// Reads one line (without its '\n'; a trailing '\r' is tolerated) into `record`.
/// A blank line (empty, or only spaces and tabs) gives an empty record and NONE.
/// On error, `record` is left empty and `at` (if given) is the byte offset where the error was found.
e_record_error record_decode( std::string_view line, Record& record, size_t* at = nullptr );

} // namespace ragnasync

#endif /* RAGNASYNC_RECORD_HPP */
