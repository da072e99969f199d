//! Checking an email and password, the one way both sign-in and accepting an invitation into an
//! existing account do it: slowed per account and address before the check, counted when wrong.

use crate::auth::rate_limit;
use crate::db;
use crate::db::users::UserRow;
use crate::domain::{EmailAddress, Password};
use crate::error::AppResult;
use crate::state::AppState;

/// The account, if `password` is its password. An unknown email costs the same work (a dummy
/// hash is checked), so the answer's timing does not tell whether the account exists.
pub async fn verify(
    state: &AppState,
    email: &EmailAddress,
    password: &str,
    ip: &str,
) -> AppResult<Option<UserRow>> {
    rate_limit::before_password(&state.db, email.as_str(), ip).await?;
    let user = db::users::find_by_email(&state.db, email).await?;
    let candidate: String = password.chars().take(Password::MAX).collect();
    if state.hasher.verify(&candidate, user.as_ref().and_then(|u| u.password_hash.as_deref())).await? {
        return Ok(user);
    }
    rate_limit::wrong_password(&state.db, email.as_str(), ip).await?;
    Ok(None)
}
