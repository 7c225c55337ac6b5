// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// Receipts for what players type: the run id, the `ref` of each `ticket` record, and the lines kept until the
// bridge answers them (see ragnasync_receipts.hpp). The link (ragnasync_link.cpp) calls in here at `auth`,
// `auth_ok`, `received` and `error`; ragnasync.cpp sends every `ticket` record through here.

#include "ragnasync_receipts.hpp"

#include <cstdio>
#include <ctime>
#include <deque>
#include <random>
#include <string>

#include <common/cbasetypes.hpp>
#include <common/showmsg.hpp>

#include "ragnasync_link.hpp"
#include "ragnasync_record.hpp"

using ragnasync::Record;

/// A `ticket` line sent and not answered yet.
struct s_ragnasync_kept {
	std::string ref;
	std::string line; // the whole encoded record, without its '\n'
};

struct s_ragnasync_receipts {
	std::string run; // this run's id
	uint64 next_ref = 1; // the number of the next `ref`: t1, t2...
	std::deque<s_ragnasync_kept> kept; // oldest first
	uint32 dropped = 0; // lines dropped because too many were kept, since the queue was last empty
	bool bridge_answers = false; // the bridge of the last auth_ok said `receipts: true`
};

static s_ragnasync_receipts ragnasync_receipts;

void ragnasync_receipts_init( void ){
	// std::random_device, mixed with the time in case a platform's random_device is deterministic.
	std::random_device device;
	const uint64 random = ( static_cast<uint64>( device() ) << 32 ) ^ static_cast<uint64>( device() );
	const uint64 id = random ^ ( static_cast<uint64>( time( nullptr ) ) * 0x9E3779B97F4A7C15ULL );
	char text[17];

	snprintf( text, sizeof( text ), "%08x%08x", static_cast<uint32>( id >> 32 ), static_cast<uint32>( id ) );
	ragnasync_receipts.run = text;
	ragnasync_receipts.next_ref = 1;
	ragnasync_receipts.kept.clear();
	ragnasync_receipts.dropped = 0;
}

void ragnasync_receipts_final( void ){
	if( !ragnasync_receipts.kept.empty() ){
		ShowWarning( "RagnaSync: %u ticket line(s) had no receipt from the bridge at shutdown; the bridge may not have them.\n",
			static_cast<uint32>( ragnasync_receipts.kept.size() ) );
	}
	ragnasync_receipts.kept.clear();
}

const std::string& ragnasync_run_id( void ){
	return ragnasync_receipts.run;
}

void ragnasync_receipts_add_ref( Record& record ){
	record.add( "ref", "t" + std::to_string( ragnasync_receipts.next_ref++ ) );
}

void ragnasync_receipts_linked( bool bridge_answers ){
	ragnasync_receipts.bridge_answers = bridge_answers;
	if( !bridge_answers && !ragnasync_receipts.kept.empty() ){
		// A bridge without receipts would take every kept line as new: they are not sent again.
		ShowWarning( "RagnaSync: this bridge does not confirm ticket lines (it predates receipts); %u unconfirmed line(s) are not sent again.\n",
			static_cast<uint32>( ragnasync_receipts.kept.size() ) );
		ragnasync_receipts.kept.clear();
		ragnasync_receipts.dropped = 0;
	}
}

bool ragnasync_receipts_send( const Record& record ){
	std::string line;

	if( !ragnasync_encode( record, line ) ){
		return false;
	}

	if( !ragnasync_receipts.bridge_answers ){
		ragnasync_send_line( line ); // nothing will confirm it: not kept
		return true;
	}

	if( ragnasync_receipts.kept.size() >= RAGNASYNC_RECEIPTS_MAX ){
		// Logged the first time and then every 100 lines, so that a bridge that never answers cannot flood the console.
		if( ragnasync_receipts.dropped++ % 100 == 0 ){
			ShowWarning( "RagnaSync: %u ticket lines are waiting for a receipt from the bridge; the oldest (%s) is no longer kept "
				"and is lost if the bridge did not get it (%u dropped so far).\n", static_cast<uint32>( RAGNASYNC_RECEIPTS_MAX ),
				ragnasync_receipts.kept.front().ref.c_str(), ragnasync_receipts.dropped );
		}
		ragnasync_receipts.kept.pop_front();
	}
	ragnasync_receipts.kept.push_back( s_ragnasync_kept{ record.get( "ref" ), line } );

	// Kept: if the link fails to send it now, it is sent again after the next auth_ok.
	ragnasync_send_line( line );
	return true;
}

void ragnasync_receipts_answered( const std::string& ref ){
	std::deque<s_ragnasync_kept>& kept = ragnasync_receipts.kept;

	// Answers come in the order the lines were sent: the line is almost always the first one.
	for( auto it = kept.begin(); it != kept.end(); ++it ){
		if( it->ref == ref ){
			kept.erase( it );
			break;
		}
	}
	if( kept.empty() ){
		ragnasync_receipts.dropped = 0;
	}
}

void ragnasync_receipts_resend( void ){
	size_t sent = 0;

	for( const s_ragnasync_kept& kept : ragnasync_receipts.kept ){
		if( !ragnasync_send_line( kept.line ) ){
			break; // the link broke again: the rest stays kept for the next auth_ok
		}
		sent++;
	}
	if( sent > 0 ){
		ShowStatus( "RagnaSync: sent %u ticket line(s) again that the bridge had not confirmed before the link broke.\n", static_cast<uint32>( sent ) );
	}
}
