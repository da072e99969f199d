//! The second factor at sign-in: a TOTP authenticator app (RFC 6238: SHA-1, six digits, 30-second
//! steps, one step either side) and ten single-use recovery codes.
//!
//! The secret is sealed (ChaCha20-Poly1305 under a key derived from the server key, bound to the
//! person's id) before it is stored, and never logged. Recovery codes are stored as keyed hashes.
//! A code is accepted once: its step must be later than the last one accepted. Wrong codes are
//! limited per account and address like wrong passwords.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde_json::json;
use totp_rs::{Algorithm, Secret, TOTP};

use super::rate_limit::{self, CODE_ATTEMPTS_PER_ACCOUNT, CODE_GUESSES};
use crate::db;
use crate::domain::{EmailAddress, UserId};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const STEP_SECONDS: u64 = 30;
/// The pages a sign-in held at the second factor's set-up may open (and Sign out).
pub const ENROLMENT_PATHS: [&str; 3] =
    ["/account", "/account/two-factor/start", "/account/two-factor/confirm"];
const RECOVERY_CODES: usize = 10;
const SEAL_PURPOSE: &str = "totp-secret-seal";

/// What the enrolment page shows: the secret as a QR code (SVG) and as text.
pub struct Enrolment {
    /// The secret in base32, in groups of four, for typing into an app by hand.
    pub secret_text: String,
    /// The `otpauth://` address the QR code holds.
    pub url: String,
    /// The QR code as an SVG element (made here from `url` alone).
    pub qr_svg: String,
}

fn totp(secret: Vec<u8>) -> AppResult<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS, secret).map_err(|e| anyhow::anyhow!("TOTP: {e:?}").into())
}

fn seal(state: &AppState, user: UserId, secret: &[u8]) -> AppResult<Vec<u8>> {
    let key = state.server_key.derive(SEAL_PURPOSE);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    let nonce: [u8; 12] = rand::random();
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: secret, aad: user.0.as_bytes() })
        .map_err(|_| anyhow::anyhow!("sealing a second-factor secret failed"))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

fn open(state: &AppState, user: UserId, sealed: &[u8]) -> AppResult<Vec<u8>> {
    let key = state.server_key.derive(SEAL_PURPOSE);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
    let (nonce, body) = sealed.split_at(sealed.len().min(12));
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: user.0.as_bytes() })
        // A changed server key (or a row moved to another person) cannot be opened.
        .map_err(|_| anyhow::anyhow!("a second-factor secret could not be opened").into())
}

fn enrolment(email: &EmailAddress, secret: Vec<u8>) -> AppResult<Enrolment> {
    let encoded = match Secret::Raw(secret).to_encoded() {
        Secret::Encoded(text) => text,
        Secret::Raw(_) => return Err(anyhow::anyhow!("a secret could not be written in base32").into()),
    };
    let issuer = "Portico";
    let url = format!(
        "otpauth://totp/{issuer}:{}?secret={encoded}&issuer={issuer}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        crate::percent::encode(email.as_str())
    );
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| anyhow::anyhow!("QR code: {e}"))?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // The element alone, without the XML declaration, to sit inside the page.
    let qr_svg = svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_string());
    let secret_text = encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Enrolment { secret_text, url, qr_svg })
}

/// Starts (or starts again) setting up an authenticator app: a new secret, not yet in use.
/// `None` when one is already in use.
pub async fn begin(state: &AppState, user: UserId, email: &EmailAddress) -> AppResult<Option<Enrolment>> {
    let secret: [u8; 20] = rand::random();
    if !db::second_factor::start(&state.db, user, &seal(state, user, &secret)?).await? {
        return Ok(None);
    }
    enrolment(email, secret.to_vec()).map(Some)
}

/// The enrolment under way, to show again after a wrong code.
pub async fn pending(state: &AppState, user: UserId, email: &EmailAddress) -> AppResult<Option<Enrolment>> {
    match db::second_factor::find(&state.db, user).await? {
        Some(factor) if !factor.confirmed => {
            enrolment(email, open(state, user, &factor.secret_sealed)?).map(Some)
        }
        _ => Ok(None),
    }
}

/// The step (of the three around now) whose code `code` is, if any.
fn matching_step(totp: &TOTP, code: &str, now: i64) -> Option<i64> {
    let now_step = now.div_euclid(STEP_SECONDS as i64);
    (now_step - 1..=now_step + 1).find(|step| {
        let at = (step * STEP_SECONDS as i64).max(0) as u64;
        constant_time_eq(totp.generate(at).as_bytes(), code.as_bytes())
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Six digits, with any spaces taken out; anything else may be a recovery code.
fn as_totp_code(raw: &str) -> Option<String> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// Confirms the enrolment with a first code from the app: the second factor is on, and the
/// recovery codes (shown once, to be kept) are returned. `None`: the code was wrong.
pub async fn confirm(
    state: &AppState,
    user: UserId,
    email: &EmailAddress,
    code: &str,
    ip: &str,
) -> AppResult<Option<Vec<String>>> {
    rate_limit::check(&state.db, CODE_ATTEMPTS_PER_ACCOUNT, email.as_str()).await?;
    rate_limit::before_guess(&state.db, CODE_GUESSES, email.as_str(), ip).await?;
    let Some(factor) = db::second_factor::find(&state.db, user).await?.filter(|f| !f.confirmed) else {
        return Err(AppError::BadRequest(
            "Start setting up the authenticator app again: no set-up is under way.",
        ));
    };
    let totp = totp(open(state, user, &factor.secret_sealed)?)?;
    let step =
        as_totp_code(code).and_then(|code| matching_step(&totp, &code, state.clock.now().unix_timestamp()));
    let Some(step) = step else {
        rate_limit::wrong_guess(&state.db, CODE_GUESSES, email.as_str(), ip).await?;
        return Ok(None);
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(state, user, c)).collect();
    let mut tx = state.db.begin().await?;
    if !db::second_factor::confirm(&mut *tx, user, step).await? {
        return Ok(None);
    }
    db::second_factor::replace_recovery_codes(&mut tx, user, &hashes).await?;
    audit(&mut tx, user, email, "second_factor.enabled").await?;
    tx.commit().await?;
    Ok(Some(codes))
}

/// Ten characters of base32 in two groups (50 bits): `k3q7m-x2p9d`.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let bytes: [u8; 10] = rand::random();
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn recovery_hash(state: &AppState, user: UserId, code: &str) -> String {
    let normal: String =
        code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    state.server_key.sign("recovery-code", &format!("{user}:{normal}"))
}

/// Whether `code` is a code of this person's authenticator app not used before, or one of their
/// unused recovery codes (which it then uses up). Wrong codes are counted and limited.
pub async fn check(
    state: &AppState,
    user: UserId,
    email: &EmailAddress,
    code: &str,
    ip: &str,
) -> AppResult<bool> {
    rate_limit::check(&state.db, CODE_ATTEMPTS_PER_ACCOUNT, email.as_str()).await?;
    rate_limit::before_guess(&state.db, CODE_GUESSES, email.as_str(), ip).await?;
    let accepted = match as_totp_code(code) {
        Some(code) => match db::second_factor::find(&state.db, user).await? {
            Some(factor) if factor.confirmed => {
                let totp = totp(open(state, user, &factor.secret_sealed)?)?;
                match matching_step(&totp, &code, state.clock.now().unix_timestamp()) {
                    Some(step) => db::second_factor::take_step(&state.db, user, step).await?,
                    None => false,
                }
            }
            _ => false,
        },
        None if code.trim().is_empty() => false,
        None => {
            let used =
                db::second_factor::use_recovery_code(&state.db, user, &recovery_hash(state, user, code))
                    .await?;
            if used {
                let mut tx = state.db.begin().await?;
                audit(&mut tx, user, email, "second_factor.recovery_code_used").await?;
                tx.commit().await?;
            }
            used
        }
    };
    if !accepted {
        rate_limit::wrong_guess(&state.db, CODE_GUESSES, email.as_str(), ip).await?;
    }
    Ok(accepted)
}

/// Whether an organisation the person works in on this host requires a second factor of them.
pub async fn required_of(state: &AppState, user: UserId, staff_host: bool) -> AppResult<bool> {
    Ok(db::second_factor::required_of(&state.db, user, staff_host).await?)
}

/// Whether signing in must be held at the set-up: required of the person, and not set up.
pub async fn must_enrol(state: &AppState, user: UserId, staff_host: bool) -> AppResult<bool> {
    Ok(required_of(state, user, staff_host).await? && !is_on(state, user).await?)
}

pub async fn is_on(state: &AppState, user: UserId) -> AppResult<bool> {
    Ok(db::second_factor::is_on(&state.db, user).await?)
}

pub async fn recovery_codes_left(state: &AppState, user: UserId) -> AppResult<i64> {
    Ok(db::second_factor::recovery_codes_left(&state.db, user).await?)
}

/// Turns the second factor off, after the caller checked the password and a code.
pub async fn turn_off(state: &AppState, user: UserId, email: &EmailAddress) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    db::second_factor::remove(&mut tx, user).await?;
    audit(&mut tx, user, email, "second_factor.disabled").await?;
    tx.commit().await?;
    Ok(())
}

/// An ADMIN's reset of a colleague's or a client user's second factor (they lost their phone and
/// their recovery codes): it is removed, the reset is audited, and the person is emailed. Only
/// for someone who belongs to no provider but the ADMIN's: one provider's ADMIN never weakens a
/// sign-in that another provider relies on. `Err` says why nothing was done.
pub async fn reset_by_admin(
    state: &AppState,
    admin: &crate::auth::StaffMember,
    user: UserId,
    email: &str,
) -> AppResult<Result<(), &'static str>> {
    admin.require(crate::domain::Permission::ManageStaff)?;
    if user == admin.user.id {
        // Turning one's own off takes the password and a code, on Account security.
        return Ok(Err("Your own two-factor authentication is turned off from Account security."));
    }
    // Read in the transaction that removes it, with the person's row locked, so a membership
    // of another provider cannot slip in between the check and the removal.
    let mut tx = state.db.begin().await?;
    let providers = db::second_factor::providers_of_locked(&mut tx, user).await?;
    if providers.is_empty() {
        return Err(AppError::NotFound);
    }
    if providers.iter().any(|p| *p != admin.provider_id) {
        return Ok(Err("This person also belongs to another provider, so their two-factor authentication cannot be reset here. They can sign in with a recovery code."));
    }
    if db::second_factor::find(&mut *tx, user).await?.is_none() {
        return Ok(Err("This person has no two-factor authentication to reset."));
    }
    db::second_factor::remove(&mut tx, user).await?;
    db::audit::record(
        &mut *tx,
        Some(admin.provider_id),
        Some(admin.user.id),
        "second_factor.reset",
        email,
        json!({}),
    )
    .await?;
    let brand = crate::mail::MailBrand::load(&mut *tx, admin.provider_id, &state.config).await?;
    let notice = crate::mail::messages::Notice {
        kind: "second_factor_reset",
        subject: format!("{}: your two-factor authentication was reset", brand.name),
        lines: vec![
            format!(
                "{} reset the two-factor authentication of your account, so signing in no longer asks for your authenticator app's code.",
                admin.user.name_or_email()
            ),
            "If you asked for this, set it up again from Account security after you sign in (your organisation may ask you to at once). If you did not, tell them straight away.".into(),
        ],
        link: None,
    };
    db::outbox::enqueue(&mut *tx, notice.email(&brand, email, admin.provider_id, None)?).await?;
    tx.commit().await?;
    state.mail_wake.notify_one();
    Ok(Ok(()))
}

async fn audit(
    tx: &mut sqlx::PgConnection,
    user: UserId,
    email: &EmailAddress,
    action: &str,
) -> AppResult<()> {
    for provider in db::second_factor::providers_of(&mut *tx, user).await? {
        db::audit::record(&mut *tx, Some(provider), Some(user), action, email.as_str(), json!({})).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_ones_beside_it_only() {
        let totp = totp(b"12345678901234567890".to_vec()).unwrap();
        // RFC 6238's test vector: at 59 s the SHA-1 code is 94287082 (six digits: 287082).
        assert_eq!(totp.generate(59), "287082");
        assert_eq!(matching_step(&totp, "287082", 59), Some(1));
        assert_eq!(matching_step(&totp, "287082", 59 + 30), Some(1), "one step late is accepted");
        assert_eq!(matching_step(&totp, "287082", 59 + 60), None, "two steps late is not");
        assert_eq!(matching_step(&totp, "000000", 59), None);
    }

    #[test]
    fn the_authenticator_label_is_encoded() {
        assert!(enrolment(&EmailAddress::parse("a+b@x.test").unwrap(), vec![1; 20])
            .unwrap()
            .url
            .contains(":a%2Bb%40x.test?"));
    }

    #[test]
    fn codes_are_read_as_six_digits_or_else_as_recovery_codes() {
        assert_eq!(as_totp_code(" 287 082 ").as_deref(), Some("287082"));
        assert_eq!(as_totp_code("28708"), None);
        assert_eq!(as_totp_code("k3q7m-x2p9d"), None);
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        assert_ne!(code, recovery_code());
    }
}
