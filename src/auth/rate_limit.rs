//! Fixed-window rate limits kept in Postgres, so every replica counts the same attempts.

use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};

/// A limit: at most `max` hits per `window_secs` for one bucket.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub max: i32,
    pub window_secs: i64,
}

pub const SIGN_IN_PER_ADDRESS: Limit = Limit { name: "sign-in-ip", max: 30, window_secs: 900 };
/// Wrong passwords for one account from one address.
pub const WRONG_PASSWORD_PER_ACCOUNT_AND_ADDRESS: Limit =
    Limit { name: "wrong-password-account-ip", max: 5, window_secs: 900 };
/// Wrong passwords for one account from anywhere: past this, the account is under attack and
/// only addresses with no recent wrong password for it may try.
pub const WRONG_PASSWORD_PER_ACCOUNT: Limit =
    Limit { name: "wrong-password-account", max: 20, window_secs: 900 };
/// Invitations sent again (Resend Invitation, Reinvite, Change Email, a reset for an Active row).
pub const RESENDS_PER_INVITATION: Limit = Limit { name: "resend-invitation", max: 5, window_secs: 86_400 };
pub const RESENDS_PER_SENDER: Limit = Limit { name: "resend-sender", max: 30, window_secs: 3600 };
pub const FORGOT_PER_ADDRESS: Limit = Limit { name: "forgot-ip", max: 20, window_secs: 3600 };
pub const FORGOT_PER_ACCOUNT: Limit = Limit { name: "forgot-account", max: 5, window_secs: 3600 };
pub const ACCEPT_PER_ADDRESS: Limit = Limit { name: "accept-ip", max: 30, window_secs: 900 };
pub const ACCEPT_PER_INVITATION: Limit = Limit { name: "accept-invitation", max: 10, window_secs: 900 };

/// Counts one hit in the current window; returns the hits so far.
async fn count(db: &PgPool, limit: Limit, key: &str) -> sqlx::Result<i32> {
    db::rate_limits::hit(db, &format!("{}:{}", limit.name, key), limit.window_secs).await
}

/// Counts one hit and refuses with 429 once the window's allowance is spent.
pub async fn check(db: &PgPool, limit: Limit, key: &str) -> AppResult<()> {
    if count(db, limit, key).await? > limit.max {
        tracing::warn!(limit = limit.name, "rate limit reached");
        return Err(AppError::TooManyRequests);
    }
    Ok(())
}

/// Hits in the current window, without counting one.
async fn peek(db: &PgPool, limit: Limit, key: &str) -> sqlx::Result<i32> {
    db::rate_limits::hits(db, &format!("{}:{}", limit.name, key), limit.window_secs).await
}

/// Guesses of a secret for one account: limited per account and address together, and per
/// account from everywhere.
#[derive(Clone, Copy, Debug)]
pub struct Guesses {
    pub per_account_and_address: Limit,
    pub per_account: Limit,
}

pub const PASSWORD_GUESSES: Guesses = Guesses {
    per_account_and_address: WRONG_PASSWORD_PER_ACCOUNT_AND_ADDRESS,
    per_account: WRONG_PASSWORD_PER_ACCOUNT,
};
/// Wrong second-factor codes, limited like wrong passwords (a code has far fewer values).
pub const CODE_GUESSES: Guesses = Guesses {
    per_account_and_address: Limit { name: "wrong-code-account-ip", max: 5, window_secs: 900 },
    per_account: Limit { name: "wrong-code-account", max: 20, window_secs: 900 },
};

/// Passkey challenges handed out to one address (each keeps a little state in a session).
pub const PASSKEY_CHALLENGES_PER_ADDRESS: Limit =
    Limit { name: "passkey-challenge-ip", max: 60, window_secs: 900 };

/// Every code tried for one account, right or wrong, counted before it is checked: a hard cap
/// that concurrent requests and fresh addresses cannot get around (six digits have few values).
pub const CODE_ATTEMPTS_PER_ACCOUNT: Limit =
    Limit { name: "code-attempts-account", max: 10, window_secs: 900 };

/// Before a password is checked for `account` from `address`. Guessing is slowed per account
/// and address together, so a stranger's wrong guesses never lock the owner out: an address
/// with five wrong passwords for the account waits for the window, and once the account has had
/// many from everywhere, only addresses with none of their own may still try.
pub async fn before_password(db: &PgPool, account: &str, address: &str) -> AppResult<()> {
    before_guess(db, PASSWORD_GUESSES, account, address).await
}

/// Counts a wrong password for `account` from `address`.
pub async fn wrong_password(db: &PgPool, account: &str, address: &str) -> AppResult<()> {
    wrong_guess(db, PASSWORD_GUESSES, account, address).await
}

/// Before a guess of one of `account`'s secrets (its password, its second-factor code).
pub async fn before_guess(db: &PgPool, guesses: Guesses, account: &str, address: &str) -> AppResult<()> {
    let pair = format!("{account}|{address}");
    let own = peek(db, guesses.per_account_and_address, &pair).await?;
    let everyone = peek(db, guesses.per_account, account).await?;
    if own >= guesses.per_account_and_address.max || (own > 0 && everyone >= guesses.per_account.max) {
        tracing::warn!(limit = guesses.per_account.name, "guesses for one account slowed down");
        return Err(AppError::TooManyRequests);
    }
    Ok(())
}

pub async fn wrong_guess(db: &PgPool, guesses: Guesses, account: &str, address: &str) -> AppResult<()> {
    let pair = format!("{account}|{address}");
    count(db, guesses.per_account_and_address, &pair).await?;
    count(db, guesses.per_account, account).await?;
    Ok(())
}

/// Drops finished windows; called by the background housekeeping task.
pub async fn purge_old(db: &PgPool) -> sqlx::Result<()> {
    db::rate_limits::purge_old(db).await
}
