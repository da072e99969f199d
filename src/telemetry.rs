//! Logs: readable by default, JSON with `LOG_FORMAT=json`; colour only on a terminal; one line
//! per request; tokens never written.

use std::borrow::Cow;
use std::io::IsTerminal;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => {
            registry.with(tracing_subscriber::fmt::layer().json().flatten_event(true)).try_init()
        }
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_ansi(std::io::stdout().is_terminal()))
            .try_init(),
    };
    // A second initialisation (tests) keeps the first subscriber.
    let _ = result;
}

/// `spawn_blocking` that keeps the caller's tracing span.
pub fn spawn_blocking_with_tracing<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

/// Path segments that are followed by a secret: invitation and password-reset tokens.
const SECRET_AFTER: [&str; 2] = ["invite", "reset-password"];

/// The path with every token replaced, fit to be logged: `/invite/[token]/accept`.
pub fn redact_path(path: &str) -> Cow<'_, str> {
    let segments: Vec<&str> = path.split('/').collect();
    let secret_at = |i: usize| i > 0 && SECRET_AFTER.contains(&segments[i - 1]) && !segments[i].is_empty();
    if !(0..segments.len()).any(secret_at) {
        return Cow::Borrowed(path);
    }
    let redacted: Vec<&str> =
        segments.iter().enumerate().map(|(i, s)| if secret_at(i) { "[token]" } else { s }).collect();
    Cow::Owned(redacted.join("/"))
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_are_redacted_from_paths() {
        assert_eq!(redact_path("/invite/abc123/accept"), "/invite/[token]/accept");
        assert_eq!(redact_path("/reset-password/abc123"), "/reset-password/[token]");
        assert_eq!(redact_path("/clients/42"), "/clients/42");
        assert_eq!(redact_path("/invite/"), "/invite/");
        assert_eq!(redact_path("/a/invite/x/reset-password/y"), "/a/invite/[token]/reset-password/[token]");
    }
}
