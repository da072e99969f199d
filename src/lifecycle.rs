//! What happens after an invitation is sent, on the clock rather than on a click: reminders of a
//! pending invitation, the sender told when it runs out unused or its email could not be
//! delivered, and memberships that reach
//! their end date (the person told a week before, then their access ended as Remove ends it).
//!
//! Every replica runs these rules. Each finds candidates, then claims a row with one conditional
//! UPDATE in the transaction that queues the email and writes the audit event, so exactly one
//! process acts on each row, once, and nothing is sent for a row that changed meanwhile.

use std::time::Duration;

use serde_json::json;
use time::OffsetDateTime;

use crate::config::Reminders;
use crate::db;
use crate::db::client_members::Ending;
use crate::db::invitations::InvitationRow;
use crate::domain::{ClientRole, Token};
use crate::error::AppResult;
use crate::invites;
use crate::mail::messages::Notice;
use crate::mail::MailBrand;
use crate::state::AppState;
use crate::views::when;

/// The person is told this many days before their access ends.
pub const END_NOTICE_DAYS: i32 = 7;
/// Rows each rule takes per run; the next run takes the rest.
const BATCH: i64 = 200;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub reminded: usize,
    pub expiry_notices: usize,
    pub undelivered_notices: usize,
    pub end_notices: usize,
    pub ended: usize,
    pub invitations_withdrawn: usize,
}

/// Runs the rules every `every`, for as long as the server runs.
pub async fn run(state: AppState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = run_once(&state).await {
            tracing::error!(error = ?e, "the invitation lifecycle could not run");
        }
    }
}

/// Applies every rule once at the clock's present.
pub async fn run_once(state: &AppState) -> AppResult<Run> {
    let now = state.clock.now();
    // Ends first, so nothing is sent about access that has just ended.
    let (ended, invitations_withdrawn) = end_memberships(state, now).await?;
    let mut done = Run { ended, invitations_withdrawn, ..Run::default() };
    done.end_notices = notice_ending(state).await?;
    done.reminded = remind(state, now).await?;
    done.expiry_notices = notice_expired(state, now).await?;
    done.undelivered_notices = notice_undelivered(state).await?;
    if done != Run::default() {
        tracing::info!(?done, "invitation lifecycle");
        state.mail_wake.notify_one();
    }
    Ok(done)
}

/// Which reminder `row` owes at `now`, if any: 1 the early one (`after_days` after it was sent),
/// 2 the one before it expires. Both fall inside the invitation's window; when both are due, only
/// the later is sent.
pub fn reminder_due(row: &InvitationRow, now: OffsetDateTime, rules: Reminders) -> Option<i16> {
    let days = |n: u32| time::Duration::days(n.into());
    let sent = row.last_sent_at;
    let early = (rules.after_days > 0).then(|| sent + days(rules.after_days)).filter(|t| *t < row.expires_at);
    let late = (rules.before_expiry_days > 0)
        .then(|| row.expires_at - days(rules.before_expiry_days))
        .filter(|t| *t > sent);
    if now >= row.expires_at {
        return None;
    }
    if late.is_some_and(|t| now >= t) && row.reminder_stage < 2 {
        return Some(2);
    }
    if early.is_some_and(|t| now >= t) && row.reminder_stage < 1 {
        return Some(1);
    }
    None
}

async fn remind(state: &AppState, now: OffsetDateTime) -> AppResult<usize> {
    let rules = state.config.reminders;
    let candidates = db::invitations::reminder_candidates(
        &state.db,
        now,
        rules.after_days as i32,
        rules.before_expiry_days as i32,
        BATCH,
    )
    .await?;
    let mut sent = 0;
    for row in candidates {
        let Some(stage) = reminder_due(&row, now, rules) else {
            continue;
        };
        let token = Token::generate();
        let mut tx = state.db.begin().await?;
        if !db::invitations::claim_reminder(&mut *tx, &row, stage, &token.hash(), now).await? {
            continue;
        }
        let link = invites::invite_link(state, row.is_staff(), &token);
        invites::queue_invitation(&mut tx, &state.config, &row, &link, true, now).await?;
        happened(
            &mut tx,
            row.provider_id,
            "invitation.reminded",
            &row.email,
            json!({ "invitation": row.id, "reminder": stage }),
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

async fn notice_expired(state: &AppState, now: OffsetDateTime) -> AppResult<usize> {
    let mut told = 0;
    for row in db::invitations::expired_unnoticed(&state.db, now, BATCH).await? {
        let mut tx = state.db.begin().await?;
        if !db::invitations::claim_expiry_notice(&mut *tx, &row, now).await? {
            continue;
        }
        if let Some((inviter, link)) = invites::inviter_and_link(&mut tx, state, &row).await? {
            let notice = Notice {
                kind: "invitation_expired",
                subject: format!(
                    "{}: your invitation to {} expired unused",
                    row.provider_name,
                    row.invitee()
                ),
                lines: vec![
                    format!(
                        "Your invitation to {} ({}) for {} expired on {} without being accepted.",
                        row.invitee(),
                        row.email,
                        row.organisation(),
                        when::day(row.expires_at),
                    ),
                    "To try again, use Resend Invitation on their row: it sends a new link.".into(),
                ],
                link: Some(("Open the users list".into(), link)),
            };
            let brand = MailBrand::load(&mut *tx, row.provider_id, &state.config).await?;
            db::outbox::enqueue(
                &mut *tx,
                notice.email(&brand, &inviter.email, row.provider_id, Some(row.id))?,
            )
            .await?;
        }
        happened(&mut tx, row.provider_id, "invitation.expired", &row.email, json!({ "invitation": row.id }))
            .await?;
        tx.commit().await?;
        told += 1;
    }
    Ok(told)
}

/// Tells the sender of an invitation whose email was given up on (the mail server refused it
/// for good, or it failed every attempt), once, with the mail server's answer.
async fn notice_undelivered(state: &AppState) -> AppResult<usize> {
    let mut told = 0;
    for email in db::outbox::failed_unnoticed(&state.db, BATCH).await? {
        let mut tx = state.db.begin().await?;
        let Some((kind, answer)) = db::outbox::claim_failure_notice(&mut *tx, email).await? else {
            continue;
        };
        if kind == "invitation" || kind == "invitation_reminder" {
            told += notice_one_undelivered(state, &mut tx, email, answer.as_deref().unwrap_or("")).await?
                as usize;
        }
        tx.commit().await?;
    }
    Ok(told)
}

async fn notice_one_undelivered(
    state: &AppState,
    tx: &mut sqlx::PgConnection,
    email: uuid::Uuid,
    answer: &str,
) -> AppResult<bool> {
    let Some(row) = db::invitations::of_email(&mut *tx, email).await? else {
        return Ok(false);
    };
    if db::outbox::has_kind(&mut *tx, row.id, "invitation_undelivered").await? {
        return Ok(false);
    }
    let Some((inviter, link)) = invites::inviter_and_link(&mut *tx, state, &row).await? else {
        return Ok(false);
    };
    let notice = Notice {
        kind: "invitation_undelivered",
        subject: format!("{}: your invitation to {} could not be delivered", row.provider_name, row.email),
        lines: vec![
            format!(
                "The invitation to {} for {} could not be delivered. The mail server answered: {answer}",
                row.email,
                row.organisation(),
            ),
            "Check the address: Change Email on their row sends the invitation to a corrected one.".into(),
        ],
        link: Some(("Open the users list".into(), link)),
    };
    let brand = MailBrand::load(&mut *tx, row.provider_id, &state.config).await?;
    db::outbox::enqueue(&mut *tx, notice.email(&brand, &inviter.email, row.provider_id, Some(row.id))?)
        .await?;
    happened(
        tx,
        row.provider_id,
        "invitation.undelivered",
        &row.email,
        json!({ "invitation": row.id, "answer": answer }),
    )
    .await?;
    Ok(true)
}

async fn notice_ending(state: &AppState) -> AppResult<usize> {
    let today = state.clock.today();
    let mut told = 0;
    for ending in db::client_members::ending_unnoticed(&state.db, today, END_NOTICE_DAYS, BATCH).await? {
        let mut tx = state.db.begin().await?;
        if !db::client_members::claim_end_notice(&mut *tx, &ending).await? {
            continue;
        }
        // Told to the client: their provider by its brand.
        let brand = MailBrand::load(&mut *tx, ending.provider_id, &state.config).await?;
        let notice = Notice {
            kind: "access_ending",
            subject: format!(
                "Your access to the {} client portal ends on {}",
                ending.client_name,
                when::date(ending.ends_on)
            ),
            lines: vec![
                format!(
                    "Your access to the {} client portal of {} ends on {}.",
                    ending.client_name,
                    brand.name,
                    when::date(ending.ends_on)
                ),
                format!("If you still need it after then, ask {} to extend it.", brand.name),
            ],
            link: Some(("Open the portal".into(), state.config.portal_url.join("/"))),
        };
        let email = notice.email(&brand, &ending.email, ending.provider_id, None)?;
        db::outbox::enqueue(&mut *tx, db::outbox::NewEmail { user_id: Some(ending.user_id), ..email })
            .await?;
        happened(&mut tx, ending.provider_id, "client_user.end_noticed", &ending.email, json!({ "membership": ending.id, "client": ending.client_id, "ends_on": ending.ends_on.to_string() })).await?;
        tx.commit().await?;
        told += 1;
    }
    Ok(told)
}

/// Ends the memberships whose day has come, closing the same doors Remove closes, and withdraws
/// the open invitations whose access would already have ended.
async fn end_memberships(state: &AppState, now: OffsetDateTime) -> AppResult<(usize, usize)> {
    let today = state.clock.today();
    let mut ended = 0;
    for ending in db::client_members::due_to_end(&state.db, today, BATCH).await? {
        ended += end_one(state, &ending, now).await? as usize;
    }
    let mut tx = state.db.begin().await?;
    let withdrawn = db::invitations::withdraw_past_end(&mut *tx, today).await?;
    for (provider, invitation, email) in &withdrawn {
        happened(&mut tx, *provider, "invitation.access_ended", email, json!({ "invitation": invitation }))
            .await?;
    }
    tx.commit().await?;
    Ok((ended, withdrawn.len()))
}

async fn end_one(state: &AppState, ending: &Ending, now: OffsetDateTime) -> AppResult<bool> {
    let mut tx = state.db.begin().await?;
    if !db::client_members::end(&mut *tx, ending, now).await? {
        return Ok(false);
    }
    let removed = (ending.user_id, ending.email.as_str());
    let they_invited = ending.role == ClientRole::ClientAdmin;
    let withdrawn =
        invites::close_doors(&mut tx, ending.provider()?, removed, Some(ending.client_id), they_invited)
            .await?;
    happened(
        &mut tx,
        ending.provider_id,
        "client_user.ended",
        &ending.email,
        json!({
            "membership": ending.id, "client": ending.client_id, "ends_on": ending.ends_on.to_string(),
            "invitations_withdrawn": withdrawn
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records what a rule did: the actor is Portico itself.
async fn happened(
    tx: &mut sqlx::PgConnection,
    provider: crate::domain::ProviderId,
    action: &str,
    email: &str,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    db::audit::record(tx, Some(provider), None, action, email, details).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_fall_inside_the_window_and_the_later_wins() {
        let sent = time::macros::datetime!(2026-12-01 10:00 UTC);
        let rules = Reminders { after_days: 2, before_expiry_days: 1 };
        let due = |stage: i16, at: OffsetDateTime, ttl: i64| {
            let row = crate::db::invitations::test_row(sent, sent + time::Duration::days(ttl), stage);
            reminder_due(&row, at, rules)
        };
        let days = time::Duration::days;
        assert_eq!(due(0, sent + days(1), 7), None);
        assert_eq!(due(0, sent + days(2), 7), Some(1));
        assert_eq!(due(1, sent + days(2), 7), None);
        assert_eq!(due(1, sent + days(6), 7), Some(2));
        assert_eq!(due(0, sent + days(6), 7), Some(2), "both due: only the later goes");
        assert_eq!(due(2, sent + days(6), 7), None);
        assert_eq!(due(0, sent + days(7), 7), None, "never after expiry");
        // A two-day invitation: the early reminder would fall on its expiry, so only the late one.
        assert_eq!(due(0, sent + days(1), 2), Some(2));
        // Turned off.
        let off = Reminders { after_days: 0, before_expiry_days: 0 };
        let row = crate::db::invitations::test_row(sent, sent + days(7), 0);
        assert_eq!(reminder_due(&row, sent + days(6), off), None);
    }
}
