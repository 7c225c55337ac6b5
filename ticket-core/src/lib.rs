#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod columns;
pub mod custom_id;
pub mod desk;
pub mod effect;
pub mod feedback;
pub mod id;
pub mod lanes;
pub mod limits;
pub mod memory_store;
pub mod message;
pub mod permissions;
pub mod pid;
pub mod ports;
pub mod qna;
pub mod receipt;
pub mod recruitment;
pub mod relay;
pub mod render;
pub mod settings;
pub mod snippet;
pub mod stats;
pub mod store_copy;
pub mod strings;
pub mod ticket;
pub mod topic;
pub mod transcript;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use custom_id::CustomId;
pub use desk::{
    Action, AdminCommand, Desk, DeskError, GamePlayer, InGameOutcome, MessageOutcome, NoGameLink, NoProfiles, Opened,
    OrgRolesUpdate, Ports, Problem, QnaProgress, ResumeReport, Step1Input, TargetsUpdate,
};
pub use effect::{ChainKey, Destination, Effect, LogEntry, Notice, PendingEffect};
pub use id::{
    AccountId, ApplicationId, ChannelId, CharId, EffectId, GameServerId, GuildId, MessageId, RoleId, TicketId, UserId,
};
pub use memory_store::InMemoryStore;
pub use message::Message;
pub use permissions::{Actor, Capability, Permissions, Requirement};
pub use pid::{Pid, PidKey, SealedUser};
pub use ports::{
    ChatPlatform, Clock, Commit, GameLink, ProfileDirectory, StoreError, StoreExport, SystemClock, TicketStore,
    TimeZones,
};
pub use receipt::GameReceipt;
pub use recruitment::{Application, RecruitmentInput, RecruitmentStatus, RequestedRole};
pub use settings::{GuildSettings, TicketType};
pub use ticket::{Ticket, TicketSource};
