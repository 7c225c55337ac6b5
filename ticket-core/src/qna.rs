//! The Quick Q&A: configured questions, the spec's default set, answer checking and modal pages.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::relay::clean_text;

/// The kind of answer a question expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// A few words, one line.
    Keywords,
    /// A local time range such as `18:00-22:00`.
    TimeRange,
    /// Yes or no.
    YesNo,
    /// Free text over several lines.
    Paragraph,
}

impl AnswerKind {
    /// The longest answer accepted, in characters.
    pub fn max_len(self) -> usize {
        match self {
            Self::Keywords => 200,
            Self::TimeRange => 40,
            Self::YesNo => 10,
            Self::Paragraph => 1000,
        }
    }

    /// The name used in commands and lists.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keywords => "keywords",
            Self::TimeRange => "time_range",
            Self::YesNo => "yes_no",
            Self::Paragraph => "paragraph",
        }
    }

    /// The hint shown in the input.
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::Keywords => "A few keywords",
            Self::TimeRange => "Your local time, e.g. 18:00-22:00",
            Self::YesNo => "Yes or No",
            Self::Paragraph => "Anything you would like to add",
        }
    }
}

impl fmt::Display for AnswerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Keywords => "Keywords",
            Self::TimeRange => "Time range",
            Self::YesNo => "Yes/No",
            Self::Paragraph => "Paragraph",
        })
    }
}

/// One configured question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QnaQuestion {
    /// The question as shown (a modal label: at most [`QnaQuestion::MAX_LABEL`] characters).
    pub label: String,
    /// The answer expected.
    pub kind: AnswerKind,
    /// Whether an answer is required.
    pub required: bool,
}

/// Why a question or an answer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QnaError {
    /// The question label is empty or too long.
    #[error("a question must be 1 to {max} characters")]
    BadLabel {
        /// Longest label accepted.
        max: usize,
    },
    /// No more questions fit.
    #[error("at most {max} questions can be configured")]
    TooManyQuestions {
        /// Most questions accepted.
        max: usize,
    },
    /// A question number is outside the list.
    #[error("there is no question {position}; the list has {len}")]
    NoSuchQuestion {
        /// The 1-based position asked for.
        position: usize,
        /// Questions in the list.
        len: usize,
    },
    /// A required answer is empty.
    #[error("\"{question}\" needs an answer")]
    Missing {
        /// The question.
        question: String,
    },
    /// An answer is too long.
    #[error("the answer to \"{question}\" is longer than {max} characters")]
    TooLong {
        /// The question.
        question: String,
        /// Longest answer accepted.
        max: usize,
    },
    /// A yes/no answer is neither.
    #[error("please answer \"{question}\" with Yes or No")]
    NotYesNo {
        /// The question.
        question: String,
    },
    /// A time range does not parse.
    #[error("please give \"{question}\" as a time range such as 18:00-22:00")]
    NotTimeRange {
        /// The question.
        question: String,
    },
    /// The page does not exist or the answers do not match its questions.
    #[error("Q&A page {page} does not match the configured questions; please press Answer Q&A again")]
    StalePage {
        /// The 1-based page.
        page: usize,
    },
}

impl QnaQuestion {
    /// Discord's limit on a modal input label.
    pub const MAX_LABEL: usize = 45;
    /// Discord's limit on inputs per modal: more questions make more pages.
    pub const PER_PAGE: usize = 5;
    /// The most questions a guild can configure.
    pub const MAX_QUESTIONS: usize = 20;

    /// Makes a question, checking its label.
    pub fn new(label: &str, kind: AnswerKind, required: bool) -> Result<Self, QnaError> {
        let label = clean_text(label).split_whitespace().collect::<Vec<_>>().join(" ");
        if label.is_empty() || label.chars().count() > Self::MAX_LABEL {
            return Err(QnaError::BadLabel { max: Self::MAX_LABEL });
        }
        Ok(Self { label, kind, required })
    }

    /// The spec's recommended set: Strengths, Availability, Voice comms / mic ready, Anything else we should know.
    pub fn defaults() -> Vec<Self> {
        vec![
            Self { label: "Strengths".into(), kind: AnswerKind::Keywords, required: true },
            Self { label: "Availability".into(), kind: AnswerKind::TimeRange, required: true },
            Self { label: "Voice comms / mic ready".into(), kind: AnswerKind::YesNo, required: true },
            Self { label: "Anything else we should know".into(), kind: AnswerKind::Paragraph, required: false },
        ]
    }

    /// The spec's fallback: a guild without questions is asked the default set. Returns whether it fell back.
    pub fn fall_back_if_empty(questions: &mut Vec<Self>) -> bool {
        let empty = questions.is_empty();
        if empty {
            *questions = Self::defaults();
        }
        empty
    }

    /// How many modal pages `questions` need.
    pub fn pages(questions: &[Self]) -> usize {
        questions.len().div_ceil(Self::PER_PAGE)
    }

    /// The most pages a Q&A can have: [`Self::MAX_QUESTIONS`] in pages of [`Self::PER_PAGE`].
    pub const MAX_PAGES: usize = Self::MAX_QUESTIONS.div_ceil(Self::PER_PAGE);

    /// The index of the first question of a 1-based page (`None` for page 0 or a page past any Q&A).
    pub fn first_of_page(page: usize) -> Option<usize> {
        (1..=Self::MAX_PAGES).contains(&page).then(|| (page - 1) * Self::PER_PAGE)
    }

    /// The questions of a 1-based page (none for a page that does not exist, however large its number).
    pub fn page(questions: &[Self], page: usize) -> &[Self] {
        let Some(start) = Self::first_of_page(page) else { return &[] };
        let end = (start + Self::PER_PAGE).min(questions.len());
        questions.get(start..end).unwrap_or(&[])
    }

    /// Checks and normalises an answer to this question. Returns `None` for an empty optional answer.
    pub fn check_answer(&self, raw: &str) -> Result<Option<String>, QnaError> {
        let text = clean_text(raw).trim().to_owned();
        if text.is_empty() {
            return if self.required { Err(QnaError::Missing { question: self.label.clone() }) } else { Ok(None) };
        }
        if text.chars().count() > self.kind.max_len() {
            return Err(QnaError::TooLong { question: self.label.clone(), max: self.kind.max_len() });
        }
        match self.kind {
            AnswerKind::Keywords => Ok(Some(text.split_whitespace().collect::<Vec<_>>().join(" "))),
            AnswerKind::Paragraph => Ok(Some(text)),
            AnswerKind::YesNo => match text.to_ascii_lowercase().as_str() {
                "yes" | "y" | "true" | "ja" | "oui" | "si" | "sí" => Ok(Some("Yes".into())),
                "no" | "n" | "false" | "nein" | "non" => Ok(Some("No".into())),
                _ => Err(QnaError::NotYesNo { question: self.label.clone() }),
            },
            AnswerKind::TimeRange => TimeRange::parse(&text)
                .map(|r| Some(r.to_string()))
                .ok_or_else(|| QnaError::NotTimeRange { question: self.label.clone() }),
        }
    }
}

/// One answered question, as kept on the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QnaAnswer {
    /// The question as it was asked.
    pub question: String,
    /// Its kind.
    pub kind: AnswerKind,
    /// The normalised answer (`None` if an optional question was left empty).
    pub answer: Option<String>,
    /// For a time range: the same range in UK time, where the applicant's time zone allowed converting it.
    pub uk_time: Option<String>,
}

/// A time of day, minutes precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimeOfDay {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A daily time range; `end` before `start` means it runs past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start.
    pub start: TimeOfDay,
    /// End.
    pub end: TimeOfDay,
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl TimeRange {
    /// Parses `18:00-22:00`, `18-22`, `6pm - 10pm`, `6:30pm to 11pm`, `18.00–22.00` and the like.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.to_lowercase().replace(['–', '—'], "-");
        let (a, b) = lower.split_once(" to ").or_else(|| lower.split_once('-'))?;
        Some(Self { start: parse_time(a)?, end: parse_time(b)? })
    }
}

fn parse_time(text: &str) -> Option<TimeOfDay> {
    let t = text.trim().replace(' ', "");
    let (t, meridiem) = if let Some(rest) = t.strip_suffix("am") {
        (rest.to_owned(), Some(false))
    } else if let Some(rest) = t.strip_suffix("pm") {
        (rest.to_owned(), Some(true))
    } else {
        (t, None)
    };
    let (h, m) = match t.split_once([':', '.', 'h']) {
        Some((h, "")) => (h, "0"),
        Some((h, m)) => (h, m),
        None => (t.as_str(), "0"),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut hour: u8 = h.parse().ok()?;
    let minute: u8 = m.parse().ok()?;
    if minute > 59 {
        return None;
    }
    match meridiem {
        Some(pm) => {
            if hour == 0 || hour > 12 {
                return None;
            }
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        }
        None if hour == 24 && minute == 0 => hour = 0,
        None if hour > 23 => return None,
        None => {}
    }
    Some(TimeOfDay { hour, minute })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: AnswerKind, required: bool) -> QnaQuestion {
        QnaQuestion::new("Q", kind, required).unwrap()
    }

    #[test]
    fn time_ranges_parse_in_common_forms() {
        let r = |s: &str| TimeRange::parse(s).map(|r| r.to_string());
        assert_eq!(r("18:00-22:00").as_deref(), Some("18:00-22:00"));
        assert_eq!(r("18-22").as_deref(), Some("18:00-22:00"));
        assert_eq!(r("6pm - 10pm").as_deref(), Some("18:00-22:00"));
        assert_eq!(r("6:30pm to 11pm").as_deref(), Some("18:30-23:00"));
        assert_eq!(r("12am-12pm").as_deref(), Some("00:00-12:00"));
        assert_eq!(r("22.00–02.00").as_deref(), Some("22:00-02:00"));
        assert_eq!(r("20h-24h").as_deref(), Some("20:00-00:00"));
        assert_eq!(r("evenings"), None);
        assert_eq!(r("25:00-26:00"), None);
        assert_eq!(r("13pm-2pm"), None);
        assert_eq!(r("18:60-19:00"), None);
    }

    #[test]
    fn answers_are_checked_by_kind() {
        assert_eq!(q(AnswerKind::YesNo, true).check_answer(" y "), Ok(Some("Yes".into())));
        assert!(matches!(q(AnswerKind::YesNo, true).check_answer("maybe"), Err(QnaError::NotYesNo { .. })));
        assert_eq!(q(AnswerKind::Paragraph, false).check_answer("   "), Ok(None));
        assert!(matches!(q(AnswerKind::Keywords, true).check_answer(""), Err(QnaError::Missing { .. })));
        assert!(matches!(
            q(AnswerKind::Keywords, true).check_answer(&"x".repeat(201)),
            Err(QnaError::TooLong { max: 200, .. })
        ));
        assert_eq!(q(AnswerKind::Keywords, true).check_answer("pvp\n  crafting"), Ok(Some("pvp crafting".into())));
    }

    #[test]
    fn pages_hold_five_questions() {
        let many: Vec<_> =
            (0..12).map(|i| QnaQuestion::new(&format!("Q{i}"), AnswerKind::Keywords, true).unwrap()).collect();
        assert_eq!(QnaQuestion::pages(&many), 3);
        assert_eq!(QnaQuestion::page(&many, 3).len(), 2);
        assert!(QnaQuestion::page(&many, 4).is_empty());
        assert!(QnaQuestion::page(&many, 0).is_empty());
        assert!(QnaQuestion::page(&many, usize::MAX).is_empty(), "a forged page number is no page, not an overflow");
        assert_eq!(QnaQuestion::MAX_PAGES, 4);
        assert_eq!(QnaQuestion::pages(&QnaQuestion::defaults()), 1);
    }

    #[test]
    fn labels_are_checked() {
        assert!(QnaQuestion::new("", AnswerKind::Keywords, true).is_err());
        assert!(QnaQuestion::new(&"x".repeat(46), AnswerKind::Keywords, true).is_err());
        assert_eq!(QnaQuestion::new("  Main   ship ", AnswerKind::Keywords, true).unwrap().label, "Main ship");
    }
}
