//! Typed configuration from the environment (and `.env`). Secrets are never printed.

use std::fmt;
use std::net::SocketAddr;

use anyhow::{bail, Context};
use lettre::message::Mailbox;

/// Everything the server needs to know about its surroundings.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub staff_url: PublicUrl,
    pub portal_url: PublicUrl,
    /// `None` selects the development mailbox.
    pub smtp_url: Option<String>,
    pub mail_from: Mailbox,
    pub invite_ttl_days: i64,
    pub bind_addr: SocketAddr,
    pub log_format: LogFormat,
    /// First retry delay of the mail sender; doubles on every failure.
    pub mail_retry_base: std::time::Duration,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"[redacted]")
            .field("staff_url", &self.staff_url.origin())
            .field("portal_url", &self.portal_url.origin())
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[redacted]"))
            .field("mail_from", &self.mail_from.to_string())
            .field("invite_ttl_days", &self.invite_ttl_days)
            .field("bind_addr", &self.bind_addr)
            .field("log_format", &self.log_format)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/portico";

impl Config {
    /// Reads the process environment; `.env` has already been loaded by `main`.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let smtp_url = var("SMTP_URL");
        let ttl = match var("INVITE_TTL_DAYS") {
            Some(v) => v.trim().parse::<i64>().context("INVITE_TTL_DAYS must be a whole number")?,
            None => 7,
        };
        if !(1..=90).contains(&ttl) {
            bail!("INVITE_TTL_DAYS must be between 1 and 90");
        }
        let log_format = match var("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("pretty") | Some("text") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("LOG_FORMAT must be pretty or json, not {other:?}"),
        };
        let mail_from = var("MAIL_FROM")
            .unwrap_or_else(|| "Portico <no-reply@portico.localhost>".into())
            .parse::<Mailbox>()
            .context("MAIL_FROM must be an address such as 'Portico <no-reply@example.com>'")?;
        Ok(Self {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            staff_url: PublicUrl::parse(
                &var("PUBLIC_STAFF_URL").unwrap_or_else(|| "http://app.localhost:8080".into()),
            )
            .context("PUBLIC_STAFF_URL")?,
            portal_url: PublicUrl::parse(
                &var("PUBLIC_PORTAL_URL").unwrap_or_else(|| "http://client.localhost:8080".into()),
            )
            .context("PUBLIC_PORTAL_URL")?,
            smtp_url,
            mail_from,
            invite_ttl_days: ttl,
            bind_addr: var("BIND_ADDR")
                .unwrap_or_else(|| "127.0.0.1:8080".into())
                .parse()
                .context("BIND_ADDR must be an address such as 0.0.0.0:8080")?,
            log_format,
            mail_retry_base: std::time::Duration::from_secs(5),
        })
    }
}

/// A public origin such as `https://app.example.com`: scheme, host and optional port, no path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl {
    https: bool,
    /// `host[:port]` as a browser sends it in `Host`, lower-cased, default port left out.
    authority: String,
}

impl PublicUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let raw = raw.trim().trim_end_matches('/');
        let (https, rest) = if let Some(rest) = raw.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = raw.strip_prefix("http://") {
            (false, rest)
        } else {
            bail!("{raw:?} must start with http:// or https://");
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            bail!("{raw:?} must be an origin such as https://app.example.com, with no path");
        }
        Ok(Self { https, authority: normalise_authority(rest, https) })
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    pub fn origin(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.authority)
    }

    /// Whether a request's `Host` header names this origin.
    pub fn matches_host(&self, host: &str) -> bool {
        normalise_authority(host, self.https) == self.authority
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.origin(), path)
    }
}

fn normalise_authority(authority: &str, https: bool) -> String {
    let lower = authority.trim().to_ascii_lowercase();
    let default_port = if https { ":443" } else { ":80" };
    lower.strip_suffix(default_port).unwrap_or(&lower).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_matches_host_with_and_without_default_port() {
        let url = PublicUrl::parse("https://App.Example.com/").unwrap();
        assert!(url.matches_host("app.example.com"));
        assert!(url.matches_host("app.example.com:443"));
        assert!(!url.matches_host("client.example.com"));
        assert_eq!(url.join("/invite/x"), "https://app.example.com/invite/x");
        let local = PublicUrl::parse("http://app.localhost:8080").unwrap();
        assert!(local.matches_host("app.localhost:8080"));
        assert!(!local.matches_host("app.localhost:8081"));
    }

    #[test]
    fn public_url_rejects_paths_and_other_schemes() {
        assert!(PublicUrl::parse("ftp://x").is_err());
        assert!(PublicUrl::parse("https://x.com/path").is_err());
    }
}
