//! Changes staff make to a client organisation: creating it, its companies, the email on file,
//! the "declined portal access" record and staff assignments. Each is one transaction with its
//! audit event; the caller has checked that the staff member may manage the client (the
//! `ClientRow` it passes is the proof it may see it).

use serde_json::json;

use crate::auth::StaffMember;
use crate::db;
use crate::db::audit::Audited;
use crate::db::clients::ClientRow;
use crate::domain::{ClientId, CompanyId, EmailAddress, PersonName, UserId};
use crate::error::AppResult;
use crate::state::AppState;

async fn begin(state: &AppState, by: &StaffMember) -> AppResult<Audited<'static>> {
    Ok(Audited::begin(&state.db, by.provider, by.user.id).await?)
}

pub async fn create(
    state: &AppState,
    by: &StaffMember,
    name: &PersonName,
    contact_email: Option<&EmailAddress>,
) -> AppResult<ClientId> {
    let mut change = begin(state, by).await?;
    let email = contact_email.map(EmailAddress::as_str);
    let id = db::clients::create(change.tx(), by.provider, name.as_str(), email).await?.client();
    change.commit("client.created", name.as_str(), json!({ "client": id })).await?;
    Ok(id)
}

pub async fn add_company(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    name: &PersonName,
) -> AppResult<CompanyId> {
    let mut change = begin(state, by).await?;
    let company = db::clients::add_company(change.tx(), client.scope(), name.as_str()).await?;
    change
        .commit("company.created", name.as_str(), json!({ "client": client.id, "company": company }))
        .await?;
    Ok(company)
}

/// False when the company is not one of the client's.
pub async fn rename_company(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    company: CompanyId,
    name: &PersonName,
) -> AppResult<bool> {
    let mut change = begin(state, by).await?;
    if !db::clients::rename_company(change.tx(), client.scope(), company, name.as_str()).await? {
        return Ok(false);
    }
    change
        .commit("company.renamed", name.as_str(), json!({ "client": client.id, "company": company }))
        .await?;
    Ok(true)
}

pub async fn set_contact_email(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    email: Option<&EmailAddress>,
) -> AppResult<()> {
    let mut change = begin(state, by).await?;
    db::clients::set_contact_email(change.tx(), client.scope(), email.map(EmailAddress::as_str)).await?;
    let details =
        json!({ "client": client.id, "from": client.contact_email, "to": email.map(EmailAddress::as_str) });
    change.commit("client.email_changed", &client.name, details).await?;
    Ok(())
}

/// Records that the client declined portal access (with an optional note), or with `None`
/// clears the record.
pub async fn set_declined(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    declined: Option<&str>,
) -> AppResult<()> {
    let mut change = begin(state, by).await?;
    match declined {
        Some(note) => {
            let stored = (!note.is_empty()).then_some(note);
            db::clients::set_declined(change.tx(), client.scope(), Some(by.user.id), stored).await?;
            let details = json!({ "client": client.id, "note": note });
            change.commit("client.declined_portal_access", &client.name, details).await?;
        }
        None => {
            db::clients::set_declined(change.tx(), client.scope(), None, None).await?;
            change.commit("client.declined_cleared", &client.name, json!({ "client": client.id })).await?;
        }
    }
    Ok(())
}

/// Assigns a staff USER to the client, or with `assigned: false` takes the assignment away;
/// false when there was nothing to change (not a staff USER here, already or never assigned).
pub async fn set_assigned(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    user: UserId,
    assigned: bool,
) -> AppResult<bool> {
    let mut change = begin(state, by).await?;
    let changed = if assigned {
        db::clients::assign(change.tx(), client.scope(), user).await?
    } else {
        db::clients::unassign(change.tx(), client.scope(), user).await?
    };
    if !changed {
        return Ok(false);
    }
    let action = if assigned { "client.staff_assigned" } else { "client.staff_unassigned" };
    change.commit(action, &client.name, json!({ "client": client.id, "user": user })).await?;
    Ok(true)
}
