//! Passkeys (WebAuthn, `webauthn-rs`): added from Account security once an authenticator app is
//! set up (so its recovery codes cover a lost passkey too); then a second factor after the
//! password, and a sign-in without one. A passkey belongs to the host it was made on: each host
//! is its own relying party. The ceremony's state waits in the session between its two requests,
//! which only a person pressing the button starts (a POST): reading a page creates nothing.

use serde::{de::DeserializeOwned, Serialize};
use tower_sessions::Session;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse,
};

use crate::db;
use crate::domain::{EmailAddress, UserId};
use crate::error::{AppError, AppResult};
use crate::state::{AppState, Site};

use super::session::{
    PASSKEY_AUTHENTICATION_KEY as AUTHENTICATION_KEY, PASSKEY_REGISTRATION_KEY as REGISTRATION_KEY,
};

fn refused(_: impl std::fmt::Debug) -> AppError {
    AppError::BadRequest("The passkey could not be checked. Try again, or use your authenticator app's code.")
}

async fn keep<T: Serialize>(session: &Session, key: &str, value: &T) -> AppResult<()> {
    session.insert(key, value).await?;
    Ok(())
}

/// The ceremony state kept for this session, taken (so it serves once).
async fn take<T: DeserializeOwned>(session: &Session, key: &str) -> AppResult<T> {
    session
        .remove::<T>(key)
        .await?
        .ok_or(AppError::BadRequest("Start again: the passkey request has expired."))
}

async fn passkeys_of(state: &AppState, user: UserId, site: Site) -> AppResult<Vec<Passkey>> {
    let rows = db::second_factor::passkeys(&state.db, user, site.name()).await?;
    Ok(rows.into_iter().filter_map(|(_, json)| serde_json::from_value(json).ok()).collect())
}

pub async fn count(state: &AppState, user: UserId, site: Site) -> AppResult<usize> {
    Ok(db::second_factor::passkeys(&state.db, user, site.name()).await?.len())
}

/// What the browser needs to make a new passkey (the caller checked the password again).
pub async fn registration_options(
    state: &AppState,
    site: Site,
    session: &Session,
    user: UserId,
    email: &EmailAddress,
    name: &str,
) -> AppResult<CreationChallengeResponse> {
    let existing: Vec<_> =
        passkeys_of(state, user, site).await?.iter().map(|p| p.cred_id().clone()).collect();
    let shown = if name.is_empty() { email.as_str() } else { name };
    let (options, registration) = state
        .passkeys
        .of(site.is_staff())
        .start_passkey_registration(user.0, email.as_str(), shown, Some(existing))
        .map_err(refused)?;
    keep(session, REGISTRATION_KEY, &registration).await?;
    Ok(options)
}

/// Keeps the passkey the browser made, if it answers this session's request.
pub async fn register(
    state: &AppState,
    site: Site,
    session: &Session,
    user: UserId,
    credential: &str,
) -> AppResult<()> {
    let registration: PasskeyRegistration = take(session, REGISTRATION_KEY).await?;
    let credential: RegisterPublicKeyCredential = serde_json::from_str(credential).map_err(refused)?;
    let passkey = state
        .passkeys
        .of(site.is_staff())
        .finish_passkey_registration(&credential, &registration)
        .map_err(refused)?;
    let json = serde_json::to_value(&passkey).map_err(anyhow::Error::from)?;
    if !db::second_factor::add_passkey(&state.db, user, site.name(), passkey.cred_id().as_ref(), json).await?
    {
        return Err(AppError::BadRequest("This passkey is already added."));
    }
    Ok(())
}

/// What the browser needs to sign with one of `user`'s passkeys (the second step), or with any
/// passkey it holds for this host (`None`: signing in without a password).
pub async fn authentication_options(
    state: &AppState,
    site: Site,
    session: &Session,
    user: Option<UserId>,
) -> AppResult<RequestChallengeResponse> {
    let webauthn = state.passkeys.of(site.is_staff());
    match user {
        Some(user) => {
            let passkeys = passkeys_of(state, user, site).await?;
            if passkeys.is_empty() {
                return Err(AppError::BadRequest("There is no passkey for this account on this site."));
            }
            let (options, auth) = webauthn.start_passkey_authentication(&passkeys).map_err(refused)?;
            keep(session, AUTHENTICATION_KEY, &Ceremony::Known(auth)).await?;
            Ok(options)
        }
        None => {
            let (options, auth) = webauthn.start_discoverable_authentication().map_err(refused)?;
            keep(session, AUTHENTICATION_KEY, &Ceremony::Discoverable(auth)).await?;
            Ok(options)
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
enum Ceremony {
    Known(PasskeyAuthentication),
    Discoverable(DiscoverableAuthentication),
}

/// The person whose passkey signed this session's request: `expected` for the second step, or
/// whoever's passkey it is when signing in without a password. `None`: it did not verify.
pub async fn authenticate(
    state: &AppState,
    site: Site,
    session: &Session,
    expected: Option<UserId>,
    credential: &str,
) -> AppResult<Option<UserId>> {
    let ceremony: Ceremony = take(session, AUTHENTICATION_KEY).await?;
    let credential: PublicKeyCredential = serde_json::from_str(credential).map_err(refused)?;
    let webauthn = state.passkeys.of(site.is_staff());
    // Whose passkey this is: the half-signed-in person's, or (without a password) the person
    // the credential names; their passkeys on this host are read once, to check and to update.
    let user = match (&ceremony, expected) {
        (Ceremony::Known(_), Some(user)) => user,
        (Ceremony::Discoverable(_), None) => match webauthn.identify_discoverable_authentication(&credential)
        {
            Ok((handle, _)) => UserId(handle),
            Err(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    let mut passkeys = passkeys_of(state, user, site).await?;
    let verified = match ceremony {
        Ceremony::Known(auth) => webauthn.finish_passkey_authentication(&credential, &auth),
        Ceremony::Discoverable(auth) => {
            let keys: Vec<DiscoverableKey> = passkeys.iter().map(DiscoverableKey::from).collect();
            webauthn.finish_discoverable_authentication(&credential, auth, &keys)
        }
    };
    let Ok(result) = verified else {
        return Ok(None);
    };
    // The passkey must be one of this person's on this host, and its counter is kept.
    let Some(passkey) = passkeys.iter_mut().find(|p| p.cred_id() == result.cred_id()) else {
        return Ok(None);
    };
    passkey.update_credential(&result);
    let json = serde_json::to_value(&*passkey).map_err(anyhow::Error::from)?;
    db::second_factor::passkey_used(&state.db, user, result.cred_id().as_ref(), json).await?;
    Ok(Some(user))
}
