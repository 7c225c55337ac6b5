//! The gateway watermark rule of the conformance suite: the time the bot last heard from Discord is kept as last
//! saved, to the microsecond.

use time::Duration;

use crate::ports::TicketStore;

use super::T0;

/// Nothing before the first save; then the last time saved, even when it is earlier than the one before (another
/// process's clock counts from when it saves); sub-microsecond parts may be dropped.
pub async fn the_gateway_watermark_is_kept(store: &impl TicketStore) {
    assert_eq!(store.gateway_seen().await.expect("the watermark is read"), None, "never saved");
    let later = T0 + Duration::nanoseconds(1_234_567_891);
    store.set_gateway_seen(later).await.expect("the watermark is saved");
    let seen = store.gateway_seen().await.expect("the watermark is read").expect("it was saved");
    assert!((seen - later).abs() < Duration::microseconds(1), "kept to the microsecond: {seen} against {later}");
    store.set_gateway_seen(T0).await.expect("the watermark is saved again");
    assert_eq!(
        store.gateway_seen().await.expect("the watermark is read"),
        Some(T0),
        "replaced, even by an earlier time"
    );
}
