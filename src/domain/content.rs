//! Portal content as parsed values: job status, coordinates, photos, assessment answers.

use serde::{Deserialize, Serialize};

use super::Invalid;
use crate::images;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "job_status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    Scheduled,
    InProgress,
    Completed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 3] = [JobStatus::Scheduled, JobStatus::InProgress, JobStatus::Completed];

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "SCHEDULED" => Ok(Self::Scheduled),
            "IN_PROGRESS" => Ok(Self::InProgress),
            "COMPLETED" => Ok(Self::Completed),
            _ => Err(Invalid("Choose a status")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Scheduled => "SCHEDULED",
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Scheduled => "Scheduled",
            Self::InProgress => "In progress",
            Self::Completed => "Completed",
        }
    }
}

/// A point on Earth, from form input in decimal degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    pub fn parse(lat: &str, lon: &str) -> Result<Self, Invalid> {
        let latitude: f64 =
            lat.trim().parse().map_err(|_| Invalid("Latitude must be a number of degrees, like 51.5074"))?;
        let longitude: f64 =
            lon.trim().parse().map_err(|_| Invalid("Longitude must be a number of degrees, like -0.1278"))?;
        if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
            return Err(Invalid("Latitude must be between -90 and 90"));
        }
        if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
            return Err(Invalid("Longitude must be between -180 and 180"));
        }
        Ok(Self { latitude, longitude })
    }
}

/// An uploaded photo whose type was read from its bytes, not from what the browser claimed, and
/// which decoded as that type; its thumbnail is made once, here.
pub struct Photo {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// A JPEG of at most [`crate::images::THUMBNAIL_SIDE`] pixels a side.
    pub thumbnail: Vec<u8>,
}

impl Photo {
    pub const MAX_BYTES: usize = 5 * 1024 * 1024;

    /// Decodes the picture: run it off the async threads (`spawn_blocking`).
    pub fn parse(bytes: Vec<u8>) -> Result<Self, Invalid> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(Invalid("The photo must be at most 5 MB"));
        }
        let content_type = images::sniff(&bytes).ok_or(Invalid("The photo must be a PNG or JPEG image"))?;
        let thumbnail = images::thumbnail(&bytes, content_type)
            .map_err(|_| Invalid("The photo could not be read as a PNG or JPEG image"))?;
        Ok(Self { bytes, content_type, thumbnail })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "assessment_answer", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Answer {
    Yes,
    Partial,
    No,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Yes, Answer::Partial, Answer::No];

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw.trim() {
            "YES" => Ok(Self::Yes),
            "PARTIAL" => Ok(Self::Partial),
            "NO" => Ok(Self::No),
            _ => Err(Invalid("Answer yes, partly or no")),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Yes => "YES",
            Self::Partial => "PARTIAL",
            Self::No => "NO",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Yes => "Yes",
            Self::Partial => "Partly",
            Self::No => "No",
        }
    }

    fn points(self) -> u32 {
        match self {
            Self::Yes => 100,
            Self::Partial => 50,
            Self::No => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_bounded() {
        assert!(Coordinates::parse("51.5", "-0.12").is_ok());
        assert!(Coordinates::parse("91", "0").is_err());
        assert!(Coordinates::parse("0", "-181").is_err());
        assert!(Coordinates::parse("NaN", "0").is_err());
        assert!(Coordinates::parse("north", "0").is_err());
    }

    #[test]
    fn photos_are_typed_by_their_bytes() {
        let jpeg = crate::images::demo_photo(0);
        assert_eq!(Photo::parse(jpeg).unwrap().content_type, "image/jpeg");
        assert!(Photo::parse(b"\x89PNG\r\n\x1a\nrest".to_vec()).is_err(), "it must also decode");
        assert!(Photo::parse(b"<svg></svg>".to_vec()).is_err());
        assert!(Photo::parse(vec![0xFF; Photo::MAX_BYTES + 1]).is_err());
    }
}

pub use assessment::*;

mod assessment {
    use std::sync::LazyLock;

    use super::Answer;

    /// One question of the questionnaire.
    #[derive(serde::Deserialize)]
    pub struct Question {
        pub key: &'static str,
        pub text: &'static str,
    }

    #[derive(serde::Deserialize)]
    pub struct Category {
        pub key: &'static str,
        pub name: &'static str,
        pub questions: Vec<Question>,
    }

    /// The questionnaire, kept as data in `assessment.json` (read once, borrowed from the binary).
    /// Keys are stored with answers, so they never change.
    pub static CATEGORIES: LazyLock<Vec<Category>> = LazyLock::new(|| {
        serde_json::from_str(include_str!("assessment.json"))
            .expect("assessment.json is a valid questionnaire")
    });

    pub fn question(key: &str) -> Option<&'static Question> {
        CATEGORIES.iter().flat_map(|c| c.questions.iter()).find(|q| q.key == key)
    }

    /// A category's score (0 to 100) once every question is answered; `None` shows as N/A.
    pub fn category_score(category: &Category, answer_of: impl Fn(&str) -> Option<Answer>) -> Option<u32> {
        let answers: Option<Vec<Answer>> = category.questions.iter().map(|q| answer_of(q.key)).collect();
        let answers = answers?;
        let total: u32 = answers.iter().map(|a| a.points()).sum();
        Some((total as f64 / answers.len() as f64).round() as u32)
    }

    /// The overall score: the mean of the scored categories; `None` until one is scored.
    pub fn overall_score(scores: &[Option<u32>]) -> Option<u32> {
        let scored: Vec<u32> = scores.iter().flatten().copied().collect();
        if scored.is_empty() {
            return None;
        }
        Some((scored.iter().sum::<u32>() as f64 / scored.len() as f64).round() as u32)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_category_is_na_until_every_question_is_answered() {
            let mfa = &CATEGORIES[0];
            assert_eq!(category_score(mfa, |k| (k == "mfa.email").then_some(Answer::Yes)), None);
            let all = |k: &str| {
                Some(if k == "mfa.admin" {
                    Answer::No
                } else if k == "mfa.remote" {
                    Answer::Partial
                } else {
                    Answer::Yes
                })
            };
            assert_eq!(category_score(mfa, all), Some(50));
            assert_eq!(overall_score(&[None, Some(50), Some(100)]), Some(75));
            assert_eq!(overall_score(&[None, None]), None);
            assert_eq!(CATEGORIES.len(), 8);
            assert!(question("backups.tested").is_some());
        }
    }
}
