//! Identifiers of the product's records. Emails, tasks and the rest get client-generated UUIDs (v7, made by
//! the app or the endpoint: this crate never makes randomness or reads a clock); users are numbered by the
//! endpoint.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An instant in time. Every instant in the domain is UTC; time zones are kept beside it where they matter.
pub type Instant = chrono::DateTime<chrono::Utc>;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn from_u128(v: u128) -> Self {
                Self(Uuid::from_u128(v))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// One email to one recipient.
    EmailId
);
uuid_id!(
    /// The emails of one bulk or group send.
    BatchId
);
uuid_id!(
    /// A person the rep emails.
    PersonId
);
uuid_id!(
    /// A campaign emails can belong to.
    CampaignId
);
uuid_id!(
    /// A template with merge fields.
    TemplateId
);
uuid_id!(
    /// A task on the board.
    TaskId
);
uuid_id!(
    /// A saved search.
    SavedSearchId
);
uuid_id!(
    /// One raw engagement event.
    EventId
);
uuid_id!(
    /// The key that makes a mutation happen at most once.
    IdempotencyKey
);

/// A user of the endpoint (a rep). Numbered by the endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct UserId(pub i64);
