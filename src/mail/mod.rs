//! Email: the messages (askama templates with subject, text and html), the delivery backends,
//! and the background sender that drains the outbox.

pub mod messages;
pub mod sender;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;

use crate::config::Config;
use crate::db;
use crate::db::outbox::ClaimedEmail;

/// Portico's own accent, where a provider chose none.
const DEFAULT_ACCENT: &str = "#1f4fd1";

/// The provider's brand as an email wears it: its name (or logo, linked from the portal) at the
/// top, its accent on the button and the rule under the name.
#[derive(Clone, Debug)]
pub struct MailBrand {
    pub name: String,
    pub accent: String,
    pub logo_url: Option<String>,
}

impl MailBrand {
    pub fn of(brand: &db::providers::Brand, config: &Config) -> Self {
        Self {
            name: brand.name.clone(),
            accent: brand.accent_colour.clone().unwrap_or_else(|| DEFAULT_ACCENT.into()),
            logo_url: brand.logo_path().map(|path| config.portal_url.join(&path)),
        }
    }

    /// The brand of `provider`, read where the email is being written.
    pub async fn load(
        db: impl sqlx::PgExecutor<'_>,
        provider: crate::domain::ProviderId,
        config: &Config,
    ) -> sqlx::Result<Self> {
        Ok(match db::providers::brand(db, provider).await? {
            Some(brand) => Self::of(&brand, config),
            None => Self { name: "Portico".into(), accent: DEFAULT_ACCENT.into(), logo_url: None },
        })
    }
}

/// Where messages go.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// `DEV_MAILBOX=1`: messages land in the development mailbox at `/dev/mail`.
    DevMailbox {
        db: PgPool,
    },
}

impl Mailer {
    pub fn from_config(config: &Config, db: PgPool) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                Ok(Self::Smtp { transport, from: config.mail_from.clone() })
            }
            None if config.dev_mailbox => Ok(Self::DevMailbox { db }),
            None => {
                config.check_mail_destination()?;
                unreachable!("check_mail_destination refuses a configuration without mail")
            }
        }
    }

    pub fn is_dev_mailbox(&self) -> bool {
        matches!(self, Self::DevMailbox { .. })
    }

    /// Delivers one message; the error's text is what staff will see on the row.
    pub async fn deliver(&self, email: &ClaimedEmail) -> Result<(), Undelivered> {
        match self {
            Self::Smtp { transport, from } => {
                let to: Mailbox = email
                    .to_address
                    .parse()
                    .map_err(|e| Undelivered::permanent(format!("invalid recipient address: {e}")))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(email.subject.clone())
                    .multipart(MultiPart::alternative_plain_html(
                        email.text_body.clone(),
                        email.html_body.clone(),
                    ))
                    .map_err(|e| Undelivered::permanent(format!("could not build the message: {e}")))?;
                transport.send(message).await.map(|_| ()).map_err(|e| Undelivered {
                    permanent: e.is_permanent(),
                    answer: format!("mail server: {e}"),
                })
            }
            Self::DevMailbox { db } => {
                db::dev_mail::store(db, &email.to_address, &email.subject, &email.text_body, &email.html_body)
                    .await
                    .map_err(|e| Undelivered {
                        permanent: false,
                        answer: format!("development mailbox: {e}"),
                    })
            }
        }
    }
}

/// Why a message did not go out: the answer staff see, and whether trying again can help (a
/// permanent refusal, such as "550 no such mailbox", is not retried).
#[derive(Debug)]
pub struct Undelivered {
    pub answer: String,
    pub permanent: bool,
}

impl Undelivered {
    fn permanent(answer: String) -> Self {
        Self { answer, permanent: true }
    }
}

impl std::fmt::Display for Undelivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.answer)
    }
}
