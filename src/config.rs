//! Typed configuration from the environment (and `.env`). Secrets are never printed.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::{bail, Context};
use lettre::message::Mailbox;

/// Everything the server needs to know about its surroundings.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// Connections to Postgres this process holds at most (`DATABASE_POOL_SIZE`). On a small
    /// machine a few busy connections serve more than many contending ones.
    pub database_pool_size: u32,
    pub staff_url: PublicUrl,
    pub portal_url: PublicUrl,
    /// Where mail goes: an SMTP server, or (only when asked for) the development mailbox.
    pub smtp_url: Option<String>,
    /// `DEV_MAILBOX=1`: mail is kept in Postgres and readable by anyone at `/dev/mail`.
    pub dev_mailbox: bool,
    /// `SECRET_KEY`: signs anonymous CSRF tokens; every replica must share it. When unset, a key
    /// is generated once and kept in the database.
    pub secret_key: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client's address (rate limits, connection caps).
    pub trusted_proxies: Vec<IpNet>,
    pub limits: ConnectionLimits,
    pub mail_from: Mailbox,
    pub invite_ttl_days: i64,
    pub bind_addr: SocketAddr,
    pub log_format: LogFormat,
    /// First retry delay of the mail sender; doubles on every failure.
    pub mail_retry_base: Duration,
    /// How often a signed-in person's page views record activity ("last activity", and the
    /// session's idle timeout). Between those, a page view writes nothing.
    pub activity_every: Duration,
    /// Reminders of a pending invitation: days after it was sent (`REMIND_AFTER_DAYS`, default 2)
    /// and days before it expires (`REMIND_BEFORE_EXPIRY_DAYS`, default 1); 0 turns one off.
    pub reminders: Reminders,
    /// How often the lifecycle rules run (`LIFECYCLE_EVERY_MS`, default a minute).
    pub lifecycle_every: Duration,
    /// `TEST_CLOCK_OFFSET_SECS`: moves the lifecycle's clock, for tests only (default 0).
    pub clock_offset_secs: i64,
    /// The map tiles behind the capture maps (`MAP_TILES_URL`, `MAP_ATTRIBUTION`).
    pub map: MapTiles,
}

/// Where map tiles come from: a `{z}/{x}/{y}` URL template and the credit it requires. The CSP
/// lets pages load images from exactly this origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapTiles {
    pub url: String,
    pub attribution: String,
}

impl MapTiles {
    pub fn parse(url: &str, attribution: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
        let host = rest.and_then(|r| r.split('/').next()).unwrap_or("");
        // Only what a CSP source may hold: no spaces, control characters, quotes, separators or
        // wildcards, and a plain host.
        let unsafe_char =
            |c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | ';' | ',' | '*');
        let host_ok = !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !host_ok || !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) || url.chars().any(unsafe_char)
        {
            bail!("MAP_TILES_URL must be an http(s) URL with {{z}}, {{x}} and {{y}}, like https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png");
        }
        Ok(Self { url: url.to_string(), attribution: attribution.trim().to_string() })
    }

    /// `https://tile.openstreetmap.org`: what the CSP allows images from.
    pub fn origin(&self) -> &str {
        let after_scheme = self.url.find("//").map(|i| i + 2).unwrap_or(0);
        let end = self.url[after_scheme..].find('/').map(|i| i + after_scheme).unwrap_or(self.url.len());
        &self.url[..end]
    }
}

impl Default for MapTiles {
    fn default() -> Self {
        Self {
            url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            attribution: "© OpenStreetMap contributors".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reminders {
    pub after_days: u32,
    pub before_expiry_days: u32,
}

impl Default for Reminders {
    fn default() -> Self {
        Self { after_days: 2, before_expiry_days: 1 }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &"[redacted]")
            .field("database_pool_size", &self.database_pool_size)
            .field("staff_url", &self.staff_url.origin())
            .field("portal_url", &self.portal_url.origin())
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[redacted]"))
            .field("dev_mailbox", &self.dev_mailbox)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "[redacted]"))
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
            .field("mail_from", &self.mail_from.to_string())
            .field("invite_ttl_days", &self.invite_ttl_days)
            .field("bind_addr", &self.bind_addr)
            .field("log_format", &self.log_format)
            .field("reminders", &self.reminders)
            .field("lifecycle_every", &self.lifecycle_every)
            .field("clock_offset_secs", &self.clock_offset_secs)
            .field("map", &self.map)
            .finish()
    }
}

/// How many connections the server holds open, and how long it waits for a request's headers.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// Per client address; trusted proxies are exempt (they carry many clients).
    pub max_per_address: usize,
    /// A connection that has not sent a whole request head in this time is closed.
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { max_connections: 4096, max_per_address: 256, header_read_timeout: Duration::from_secs(10) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

pub const DEFAULT_POOL_SIZE: u32 = 8;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/portico";

impl Config {
    /// Reads the process environment; `.env` has already been loaded by `main`.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let smtp_url = var("SMTP_URL");
        let dev_mailbox = match var("DEV_MAILBOX").as_deref().map(str::trim) {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => bail!("DEV_MAILBOX must be 1 or 0, not {other:?}"),
        };
        if dev_mailbox && smtp_url.is_some() {
            bail!("DEV_MAILBOX=1 and SMTP_URL are both set: choose one (the development mailbox makes all mail readable at /dev/mail)");
        }
        let secret_key = var("SECRET_KEY");
        if secret_key.as_ref().is_some_and(|k| k.trim().len() < 32) {
            bail!("SECRET_KEY must be at least 32 characters (for example: openssl rand -base64 48)");
        }
        let trusted_proxies = match var("TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    IpNet::parse(s)
                        .with_context(|| format!("TRUSTED_PROXIES: {s:?} is not an address or CIDR"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let number =
            |name: &str, default: usize, range: std::ops::RangeInclusive<usize>| -> anyhow::Result<usize> {
                let value = match var(name) {
                    Some(v) => {
                        v.trim().parse::<usize>().with_context(|| format!("{name} must be a whole number"))?
                    }
                    None => default,
                };
                if !range.contains(&value) {
                    bail!("{name} must be between {} and {}", range.start(), range.end());
                }
                Ok(value)
            };
        let defaults = ConnectionLimits::default();
        let limits = ConnectionLimits {
            max_connections: number("MAX_CONNECTIONS", defaults.max_connections, 16..=1_000_000)?,
            max_per_address: number("MAX_CONNECTIONS_PER_ADDRESS", defaults.max_per_address, 1..=1_000_000)?,
            header_read_timeout: Duration::from_secs(number(
                "HEADER_READ_TIMEOUT_SECS",
                defaults.header_read_timeout.as_secs() as usize,
                1..=300,
            )? as u64),
        };
        let database_pool_size = number("DATABASE_POOL_SIZE", DEFAULT_POOL_SIZE as usize, 2..=1000)? as u32;
        let ttl = match var("INVITE_TTL_DAYS") {
            Some(v) => v.trim().parse::<i64>().context("INVITE_TTL_DAYS must be a whole number")?,
            None => 7,
        };
        if !(1..=90).contains(&ttl) {
            bail!("INVITE_TTL_DAYS must be between 1 and 90");
        }
        let reminders = Reminders {
            after_days: number("REMIND_AFTER_DAYS", 2, 0..=90)? as u32,
            before_expiry_days: number("REMIND_BEFORE_EXPIRY_DAYS", 1, 0..=90)? as u32,
        };
        let lifecycle_every =
            Duration::from_millis(number("LIFECYCLE_EVERY_MS", 60_000, 50..=3_600_000)? as u64);
        let clock_offset_secs = match var("TEST_CLOCK_OFFSET_SECS") {
            Some(v) => v.trim().parse::<i64>().context("TEST_CLOCK_OFFSET_SECS must be a whole number")?,
            None => 0,
        };
        let defaults = MapTiles::default();
        let map = MapTiles::parse(
            &var("MAP_TILES_URL").unwrap_or(defaults.url),
            &var("MAP_ATTRIBUTION").unwrap_or(defaults.attribution),
        )?;
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
            database_pool_size,
            smtp_url,
            dev_mailbox,
            secret_key,
            trusted_proxies,
            limits,
            mail_from,
            invite_ttl_days: ttl,
            bind_addr: var("BIND_ADDR")
                .unwrap_or_else(|| "127.0.0.1:8080".into())
                .parse()
                .context("BIND_ADDR must be an address such as 0.0.0.0:8080")?,
            log_format,
            mail_retry_base: Duration::from_secs(5),
            activity_every: Duration::from_secs(300),
            reminders,
            lifecycle_every,
            clock_offset_secs,
            map,
        })
    }

    /// Whether mail has somewhere to go: `portico serve` refuses to start otherwise.
    pub fn check_mail_destination(&self) -> anyhow::Result<()> {
        if self.smtp_url.is_none() && !self.dev_mailbox {
            bail!(
                "no mail destination: set SMTP_URL (e.g. smtp://127.0.0.1:1025), or DEV_MAILBOX=1 to keep mail in a \
                 development mailbox that anyone can read at /dev/mail (never in production)"
            );
        }
        Ok(())
    }

    /// Whether `peer` is one of the configured proxies.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(peer))
    }
}

/// An address block such as `10.0.0.0/8`, or a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(raw: &str) -> Option<Self> {
        let (addr, prefix) = match raw.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (raw.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32)
                    == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128) == masked(u128::from(ip), self.prefix, 128)
            }
            (IpAddr::V6(net), IpAddr::V4(ip)) => {
                IpNet { addr: IpAddr::V6(net), prefix: self.prefix }.contains(IpAddr::V6(ip.to_ipv6_mapped()))
            }
            (IpAddr::V4(_), IpAddr::V6(ip)) => {
                ip.to_ipv4_mapped().is_some_and(|v4| self.contains(IpAddr::V4(v4)))
            }
        }
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

    /// The host alone, without a port: the relying party id of this site's passkeys.
    pub fn host(&self) -> &str {
        match self.authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => &self.authority,
        }
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
    fn address_blocks() {
        let net = IpNet::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(IpNet::parse("127.0.0.1").unwrap().contains("127.0.0.1".parse().unwrap()));
        assert!(!IpNet::parse("127.0.0.1").unwrap().contains("127.0.0.2".parse().unwrap()));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(IpNet::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(IpNet::parse("10.0.0.0/33").is_none());
        assert!(IpNet::parse("nonsense").is_none());
    }

    #[test]
    fn map_tiles_need_an_http_template_and_give_their_origin() {
        let osm = MapTiles::default();
        assert_eq!(osm.origin(), "https://tile.openstreetmap.org");
        let local = MapTiles::parse("http://127.0.0.1:9/{z}/{x}/{y}.png", "").unwrap();
        assert_eq!(local.origin(), "http://127.0.0.1:9");
        assert!(MapTiles::parse("https://tiles.example/{z}/{x}.png", "").is_err());
        assert!(MapTiles::parse("javascript:{z}{x}{y}", "").is_err());
        assert!(MapTiles::parse("https://a.example/{z}/{x}/{y}.png; script-src *", "").is_err());
        assert!(MapTiles::parse("https://a.example\t*/{z}/{x}/{y}.png", "").is_err());
        assert!(MapTiles::parse("https://*.example/{z}/{x}/{y}.png", "").is_err());
    }

    #[test]
    fn public_url_rejects_paths_and_other_schemes() {
        assert!(PublicUrl::parse("ftp://x").is_err());
        assert!(PublicUrl::parse("https://x.com/path").is_err());
    }
}
