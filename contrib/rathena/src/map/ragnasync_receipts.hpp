// Part of RagnaSync Tickets (MIT OR Apache-2.0). Not part of rAthena.
//
// Internal to RagnaSync Tickets: receipts for what players type (docs/game-link.md, section 9).
//
// A `ticket` record written just before the link breaks (the bridge restarted, or the active bridge died and a
// standby took over) may or may not have reached the bridge. So the map-server names each run (`[run: <id>]` in
// `auth`, 16 random hex digits, new at every start), gives every `ticket` record a `[ref: t<N>]`, and keeps its
// line until the bridge answers it: `[action: received]` once it is stored, or an `error` refusing it. After the
// next `auth_ok` (to whichever bridge address answers), the lines still kept are sent again, in the order first
// sent; the bridge recognises the ones it had already stored by run and ref, and does not handle them twice.

#ifndef RAGNASYNC_RECEIPTS_HPP
#define RAGNASYNC_RECEIPTS_HPP

#include <string>

#include "ragnasync_record.hpp"

/// The most `ticket` lines kept while waiting for their receipts; past it the oldest is dropped (and logged).
static const size_t RAGNASYNC_RECEIPTS_MAX = 1024;

/// Makes this run's id (do_init_ragnasync): 16 random hex digits, new each time the map-server starts.
void ragnasync_receipts_init( void );
/// Forgets the lines still kept, saying how many the bridge never confirmed (do_final_ragnasync).
void ragnasync_receipts_final( void );
/// This run's id, sent as `run` in `auth`.
const std::string& ragnasync_run_id( void );

/// At `auth_ok`, before anything is sent: whether this bridge confirms `ticket` records (`receipts: true`). Lines
/// are kept for sending again only while it does; an older bridge would take them as new, so they are dropped then.
void ragnasync_receipts_linked( bool bridge_answers );
/// Gives `record` (a `ticket`, its `message` not added yet) the next `ref` of the run: t1, t2...
void ragnasync_receipts_add_ref( ragnasync::Record& record );
/// Sends a `ticket` record that has its `ref`, and keeps its line until the bridge answers it. Returns false only
/// if it cannot be written at all (nothing is kept then); a line that the link fails to send is kept and sent
/// again after the next `auth_ok`.
bool ragnasync_receipts_send( const ragnasync::Record& record );
/// The bridge answered the `ticket` record with this `ref` (`received`, or an `error` refusing it): forget it.
void ragnasync_receipts_answered( const std::string& ref );
/// After `auth_ok`, `config`, the `login`s and `sync_done`: sends every kept line again, in the order first sent.
void ragnasync_receipts_resend( void );

#endif /* RAGNASYNC_RECEIPTS_HPP */
