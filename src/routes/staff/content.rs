//! The staff side of portal content: jobs (with client-visible summary and staff-only notes),
//! map captures with photos, the assessment, and the whole client's Export Summary. ADMIN and
//! MANAGER work on every client; a USER on the clients assigned to them.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::assessment;
use crate::auth::csrf::MAX_UPLOAD_BYTES;
use crate::auth::{session, StaffMember};
use crate::config::MapTiles;
use crate::content;
use crate::db;
use crate::db::clients::{ClientRow, CompanyRow};
use crate::db::content::{NewCapture, StaffJob};
use crate::db::content::{PhotoOf, PhotoSize, EXPORT_LIMIT};
use crate::domain::{CaptureId, ClientId, CompanyId, Coordinates, JobId, JobStatus, Photo};
use crate::error::{AppError, AppResult};
use crate::routes::form::{read_upload, Form, Path, Query, Upload};
use crate::routes::staff::clients::ClientView;
use crate::routes::staff::scoped::VisibleClient;
use crate::state::AppState;
use crate::views::content::{export_csv, AssessmentView, CaptureView, JobView};
use crate::views::pages::{csv_response, photo_response, AssessmentPage, ExportPage};
use crate::views::when::{moment, Moment};
use crate::views::FieldErrors;
use crate::views::{Chrome, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clients/{id}/jobs", get(jobs).post(create_job))
        .route("/clients/{id}/jobs/{job}", get(job).post(save_job))
        .route(
            "/clients/{id}/captures",
            get(captures).post(create_capture).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/clients/{id}/captures/{capture}/photo",
            get(|c: VisibleClient, p: Path<(ClientId, CaptureId)>| photo(c, p, PhotoSize::Full)),
        )
        .route(
            "/clients/{id}/captures/{capture}/thumbnail",
            get(|c: VisibleClient, p: Path<(ClientId, CaptureId)>| photo(c, p, PhotoSize::Thumbnail)),
        )
        .route("/clients/{id}/assessment", get(assessment_page).post(answer))
        .route("/clients/{id}/export", get(export_page))
        .route("/clients/{id}/export.csv", get(export_download))
}

const PER_PAGE: i64 = 25;

struct StaffJobView {
    id: JobId,
    company: String,
    title: String,
    status: JobStatus,
    completed: Option<Moment>,
    created: Moment,
    summary: String,
    staff_notes: String,
}

impl From<StaffJob> for StaffJobView {
    fn from(j: StaffJob) -> Self {
        Self {
            id: j.id,
            company: j.company_name,
            title: j.title,
            status: j.status,
            completed: j.completed_at.map(moment),
            created: moment(j.created_at),
            summary: j.summary,
            staff_notes: j.staff_notes,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/client_jobs.html")]
struct JobsPage {
    chrome: Chrome,
    client: ClientView,
    can_manage: bool,
    jobs: Vec<StaffJobView>,
    pager: Pager,
    companies: Vec<CompanyRow>,
    errors: FieldErrors,
    title: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    #[serde(deserialize_with = "crate::views::lenient_page")]
    page: i64,
}

async fn jobs_page(
    state: &AppState,
    member: &StaffMember,
    client: ClientRow,
    page: i64,
) -> AppResult<JobsPage> {
    let page = page.clamp(1, 100_000);
    let (rows, total) =
        db::content::client_jobs(&state.db, client.scope(), PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(JobsPage {
        chrome: Chrome::staff(member).await?,
        can_manage: member.can(crate::domain::Permission::ManageClients),
        jobs: rows.into_iter().map(StaffJobView::from).collect(),
        pager: Pager::new(&format!("/clients/{}/jobs", client.id), "", page, PER_PAGE, total),
        companies: db::clients::companies(&state.db, client.scope()).await?,
        client: ClientView::from(&client),
        errors: FieldErrors::default(),
        title: String::new(),
    })
}

async fn jobs(
    VisibleClient { state, member, client }: VisibleClient,
    Query(q): Query<PageQuery>,
) -> AppResult<impl IntoResponse> {
    jobs_page(&state, &member, client, q.page).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewJobForm {
    company: String,
    title: String,
}

fn company_of(companies: &[CompanyRow], raw: &str) -> Result<CompanyId, &'static str> {
    let id: CompanyId = raw.parse().map_err(|_| "Choose a company")?;
    companies.iter().any(|c| c.id == id).then_some(id).ok_or("Choose a company of this client")
}

async fn create_job(
    VisibleClient { state, member, client }: VisibleClient,
    Form(form): Form<NewJobForm>,
) -> AppResult<Response> {
    let companies = db::clients::companies(&state.db, client.scope()).await?;
    let mut errors = FieldErrors::default();
    let company = match company_of(&companies, &form.company) {
        Ok(c) => Some(c),
        Err(m) => {
            errors.add("company", m);
            None
        }
    };
    let title = form.title.trim();
    if title.is_empty() {
        errors.add("title", "Enter a title");
    } else if title.chars().count() > 200 {
        errors.add("title", "The title must be at most 200 characters");
    }
    let Some(company) = company.filter(|_| errors.is_empty()) else {
        let mut page = jobs_page(&state, &member, client, 1).await?;
        page.errors = errors;
        page.title = title.chars().take(300).collect();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let job = content::create_job(&state, &member, &client, company, title).await?;
    Ok(Redirect::to(&format!("/clients/{}/jobs/{job}", client.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/client_job.html")]
struct JobPage {
    chrome: Chrome,
    client: ClientView,
    can_manage: bool,
    job: StaffJobView,
    statuses: [JobStatus; 3],
    error: Option<String>,
}

async fn job(
    VisibleClient { state, member, client }: VisibleClient,
    Path((_, job)): Path<(ClientId, JobId)>,
) -> AppResult<impl IntoResponse> {
    let job = db::content::client_job(&state.db, client.scope(), job).await?.ok_or(AppError::NotFound)?;
    Ok(JobPage {
        chrome: Chrome::staff(&member).await?,
        can_manage: member.can(crate::domain::Permission::ManageClients),
        client: ClientView::from(&client),
        job: job.into(),
        statuses: JobStatus::ALL,
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JobForm {
    status: String,
    summary: String,
    staff_notes: String,
}

async fn save_job(
    VisibleClient { state, member, client }: VisibleClient,
    Path((_, job)): Path<(ClientId, JobId)>,
    Form(form): Form<JobForm>,
) -> AppResult<Response> {
    let job_id = job;
    let current =
        db::content::client_job(&state.db, client.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    let parsed = match JobStatus::parse(&form.status) {
        Err(e) => Err(e.0),
        Ok(_) if form.summary.chars().count() > 5000 || form.staff_notes.chars().count() > 5000 => {
            Err("The summary and the notes must each be at most 5000 characters")
        }
        Ok(status) => Ok(status),
    };
    let status = match parsed {
        Ok(status) => status,
        Err(message) => {
            let page = JobPage {
                chrome: Chrome::staff(&member).await?,
                can_manage: member.can(crate::domain::Permission::ManageClients),
                client: ClientView::from(&client),
                job: current.into(),
                statuses: JobStatus::ALL,
                error: Some(message.into()),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    content::update_job(
        &state,
        &member,
        &client,
        &current,
        status,
        form.summary.trim(),
        form.staff_notes.trim(),
    )
    .await?;
    session::flash(&member.user.session, format!("Saved. The job is {}.", status.label().to_lowercase()))
        .await?;
    Ok(Redirect::to(&format!("/clients/{}/jobs/{job_id}", client.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/client_captures.html")]
struct CapturesPage {
    map: MapTiles,
    chrome: Chrome,
    client: ClientView,
    can_manage: bool,
    captures: Vec<CaptureView>,
    pager: Pager,
    companies: Vec<CompanyRow>,
    jobs: Vec<(JobId, String)>,
    /// The client has more jobs than the picker lists; the form says how to reach the others.
    more_jobs: bool,
    errors: FieldErrors,
    values: HashMap<String, String>,
    capture_base: String,
}

/// How many of a client's newest jobs the capture form's picker lists. An older job is reached
/// from its own page ("Add a map capture"), which opens this form with that job chosen.
const JOB_PICKER: i64 = 500;

async fn captures_page(
    state: &AppState,
    member: &StaffMember,
    client: ClientRow,
    page: i64,
    chosen_job: Option<JobId>,
) -> AppResult<CapturesPage> {
    let page = page.clamp(1, 100_000);
    let (rows, total) =
        db::content::client_captures(&state.db, client.scope(), PER_PAGE, (page - 1) * PER_PAGE).await?;
    let (mut jobs, job_count) = db::content::client_jobs(&state.db, client.scope(), JOB_PICKER, 0).await?;
    let mut values = HashMap::new();
    if let Some(chosen) = chosen_job {
        if !jobs.iter().any(|j| j.id == chosen) {
            if let Some(job) = db::content::client_job(&state.db, client.scope(), chosen).await? {
                jobs.insert(0, job);
            }
        }
        if let Some(job) = jobs.iter().find(|j| j.id == chosen) {
            values.insert("job".to_string(), job.id.to_string());
            values.insert("company".to_string(), job.company_id.to_string());
        }
    }
    Ok(CapturesPage {
        map: state.config.map.clone(),
        chrome: Chrome::staff(member).await?,
        can_manage: member.can(crate::domain::Permission::ManageClients),
        captures: rows.into_iter().map(CaptureView::from).collect(),
        pager: Pager::new(&format!("/clients/{}/captures", client.id), "", page, PER_PAGE, total),
        companies: db::clients::companies(&state.db, client.scope()).await?,
        jobs: jobs.into_iter().map(|j| (j.id, format!("{} ({})", j.title, j.company_name))).collect(),
        more_jobs: job_count > JOB_PICKER,
        capture_base: format!("/clients/{}/captures", client.id),
        client: ClientView::from(&client),
        errors: FieldErrors::default(),
        values,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CapturesQuery {
    #[serde(deserialize_with = "crate::views::lenient_page")]
    page: i64,
    /// The job the new capture is for (from the job's page); an unknown one is ignored.
    job: String,
}

async fn captures(
    VisibleClient { state, member, client }: VisibleClient,
    Query(q): Query<CapturesQuery>,
) -> AppResult<impl IntoResponse> {
    captures_page(&state, &member, client, q.page, q.job.parse().ok()).await
}

fn parse_when(raw: &str) -> Result<OffsetDateTime, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(OffsetDateTime::now_utc());
    }
    let with_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let without = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(raw, &without)
        .or_else(|_| PrimitiveDateTime::parse(raw, &with_seconds))
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| "Enter the time as a date and time, like 2026-11-23T14:30")
}

async fn chosen_job(
    state: &AppState,
    client: &ClientRow,
    raw: &str,
    company: Option<CompanyId>,
) -> AppResult<Result<Option<JobId>, &'static str>> {
    if raw.is_empty() {
        return Ok(Ok(None));
    }
    let Ok(job) = raw.parse::<JobId>() else {
        return Ok(Err("Choose a job from the list"));
    };
    Ok(match db::content::client_job(&state.db, client.scope(), job).await? {
        Some(row) if Some(row.company_id) == company => Ok(Some(job)),
        _ => Err("Choose a job of the same company, or none"),
    })
}

/// A new capture as the form described it, every field checked.
struct CaptureInput {
    company: CompanyId,
    job: Option<JobId>,
    coords: Coordinates,
    caption: String,
    captured_at: OffsetDateTime,
    photo: Option<Photo>,
}

/// The capture form's fields parsed, or the messages to show it again with (and the job it
/// named, so the picker keeps it).
async fn parse_capture(
    state: &AppState,
    client: &ClientRow,
    values: &HashMap<String, String>,
    photo: Option<Vec<u8>>,
) -> AppResult<Result<CaptureInput, (FieldErrors, Option<JobId>)>> {
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or_default();
    let companies = db::clients::companies(&state.db, client.scope()).await?;
    let mut errors = FieldErrors::default();
    let company = company_of(&companies, get("company")).map_err(|m| errors.add("company", m)).ok();
    let coords = errors.take("latitude", Coordinates::parse(get("latitude"), get("longitude")));
    let caption = get("caption").trim().to_string();
    if caption.chars().count() > 500 {
        errors.add("caption", "The caption must be at most 500 characters");
    }
    let captured_at = parse_when(get("captured_at")).map_err(|m| errors.add("captured_at", m)).ok();
    let photo = match photo {
        // Decoding a photo of megapixels is work for a blocking thread, not the async ones.
        Some(bytes) => crate::telemetry::spawn_blocking_with_tracing(move || Photo::parse(bytes))
            .await
            .map_err(anyhow::Error::from)?
            .map_err(|e| errors.add("photo", e.0))
            .ok(),
        None => None,
    };
    let job = chosen_job(state, client, get("job"), company)
        .await?
        .map_err(|m| errors.add("job", m))
        .ok()
        .flatten();
    Ok(match (company, coords, captured_at, errors.is_empty()) {
        (Some(company), Some(coords), Some(captured_at), true) => {
            Ok(CaptureInput { company, job, coords, caption, captured_at, photo })
        }
        _ => Err((errors, job)),
    })
}

async fn create_capture(
    VisibleClient { state, member, client }: VisibleClient,
    Upload(multipart): Upload,
) -> AppResult<Response> {
    let (values, photo) =
        read_upload(multipart, "photo", "The upload was too large: photos may be at most 5 MB.").await?;
    let input = match parse_capture(&state, &client, &values, photo).await? {
        Ok(input) => input,
        Err((errors, job)) => {
            let mut page = captures_page(&state, &member, client, 1, job).await?;
            page.errors = errors;
            page.values = values;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let capture = NewCapture {
        client: client.scope(),
        company: input.company,
        job: input.job,
        latitude: input.coords.latitude,
        longitude: input.coords.longitude,
        caption: &input.caption,
        captured_at: input.captured_at,
        photo: input.photo.as_ref(),
        by: member.user.id,
    };
    content::add_capture(&state, &member, &client, capture).await?;
    crate::routes::done(
        &member.user.session,
        "Map capture added.",
        &format!("/clients/{}/captures", client.id),
    )
    .await
}

async fn photo(
    VisibleClient { state, client, .. }: VisibleClient,
    Path((_, capture)): Path<(ClientId, CaptureId)>,
    size: PhotoSize,
) -> AppResult<Response> {
    let (bytes, content_type) = db::content::photo(&state.db, capture, PhotoOf::Staff(client.scope()), size)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(photo_response(bytes, content_type))
}

async fn assessment_page(
    VisibleClient { state, member, client }: VisibleClient,
) -> AppResult<impl IntoResponse> {
    Ok(AssessmentPage {
        chrome: Chrome::staff(&member).await?,
        organisation: client.name.clone(),
        assessment: AssessmentView::build(db::content::answers(&state.db, client.scope()).await?),
        action: format!("/clients/{}/assessment", client.id),
        show_who: true,
        error: None,
    })
}

async fn answer(
    VisibleClient { state, member, client }: VisibleClient,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    match assessment::save(&state, client.scope(), member.user.id, &form).await? {
        Ok(changed) => {
            crate::routes::done(
                &member.user.session,
                format!("Answers saved ({changed} changed)."),
                &format!("/clients/{}/assessment", client.id),
            )
            .await
        }
        Err(message) => Err(AppError::BadRequest(message)),
    }
}

async fn export_data(
    state: &AppState,
    client: &ClientRow,
) -> AppResult<(AssessmentView, Vec<JobView>, Vec<CaptureView>)> {
    let assessment = AssessmentView::build(db::content::answers(&state.db, client.scope()).await?);
    let Some(scope) = db::clients::company_scope(&state.db, client.scope()).await? else {
        return Ok((assessment, Vec::new(), Vec::new()));
    };
    let jobs = db::content::completed_jobs(&state.db, &scope, EXPORT_LIMIT, 0).await?;
    let captures = db::content::captures_in_scope(&state.db, &scope, EXPORT_LIMIT, 0).await?;
    Ok((
        assessment,
        jobs.into_iter().map(JobView::from).collect(),
        captures.into_iter().map(CaptureView::from).collect(),
    ))
}

async fn export_page(VisibleClient { state, member, client }: VisibleClient) -> AppResult<impl IntoResponse> {
    let (assessment, jobs, captures) = export_data(&state, &client).await?;
    Ok(ExportPage {
        chrome: Chrome::staff(&member).await?,
        organisation: client.name.clone(),
        provider: member.provider_name.clone(),
        generated: moment(OffsetDateTime::now_utc()),
        assessment,
        jobs,
        captures,
        csv_href: format!("/clients/{}/export.csv", client.id),
    })
}

async fn export_download(VisibleClient { state, client, .. }: VisibleClient) -> AppResult<Response> {
    let (assessment, jobs, captures) = export_data(&state, &client).await?;
    Ok(csv_response("summary", &client.name, export_csv(&client.name, &assessment, &jobs, &captures)))
}
