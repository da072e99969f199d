//! Jobs and map captures that staff record for a client, each change in one transaction with its
//! audit event. The caller has checked that the staff member may work on the client (the
//! `ClientRow` is the proof) and parsed the input.

use serde_json::json;

use crate::auth::StaffMember;
use crate::db;
use crate::db::audit::Audited;
use crate::db::clients::ClientRow;
use crate::db::content::{NewCapture, StaffJob};
use crate::domain::{CaptureId, CompanyId, JobId, JobStatus};
use crate::error::AppResult;
use crate::state::AppState;

pub async fn create_job(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    company: CompanyId,
    title: &str,
) -> AppResult<JobId> {
    let mut change = Audited::begin(&state.db, by.provider, by.user.id).await?;
    let job = db::content::create_job(change.tx(), client.scope(), company, title, by.user.id).await?;
    change.commit("job.created", title, json!({ "job": job, "client": client.id })).await?;
    Ok(job)
}

/// Saves a job's status, summary for the client and staff notes.
pub async fn update_job(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    job: &StaffJob,
    status: JobStatus,
    summary: &str,
    staff_notes: &str,
) -> AppResult<()> {
    let mut change = Audited::begin(&state.db, by.provider, by.user.id).await?;
    db::content::update_job(change.tx(), client.scope(), job.id, status, summary, staff_notes).await?;
    let details = json!({ "job": job.id, "from": job.status.code(), "to": status.code() });
    change.commit("job.updated", &job.title, details).await?;
    Ok(())
}

pub async fn add_capture(
    state: &AppState,
    by: &StaffMember,
    client: &ClientRow,
    capture: NewCapture<'_>,
) -> AppResult<CaptureId> {
    let caption = capture.caption.to_string();
    let mut change = Audited::begin(&state.db, by.provider, by.user.id).await?;
    let id = db::content::create_capture(change.tx(), capture).await?;
    change.commit("capture.created", &caption, json!({ "capture": id, "client": client.id })).await?;
    Ok(id)
}

/// Makes the thumbnails of photos stored before Portico made them on upload, a page at a time,
/// once at start-up. A photo that does not decode keeps none (its list shows the photo itself).
pub async fn make_missing_thumbnails(db: sqlx::PgPool) {
    let mut after = None;
    loop {
        let batch = match db::content::photos_without_thumbnail(&db, after, 20).await {
            Ok(batch) if !batch.is_empty() => batch,
            Ok(_) => return,
            Err(e) => return tracing::warn!(error = ?e, "could not read photos to make thumbnails"),
        };
        for (id, bytes, content_type) in batch {
            after = Some(id);
            let made = crate::telemetry::spawn_blocking_with_tracing(move || {
                crate::images::thumbnail(&bytes, &content_type)
            })
            .await;
            if let Ok(Ok(thumbnail)) = made {
                if let Err(e) = db::content::set_thumbnail(&db, id, &thumbnail).await {
                    return tracing::warn!(error = ?e, "could not store a thumbnail");
                }
            }
        }
    }
}
