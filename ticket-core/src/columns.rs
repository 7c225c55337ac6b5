//! How a store adapter writes domain values to its columns and reads them back, whatever the database: values
//! kept as their text form (`Pid`, `SealedUser`, `GameServerId`…), unit enums kept as their serde names (`in_game`,
//! `qna_received`…, the names the domain uses on the wire), and columns a row of its kind must fill. The SQLite and
//! Postgres stores wrap these in their own error types.

use std::fmt::Display;
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value that could not be written to a column, or a column that could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    /// The value cannot be stored.
    #[error("cannot store {what}: {detail}")]
    Encode {
        /// Which column or value.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// The stored value cannot be read.
    #[error("stored {what} cannot be read: {detail}")]
    Decode {
        /// Which column or value.
        what: &'static str,
        /// Why.
        detail: String,
    },
}

/// A value stored as its text form, parsed back.
pub fn parse<T>(text: &str, what: &'static str) -> Result<T, ColumnError>
where
    T: FromStr,
    T::Err: Display,
{
    text.parse().map_err(|e| ColumnError::Decode { what, detail: format!("{text:?}: {e}") })
}

/// An optional value stored as text.
pub fn parse_opt<T>(text: Option<String>, what: &'static str) -> Result<Option<T>, ColumnError>
where
    T: FromStr,
    T::Err: Display,
{
    text.map(|t| parse(&t, what)).transpose()
}

/// A column that must hold a value for this kind of row.
pub fn required<T>(value: Option<T>, what: &'static str) -> Result<T, ColumnError> {
    value.ok_or_else(|| ColumnError::Decode { what, detail: "missing".into() })
}

/// A unit enum (`TicketType`, `RecruitmentStatus`…) as its serde name (`in_game`, `qna_received`…).
pub fn name<T: Serialize>(value: &T, what: &'static str) -> Result<String, ColumnError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        Ok(other) => Err(ColumnError::Encode { what, detail: format!("{other} is not a plain name") }),
        Err(e) => Err(ColumnError::Encode { what, detail: e.to_string() }),
    }
}

/// A unit enum stored by [`name`].
pub fn from_name<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T, ColumnError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| ColumnError::Decode { what, detail: format!("unknown value {text:?}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RecruitmentStatus;
    use crate::settings::TicketType;

    #[test]
    fn enums_round_trip_through_their_serde_names() {
        assert_eq!(name(&TicketType::InGame, "kind"), Ok("in_game".to_owned()));
        assert_eq!(from_name::<RecruitmentStatus>("qna_received", "status"), Ok(RecruitmentStatus::QnaReceived));
        assert!(matches!(from_name::<TicketType>("bogus", "kind"), Err(ColumnError::Decode { what: "kind", .. })));
        assert!(matches!(name(&42, "kind"), Err(ColumnError::Encode { what: "kind", .. })));
    }

    #[test]
    fn text_values_parse_back_or_say_which_column() {
        assert_eq!(parse::<u32>("12", "n"), Ok(12));
        assert_eq!(parse_opt::<u32>(None, "n"), Ok(None));
        assert!(matches!(parse::<u32>("x", "n"), Err(ColumnError::Decode { what: "n", .. })));
        assert!(matches!(required::<u32>(None, "n"), Err(ColumnError::Decode { what: "n", .. })));
    }
}
