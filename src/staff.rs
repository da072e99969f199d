//! Changes an ADMIN makes to the provider's staff: a member's role, removing a member, a pending
//! staff invitation's role. Each is one transaction with its audit event; the caller has checked
//! the permission. Nobody changes or removes themselves (another ADMIN must), so a provider is
//! never left without the person who acted.

use serde_json::json;

use crate::auth::StaffMember;
use crate::db;
use crate::db::audit::Audited;
use crate::db::invitations::InvitationRow;
use crate::domain::{StaffRole, UserId};
use crate::error::{AppError, AppResult};
use crate::invites;
use crate::state::AppState;

/// The changed person's email, or `None` when they are not staff of this provider.
pub async fn change_role(
    state: &AppState,
    by: &StaffMember,
    user: UserId,
    role: StaffRole,
) -> AppResult<Option<String>> {
    if user == by.user.id {
        return Err(AppError::BadRequest("You cannot change your own role. Ask another administrator."));
    }
    let mut change = Audited::begin(&state.db, by.provider, by.user.id).await?;
    let Some(previous) = db::staff::change_role(change.tx(), by.provider, user, role).await? else {
        return Ok(None);
    };
    let target = db::users::find_by_id(change.tx(), user).await?.map(|u| u.email).unwrap_or_default();
    change
        .commit("staff.role_changed", &target, json!({ "from": previous.code(), "to": role.code() }))
        .await?;
    Ok(Some(target))
}

/// The email of a staff member of the asker's provider (for Remove's confirmation), or `None`.
pub async fn email_of(state: &AppState, by: &StaffMember, user: UserId) -> AppResult<Option<String>> {
    if user == by.user.id {
        return Err(AppError::BadRequest("You cannot remove yourself. Ask another administrator."));
    }
    if db::staff::membership(&state.db, user, by.provider).await?.is_none() {
        return Ok(None);
    }
    Ok(db::users::find_by_id(&state.db, user).await?.map(|u| u.email))
}

/// Removes a staff member with their client assignments, the invitations they sent, earlier
/// staff invitations to them and their password-reset links; their email, or `None` when they
/// are not staff of this provider.
pub async fn remove(state: &AppState, by: &StaffMember, user: UserId) -> AppResult<Option<String>> {
    if user == by.user.id {
        return Err(AppError::BadRequest("You cannot remove yourself. Ask another administrator."));
    }
    let mut change = Audited::begin(&state.db, by.provider, by.user.id).await?;
    if !db::staff::remove(change.tx(), by.provider, user).await? {
        return Ok(None);
    }
    let target = db::users::find_by_id(change.tx(), user).await?.map(|u| u.email).unwrap_or_default();
    let withdrawn = invites::close_doors(change.tx(), by.provider, (user, &target), None, true).await?;
    change.commit("staff.removed", &target, json!({ "invitations_withdrawn": withdrawn })).await?;
    Ok(Some(target))
}

/// False when the invitation was accepted or removed meanwhile.
pub async fn change_invitation_role(
    state: &AppState,
    by: &StaffMember,
    row: &InvitationRow,
    role: StaffRole,
) -> AppResult<bool> {
    let mut change = Audited::begin(&state.db, by.provider, by.user.id).await?;
    if !db::invitations::change_staff_role(change.tx(), by.provider, row.id, role).await? {
        return Ok(false);
    }
    let details = json!({ "invitation": row.id, "from": row.role_label(), "to": role.code() });
    change.commit("invitation.role_changed", &row.email, details).await?;
    Ok(true)
}
