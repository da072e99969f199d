//! Jobs, map captures and assessment answers. Portal reads take the viewer's company scope and
//! filter in SQL, and select only what a client may see (never staff notes, never unfinished
//! work). Staff reads take the client, already checked for visibility.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;

use super::scope::{ClientScope, CompanyScope};
use super::statement::{changed_one, page_and_total, Bind};
use crate::domain::{Answer, CaptureId, CompanyId, JobId, JobStatus, Photo, UserId};

/// The most rows an export holds.
pub const EXPORT_LIMIT: i64 = 5000;

/// A completed job as a client sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PortalJob {
    pub id: JobId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub title: String,
    pub summary: String,
    pub completed_at: OffsetDateTime,
}

/// The newest completed jobs inside `scope`, newest first. Reads at most `offset + limit` index
/// entries per company (the lateral form), then merges.
pub async fn completed_jobs(
    db: &PgPool,
    scope: &CompanyScope,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<PortalJob>> {
    sqlx::query_as(
        "SELECT j.id, j.company_id, (SELECT co.name FROM companies co WHERE co.id = j.company_id) AS company_name,
                j.title, j.summary, j.completed_at
         FROM unnest($1::uuid[]) AS s(company_id)
         CROSS JOIN LATERAL (
             SELECT id, company_id, title, summary, completed_at FROM jobs
             WHERE company_id = s.company_id AND status = 'COMPLETED'
             ORDER BY completed_at DESC, id DESC
             LIMIT $2::bigint + $3::bigint
         ) j
         ORDER BY j.completed_at DESC, j.id DESC
         LIMIT $2 OFFSET $3",
    )
    .bind(scope.ids())
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn completed_job(db: &PgPool, scope: &CompanyScope, id: JobId) -> sqlx::Result<Option<PortalJob>> {
    sqlx::query_as(
        "SELECT j.id, j.company_id, co.name AS company_name, j.title, j.summary, j.completed_at
         FROM jobs j JOIN companies co ON co.id = j.company_id
         WHERE j.id = $2 AND j.company_id = ANY($1) AND j.status = 'COMPLETED'",
    )
    .bind(scope.ids())
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A job as staff see it, notes and all.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffJob {
    pub id: JobId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub title: String,
    pub status: JobStatus,
    pub completed_at: Option<OffsetDateTime>,
    pub summary: String,
    pub staff_notes: String,
    pub created_at: OffsetDateTime,
}

const STAFF_JOB: &str =
    "SELECT j.id, j.company_id, co.name AS company_name, j.title, j.status, j.completed_at,
        j.summary, j.staff_notes, j.created_at
     FROM jobs j JOIN companies co ON co.id = j.company_id";

pub async fn client_jobs(
    db: &PgPool,
    client: ClientScope,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<StaffJob>, i64)> {
    page_and_total(
        db,
        sqlx::query_as(&format!(
            "{STAFF_JOB} WHERE j.client_id = $1 ORDER BY j.created_at DESC, j.id LIMIT $2 OFFSET $3"
        ))
        .bind(client.client()),
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE client_id = $1").bind(client.client()),
        limit,
        offset,
    )
    .await
}

pub async fn client_job(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    id: JobId,
) -> sqlx::Result<Option<StaffJob>> {
    sqlx::query_as(&format!("{STAFF_JOB} WHERE j.client_id = $1 AND j.id = $2"))
        .bind(client.client())
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn create_job(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    company: CompanyId,
    title: &str,
    by: UserId,
) -> sqlx::Result<JobId> {
    let id = JobId::new();
    sqlx::query(
        "INSERT INTO jobs (provider_id, client_id, id, company_id, title, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind_scope(client)
    .bind(id)
    .bind(company)
    .bind(title)
    .bind(by)
    .execute(db)
    .await?;
    Ok(id)
}

/// Saves a job's status and texts; `completed_at` is set when it becomes COMPLETED and cleared
/// if it is reopened.
pub async fn update_job(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    id: JobId,
    status: JobStatus,
    summary: &str,
    staff_notes: &str,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE jobs SET status = $3::job_status, summary = $4, staff_notes = $5,
                completed_at = CASE WHEN $3::job_status = 'COMPLETED' THEN coalesce(completed_at, now()) ELSE NULL END
         WHERE client_id = $1 AND id = $2",
    )
    .bind(client.client())
    .bind(id)
    .bind(status)
    .bind(summary)
    .bind(staff_notes)
    .execute(db)
    .await
    .map(changed_one)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaptureRow {
    pub id: CaptureId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub job_id: Option<JobId>,
    pub job_title: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub caption: String,
    pub captured_at: OffsetDateTime,
    pub has_photo: bool,
    pub has_thumbnail: bool,
}

const CAPTURE: &str =
    "SELECT c.id, c.company_id, co.name AS company_name, j.id AS job_id, j.title AS job_title,
        c.latitude, c.longitude, c.caption, c.captured_at, c.photo IS NOT NULL AS has_photo,
        c.thumbnail IS NOT NULL AS has_thumbnail
     FROM captures c JOIN companies co ON co.id = c.company_id
     LEFT JOIN jobs j ON j.id = c.job_id AND j.status = 'COMPLETED'";

/// Captures inside `scope`, newest first (the lateral form, as for jobs).
pub async fn captures_in_scope(
    db: &PgPool,
    scope: &CompanyScope,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<CaptureRow>> {
    sqlx::query_as(&format!(
        "WITH page AS (
            SELECT x.id, x.captured_at FROM unnest($1::uuid[]) AS s(company_id)
            CROSS JOIN LATERAL (
                SELECT id, captured_at FROM captures WHERE company_id = s.company_id
                ORDER BY captured_at DESC, id DESC LIMIT $2::bigint + $3::bigint
            ) x
            ORDER BY x.captured_at DESC, x.id DESC LIMIT $2 OFFSET $3
        )
        {CAPTURE} JOIN page p ON p.id = c.id ORDER BY c.captured_at DESC, c.id DESC"
    ))
    .bind(scope.ids())
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// The captures of a completed job inside the viewer's scope, newest first, at most `limit`.
pub async fn captures_of_job(
    db: &PgPool,
    scope: &CompanyScope,
    job: &PortalJob,
    limit: i64,
) -> sqlx::Result<Vec<CaptureRow>> {
    sqlx::query_as(&format!(
        "{CAPTURE} WHERE c.job_id = $1 AND c.company_id = ANY($2)
         ORDER BY c.captured_at DESC, c.id DESC LIMIT $3"
    ))
    .bind(job.id)
    .bind(scope.ids())
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn client_captures(
    db: &PgPool,
    client: ClientScope,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<CaptureRow>, i64)> {
    page_and_total(
        db,
        sqlx::query_as(&format!(
            "{CAPTURE} WHERE c.client_id = $1 ORDER BY c.captured_at DESC, c.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(client.client()),
        sqlx::query_scalar("SELECT count(*) FROM captures WHERE client_id = $1").bind(client.client()),
        limit,
        offset,
    )
    .await
}

pub struct NewCapture<'a> {
    pub client: ClientScope,
    pub company: CompanyId,
    pub job: Option<JobId>,
    pub latitude: f64,
    pub longitude: f64,
    pub caption: &'a str,
    pub captured_at: OffsetDateTime,
    pub photo: Option<&'a Photo>,
    pub by: UserId,
}

pub async fn create_capture(db: impl PgExecutor<'_>, c: NewCapture<'_>) -> sqlx::Result<CaptureId> {
    let id = CaptureId::new();
    sqlx::query(
        "INSERT INTO captures (provider_id, client_id, id, company_id, job_id, latitude, longitude, caption,
                               captured_at, photo, photo_type, thumbnail, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind_scope(c.client)
    .bind(id)
    .bind(c.company)
    .bind(c.job)
    .bind(c.latitude)
    .bind(c.longitude)
    .bind(c.caption)
    .bind(c.captured_at)
    .bind(c.photo.map(|p| p.bytes.as_slice()))
    .bind(c.photo.map(|p| p.content_type))
    .bind(c.photo.map(|p| p.thumbnail.as_slice()))
    .bind(c.by)
    .execute(db)
    .await?;
    Ok(id)
}

/// Whose photo is asked for: a client user's (inside their companies) or staff's (of a client).
pub enum PhotoOf<'a> {
    Portal(&'a CompanyScope),
    Staff(ClientScope),
}

/// Which picture of a capture: the photo as uploaded, or the thumbnail made from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoSize {
    Full,
    Thumbnail,
}

/// A photo (or its thumbnail, a JPEG), if the capture lies inside what is asked for.
pub async fn photo(
    db: &PgPool,
    id: CaptureId,
    of: PhotoOf<'_>,
    size: PhotoSize,
) -> sqlx::Result<Option<(Vec<u8>, String)>> {
    let (scope, client) = match of {
        PhotoOf::Portal(scope) => (Some(scope.ids()), None),
        PhotoOf::Staff(client) => (None, Some(client.client())),
    };
    sqlx::query_as(
        "SELECT CASE WHEN $4 THEN thumbnail ELSE photo END,
                CASE WHEN $4 THEN 'image/jpeg' ELSE photo_type END
         FROM captures
         WHERE id = $1 AND CASE WHEN $4 THEN thumbnail IS NOT NULL ELSE photo IS NOT NULL END
           AND ($2::uuid[] IS NULL OR company_id = ANY($2))
           AND ($3::uuid IS NULL OR client_id = $3)",
    )
    .bind(id)
    .bind(scope)
    .bind(client)
    .bind(size == PhotoSize::Thumbnail)
    .fetch_optional(db)
    .await
}

/// Photos stored before thumbnails were made, after `after` in id order (at most `limit`), to
/// make theirs.
pub async fn photos_without_thumbnail(
    db: &PgPool,
    after: Option<CaptureId>,
    limit: i64,
) -> sqlx::Result<Vec<(CaptureId, Vec<u8>, String)>> {
    sqlx::query_as(
        "SELECT id, photo, photo_type FROM captures
         WHERE photo IS NOT NULL AND thumbnail IS NULL AND ($1::uuid IS NULL OR id > $1)
         ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn set_thumbnail(db: &PgPool, id: CaptureId, thumbnail: &[u8]) -> sqlx::Result<()> {
    sqlx::query("UPDATE captures SET thumbnail = $2 WHERE id = $1 AND thumbnail IS NULL")
        .bind(id)
        .bind(thumbnail)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn capture_in_scope(
    db: &PgPool,
    scope: &CompanyScope,
    id: CaptureId,
) -> sqlx::Result<Option<CaptureRow>> {
    sqlx::query_as(&format!("{CAPTURE} WHERE c.id = $2 AND c.company_id = ANY($1)"))
        .bind(scope.ids())
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AnswerRow {
    pub question: String,
    pub answer: Answer,
    pub answered_by: Option<String>,
    pub answered_at: OffsetDateTime,
}

pub async fn answers(db: impl PgExecutor<'_>, client: ClientScope) -> sqlx::Result<Vec<AnswerRow>> {
    sqlx::query_as(
        "SELECT a.question, a.answer, nullif(coalesce(nullif(u.display_name, ''), u.email), '') AS answered_by, a.answered_at
         FROM assessment_answers a LEFT JOIN users u ON u.id = a.answered_by
         WHERE a.client_id = $1",
    )
    .bind(client.client())
    .fetch_all(db)
    .await
}

/// Records answers; an unchanged answer keeps who gave it and when.
pub async fn save_answers(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    answers: &[(&str, Answer)],
    by: UserId,
) -> sqlx::Result<u64> {
    let keys: Vec<&str> = answers.iter().map(|a| a.0).collect();
    let values: Vec<Answer> = answers.iter().map(|a| a.1).collect();
    sqlx::query(
        "INSERT INTO assessment_answers (provider_id, client_id, question, answer, answered_by)
         SELECT $1, $2, q, a, $5 FROM unnest($3::text[], $4::assessment_answer[]) AS t(q, a)
         ON CONFLICT (client_id, question) DO UPDATE
            SET answer = EXCLUDED.answer, answered_by = EXCLUDED.answered_by, answered_at = now()
            WHERE assessment_answers.answer IS DISTINCT FROM EXCLUDED.answer",
    )
    .bind_scope(client)
    .bind(&keys)
    .bind(&values)
    .bind(by)
    .execute(db)
    .await
    .map(|done| done.rows_affected())
}
