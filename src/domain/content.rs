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
    use super::Answer;

    pub struct Question {
        pub key: &'static str,
        pub text: &'static str,
    }

    pub struct Category {
        pub key: &'static str,
        pub name: &'static str,
        pub questions: &'static [Question],
    }

    macro_rules! q {
        ($key:literal, $text:literal) => {
            Question { key: $key, text: $text }
        };
    }

    /// The questionnaire. Keys are stored with answers, so they never change.
    pub const CATEGORIES: &[Category] = &[
        Category {
            key: "mfa",
            name: "Multi-Factor Authentication",
            questions: &[
                q!("mfa.email", "Is multi-factor authentication required for email?"),
                q!("mfa.remote", "Is it required for remote access (VPN, remote desktop)?"),
                q!("mfa.admin", "Is it required for every administrator account?"),
            ],
        },
        Category {
            key: "pam",
            name: "Privileged Access Management",
            questions: &[
                q!("pam.separate", "Do administrators use separate accounts for administrative work?"),
                q!("pam.review", "Are privileged accounts reviewed at least every quarter?"),
                q!("pam.vault", "Are shared admin passwords kept in a password vault?"),
            ],
        },
        Category {
            key: "edr",
            name: "Endpoint Detection & Response",
            questions: &[
                q!("edr.deployed", "Is an EDR tool installed on every workstation and server?"),
                q!("edr.monitored", "Are its alerts watched around the clock?"),
                q!("edr.isolate", "Can an infected device be isolated remotely?"),
            ],
        },
        Category {
            key: "logging",
            name: "Security Logging",
            questions: &[
                q!("logging.central", "Are security logs collected in one central place?"),
                q!("logging.retention", "Are they kept for at least 90 days?"),
                q!("logging.review", "Are they reviewed regularly?"),
            ],
        },
        Category {
            key: "third_party",
            name: "Third Party Risk",
            questions: &[
                q!(
                    "third_party.inventory",
                    "Is there a list of suppliers with access to your systems or data?"
                ),
                q!("third_party.assessed", "Are critical suppliers' security practices assessed?"),
                q!("third_party.contracts", "Do contracts include security requirements?"),
            ],
        },
        Category {
            key: "irp",
            name: "Incident Response Planning",
            questions: &[
                q!("irp.plan", "Is there a written incident response plan?"),
                q!("irp.tested", "Has it been tested in the last year?"),
                q!("irp.contacts", "Are the contacts for an incident (insurer, counsel, provider) known?"),
            ],
        },
        Category {
            key: "procedures",
            name: "Cyber Procedures",
            questions: &[
                q!("procedures.training", "Do staff get security awareness training every year?"),
                q!("procedures.onboarding", "Are accounts removed promptly when people leave?"),
                q!("procedures.patching", "Are security updates applied within 30 days?"),
            ],
        },
        Category {
            key: "backups",
            name: "Backups",
            questions: &[
                q!("backups.offsite", "Is there an offline or immutable copy of backups?"),
                q!("backups.tested", "Have restores been tested in the last six months?"),
                q!("backups.coverage", "Do backups cover every critical system?"),
            ],
        },
    ];

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
