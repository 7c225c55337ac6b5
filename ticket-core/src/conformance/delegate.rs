//! [`delegate_store!`](crate::delegate_store): a test wrapper around a store (a temporary file, a schema dropped
//! afterwards) that is itself a [`TicketStore`](crate::TicketStore) and a
//! [`StoreExport`](crate::ports::StoreExport), every call passed to the store inside.

#[doc(hidden)]
pub use async_trait::async_trait as __async_trait;
#[doc(hidden)]
pub use time as __time;

/// Implements [`TicketStore`](crate::TicketStore) and [`StoreExport`](crate::ports::StoreExport) for `$wrapper`
/// by calling the same method on its field `$field`.
///
/// ```text
/// struct TempStore { store: SqliteStore, dir: TempDir }
/// ticket_core::delegate_store!(TempStore => store);
/// ```
#[macro_export]
macro_rules! delegate_store {
    ($wrapper:ty => $field:ident) => {
        #[$crate::conformance::__async_trait]
        impl $crate::TicketStore for $wrapper {
            async fn settings(
                &self,
                guild: $crate::GuildId,
            ) -> ::std::result::Result<$crate::GuildSettings, $crate::StoreError> {
                self.$field.settings(guild).await
            }
            async fn ticket(
                &self,
                id: $crate::TicketId,
            ) -> ::std::result::Result<::std::option::Option<$crate::Ticket>, $crate::StoreError> {
                self.$field.ticket(id).await
            }
            async fn ticket_by_channel(
                &self,
                channel: $crate::ChannelId,
            ) -> ::std::result::Result<::std::option::Option<$crate::Ticket>, $crate::StoreError> {
                self.$field.ticket_by_channel(channel).await
            }
            async fn open_ticket_by_key(
                &self,
                key: &str,
            ) -> ::std::result::Result<::std::option::Option<$crate::Ticket>, $crate::StoreError> {
                self.$field.open_ticket_by_key(key).await
            }
            async fn last_opened(
                &self,
                guild: $crate::GuildId,
                kind: $crate::TicketType,
                person: $crate::Pid,
            ) -> ::std::result::Result<
                ::std::option::Option<$crate::conformance::__time::OffsetDateTime>,
                $crate::StoreError,
            > {
                self.$field.last_opened(guild, kind, person).await
            }
            async fn open_tickets(
                &self,
                guild: $crate::GuildId,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Ticket>, $crate::StoreError> {
                self.$field.open_tickets(guild).await
            }
            async fn ticket_stats(
                &self,
                guild: $crate::GuildId,
                since: ::std::option::Option<$crate::conformance::__time::OffsetDateTime>,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::stats::TicketStat>, $crate::StoreError> {
                self.$field.ticket_stats(guild, since).await
            }
            async fn open_ticket_channels(
                &self,
                guild: $crate::GuildId,
            ) -> ::std::result::Result<::std::vec::Vec<($crate::TicketId, $crate::ChannelId)>, $crate::StoreError> {
                self.$field.open_ticket_channels(guild).await
            }
            async fn open_game_players(
                &self,
                guild: $crate::GuildId,
                server: &$crate::GameServerId,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::ports::OpenGamePlayer>, $crate::StoreError> {
                self.$field.open_game_players(guild, server).await
            }
            async fn tickets_due(
                &self,
                until: $crate::conformance::__time::OffsetDateTime,
                limit: usize,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Ticket>, $crate::StoreError> {
                self.$field.tickets_due(until, limit).await
            }
            async fn next_ticket_due(
                &self,
            ) -> ::std::result::Result<
                ::std::option::Option<$crate::conformance::__time::OffsetDateTime>,
                $crate::StoreError,
            > {
                self.$field.next_ticket_due().await
            }
            async fn open_channel_names(
                &self,
                guild: $crate::GuildId,
                base: &str,
            ) -> ::std::result::Result<::std::vec::Vec<::std::string::String>, $crate::StoreError> {
                self.$field.open_channel_names(guild, base).await
            }
            async fn application(
                &self,
                id: $crate::ApplicationId,
            ) -> ::std::result::Result<::std::option::Option<$crate::Application>, $crate::StoreError> {
                self.$field.application(id).await
            }
            async fn applications_of(
                &self,
                guild: $crate::GuildId,
                applicant: $crate::Pid,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Application>, $crate::StoreError> {
                self.$field.applications_of(guild, applicant).await
            }
            async fn transcript(
                &self,
                ticket: $crate::TicketId,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::ports::TranscriptEntry>, $crate::StoreError> {
                self.$field.transcript(ticket).await
            }
            async fn purge_transcripts(
                &self,
                guild: $crate::GuildId,
                closed_before: $crate::conformance::__time::OffsetDateTime,
            ) -> ::std::result::Result<u64, $crate::StoreError> {
                self.$field.purge_transcripts(guild, closed_before).await
            }
            async fn pending_effects(
                &self,
                chain: ::std::option::Option<$crate::ChainKey>,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::PendingEffect>, $crate::StoreError> {
                self.$field.pending_effects(chain).await
            }
            async fn next_ticket_id(&self) -> ::std::result::Result<$crate::TicketId, $crate::StoreError> {
                self.$field.next_ticket_id().await
            }
            async fn next_application_id(&self) -> ::std::result::Result<$crate::ApplicationId, $crate::StoreError> {
                self.$field.next_application_id().await
            }
            async fn commit(
                &self,
                commit: $crate::Commit,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::EffectId>, $crate::StoreError> {
                self.$field.commit(commit).await
            }
            async fn has_receipt(
                &self,
                receipt: &$crate::GameReceipt,
            ) -> ::std::result::Result<bool, $crate::StoreError> {
                self.$field.has_receipt(receipt).await
            }
            async fn gateway_seen(
                &self,
            ) -> ::std::result::Result<
                ::std::option::Option<$crate::conformance::__time::OffsetDateTime>,
                $crate::StoreError,
            > {
                self.$field.gateway_seen().await
            }
            async fn set_gateway_seen(
                &self,
                at: $crate::conformance::__time::OffsetDateTime,
            ) -> ::std::result::Result<(), $crate::StoreError> {
                self.$field.set_gateway_seen(at).await
            }
        }

        #[$crate::conformance::__async_trait]
        impl $crate::ports::StoreExport for $wrapper {
            async fn guilds_with_settings(
                &self,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::GuildId>, $crate::StoreError> {
                self.$field.guilds_with_settings().await
            }
            async fn tickets_after(
                &self,
                after: ::std::option::Option<$crate::TicketId>,
                limit: usize,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Ticket>, $crate::StoreError> {
                self.$field.tickets_after(after, limit).await
            }
            async fn applications_after(
                &self,
                after: ::std::option::Option<$crate::ApplicationId>,
                limit: usize,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::Application>, $crate::StoreError> {
                self.$field.applications_after(after, limit).await
            }
            async fn effects_after(
                &self,
                after: ::std::option::Option<$crate::EffectId>,
                limit: usize,
            ) -> ::std::result::Result<::std::vec::Vec<$crate::ports::ExportedEffect>, $crate::StoreError> {
                self.$field.effects_after(after, limit).await
            }
        }
    };
}
