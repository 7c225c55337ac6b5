// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.

#include "ragnasync_record.hpp"

namespace ragnasync {

const char* record_error_name( e_record_error error ){
	switch( error ){
		case e_record_error::NONE: return "none";
		case e_record_error::TOO_LONG: return "too_long";
		case e_record_error::EXPECTED_OPEN: return "expected_open";
		case e_record_error::BAD_KEY: return "bad_key";
		case e_record_error::EXPECTED_COLON: return "expected_colon";
		case e_record_error::BAD_ESCAPE: return "bad_escape";
		case e_record_error::UNESCAPED_OPEN: return "unescaped_open";
		case e_record_error::UNTERMINATED: return "unterminated";
		case e_record_error::DUPLICATE_KEY: return "duplicate_key";
	}
	return "unknown";
}

Record::Record( std::string_view action ){
	this->add( "action", action );
}

Record& Record::add( std::string_view key, std::string_view value ){
	this->pairs_.emplace_back( std::string( key ), std::string( value ) );
	return *this;
}

const std::string* Record::find( std::string_view key ) const {
	for( const Pair& pair : this->pairs_ ){
		if( pair.first == key ){
			return &pair.second;
		}
	}
	return nullptr;
}

bool Record::has( std::string_view key ) const {
	return this->find( key ) != nullptr;
}

std::string Record::get( std::string_view key ) const {
	const std::string* value = this->find( key );
	return value != nullptr ? *value : std::string();
}

static bool record_key_byte( unsigned char c ){
	return ( c >= 'a' && c <= 'z' ) || c == '_';
}

bool record_valid_key( std::string_view key ){
	if( key.empty() || key.size() > RECORD_MAX_KEY ){
		return false;
	}
	for( char c : key ){
		if( !record_key_byte( static_cast<unsigned char>( c ) ) ){
			return false;
		}
	}
	return true;
}

void record_escape( std::string_view value, std::string& out ){
	for( char c : value ){
		switch( c ){
			case '\\': out += "\\\\"; break;
			case ']': out += "\\]"; break;
			case '[': out += "\\["; break;
			case '\n': out += "\\n"; break;
			default: out += c; break;
		}
	}
}

e_record_error record_encode( const Record& record, std::string& line ){
	line.clear();

	const std::vector<Record::Pair>& pairs = record.pairs();

	for( size_t i = 0; i < pairs.size(); i++ ){
		const std::string& key = pairs[i].first;

		if( !record_valid_key( key ) ){
			line.clear();
			return e_record_error::BAD_KEY;
		}
		for( size_t j = 0; j < i; j++ ){
			if( pairs[j].first == key ){
				line.clear();
				return e_record_error::DUPLICATE_KEY;
			}
		}

		line += '[';
		line += key;
		line += ": ";
		record_escape( pairs[i].second, line );
		line += ']';

		if( line.size() > RECORD_MAX_LINE ){
			line.clear();
			return e_record_error::TOO_LONG;
		}
	}

	return e_record_error::NONE;
}

e_record_error record_decode( std::string_view line, Record& record, size_t* at ){
	record.clear();

	auto fail = [&record, at]( e_record_error error, size_t offset ){
		record.clear();
		if( at != nullptr ){
			*at = offset;
		}
		return error;
	};

	if( line.size() > RECORD_MAX_LINE ){
		return fail( e_record_error::TOO_LONG, 0 );
	}
	if( !line.empty() && line.back() == '\r' ){
		line.remove_suffix( 1 );
	}

	const size_t end = line.size();
	size_t pos = 0;

	while( true ){
		// Blanks before, between and after pairs
		while( pos < end && ( line[pos] == ' ' || line[pos] == '\t' ) ){
			pos++;
		}
		if( pos == end ){
			break;
		}
		if( line[pos] != '[' ){
			return fail( e_record_error::EXPECTED_OPEN, pos );
		}
		pos++;

		// key
		const size_t key_start = pos;
		while( pos < end && record_key_byte( static_cast<unsigned char>( line[pos] ) ) ){
			pos++;
		}
		const size_t key_length = pos - key_start;
		if( key_length == 0 || key_length > RECORD_MAX_KEY ){
			return fail( e_record_error::BAD_KEY, key_start );
		}
		if( pos == end ){
			return fail( e_record_error::UNTERMINATED, pos );
		}
		if( line[pos] != ':' ){
			return fail( e_record_error::EXPECTED_COLON, pos );
		}
		pos++;

		// One optional space, not part of the value
		if( pos < end && line[pos] == ' ' ){
			pos++;
		}

		// value
		std::string value;
		bool closed = false;

		while( pos < end ){
			const char c = line[pos];

			if( c == ']' ){
				pos++;
				closed = true;
				break;
			}
			if( c == '[' ){
				return fail( e_record_error::UNESCAPED_OPEN, pos );
			}
			if( c == '\\' ){
				if( pos + 1 == end ){
					return fail( e_record_error::UNTERMINATED, end );
				}
				switch( line[pos + 1] ){
					case '\\': value += '\\'; break;
					case ']': value += ']'; break;
					case '[': value += '['; break;
					case 'n': value += '\n'; break;
					default: return fail( e_record_error::BAD_ESCAPE, pos );
				}
				pos += 2;
				continue;
			}
			value += c;
			pos++;
		}
		if( !closed ){
			return fail( e_record_error::UNTERMINATED, end );
		}

		const std::string_view key = line.substr( key_start, key_length );

		if( record.has( key ) ){
			return fail( e_record_error::DUPLICATE_KEY, key_start );
		}
		record.add( key, value );
	}

	return e_record_error::NONE;
}

} // namespace ragnasync
