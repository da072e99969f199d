//! What a client user sees: completed jobs, map captures, the assessment, Export Summary. Every
//! read goes through the viewer's company scope; anything outside it answers 404.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::HashMap;

use crate::assessment;
use crate::auth::ClientMember;
use crate::config::MapTiles;
use crate::db;
use crate::db::content::{PhotoOf, PhotoSize, EXPORT_LIMIT};
use crate::db::scope::CompanyScope;
use crate::domain::{CaptureId, CompanyId, JobId};
use crate::error::{AppError, AppResult};
use crate::routes::form::{Form, Path, Query};
use crate::state::AppState;
use crate::views::content::{export_csv, AssessmentView, CaptureView, JobView};
use crate::views::pages::{csv_response, photo_response, AssessmentPage, ExportPage};
use crate::views::when::moment;
use crate::views::{one_more, Chrome, Pager};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/jobs", get(jobs))
        .route("/jobs/{id}", get(job))
        .route("/captures", get(captures))
        .route("/captures/{id}", get(capture))
        .route(
            "/captures/{id}/photo",
            get(|s: AppState, m: ClientMember, p: Path<CaptureId>| photo(s, m, p, PhotoSize::Full)),
        )
        .route(
            "/captures/{id}/thumbnail",
            get(|s: AppState, m: ClientMember, p: Path<CaptureId>| photo(s, m, p, PhotoSize::Thumbnail)),
        )
        .route("/assessment", get(assessment_page).post(answer))
        .route("/export", get(export_page))
        .route("/export.csv", get(export_download))
}

const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContentQuery {
    company: String,
    #[serde(deserialize_with = "crate::views::lenient_page")]
    page: i64,
}

/// The companies to show: the whole scope, or the one company chosen in the filter (which must
/// be in scope).
struct Filter {
    scope: CompanyScope,
    chosen: String,
    /// (id, name) of every company in scope, when there are several to choose from.
    choices: Vec<(String, String)>,
}

fn filter(member: &ClientMember, company: &str) -> AppResult<Filter> {
    let scope = if company.is_empty() {
        member.scope.clone()
    } else {
        let id: CompanyId = company.parse().map_err(|_| AppError::NotFound)?;
        member.scope.narrowed_to(id).ok_or(AppError::NotFound)?
    };
    let choices = if member.scope.ids().len() > 1 {
        member
            .scope
            .ids()
            .iter()
            .zip(&member.scope_names)
            .map(|(id, name)| (id.to_string(), name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Filter { scope, chosen: company.to_string(), choices })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/home.html")]
struct HomePage {
    map: MapTiles,
    chrome: Chrome,
    organisation: String,
    provider: String,
    role: &'static str,
    assessment: AssessmentView,
    jobs: Vec<JobView>,
    captures: Vec<CaptureView>,
    filter: Filter,
    several_orgs: bool,
    path: &'static str,
}

async fn home(
    state: AppState,
    member: ClientMember,
    Query(q): Query<ContentQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = filter(&member, &q.company)?;
    let jobs = db::content::completed_jobs(&state.db, &filter.scope, 5, 0).await?;
    let captures = db::content::captures_in_scope(&state.db, &filter.scope, 5, 0).await?;
    let several_orgs = member.memberships > 1;
    Ok(HomePage {
        map: state.config.map.clone(),
        chrome: Chrome::portal(&member).await?,
        organisation: member.client_name.clone(),
        provider: member.provider_name.clone(),
        role: member.role.label(),
        assessment: AssessmentView::build(db::content::answers(&state.db, member.client).await?),
        jobs: jobs.into_iter().map(JobView::from).collect(),
        captures: captures.into_iter().map(CaptureView::from).collect(),
        filter,
        several_orgs,
        path: "/",
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/jobs.html")]
struct JobsPage {
    chrome: Chrome,
    jobs: Vec<JobView>,
    pager: Pager,
    filter: Filter,
    path: &'static str,
}

/// One page of a company-filtered list as views with their pager: `read(n, skip)` reads one row
/// more than a page shows, which says whether another page follows.
async fn listed<R, V: From<R>, F: std::future::Future<Output = sqlx::Result<Vec<R>>>>(
    q: &ContentQuery,
    filter: &Filter,
    base: &str,
    read: impl FnOnce(i64, i64) -> F,
) -> AppResult<(Vec<V>, Pager)> {
    let page = q.page.clamp(1, 100_000);
    let (rows, has_more) = one_more(read(PER_PAGE + 1, (page - 1) * PER_PAGE).await?, PER_PAGE);
    let pager = Pager::open_ended(&pager_path(base, &filter.chosen), page, has_more);
    Ok((rows.into_iter().map(V::from).collect(), pager))
}

fn pager_path(base: &str, company: &str) -> String {
    if company.is_empty() {
        base.to_string()
    } else {
        format!("{base}?company={company}")
    }
}

async fn jobs(
    state: AppState,
    member: ClientMember,
    Query(q): Query<ContentQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = filter(&member, &q.company)?;
    let (jobs, pager) = listed(&q, &filter, "/jobs", |n, skip| {
        db::content::completed_jobs(&state.db, &filter.scope, n, skip)
    })
    .await?;
    Ok(JobsPage { chrome: Chrome::portal(&member).await?, jobs, pager, filter, path: "/jobs" })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/job.html")]
struct JobPage {
    chrome: Chrome,
    job: JobView,
    captures: Vec<CaptureView>,
    /// The job has more than [`JOB_CAPTURES`]; the page says the newest are shown.
    more_captures: bool,
}

/// How many of a job's captures its page lists.
const JOB_CAPTURES: i64 = 200;

async fn job(state: AppState, member: ClientMember, Path(id): Path<JobId>) -> AppResult<impl IntoResponse> {
    let job = db::content::completed_job(&state.db, &member.scope, id).await?.ok_or(AppError::NotFound)?;
    let captures = db::content::captures_of_job(&state.db, &member.scope, &job, JOB_CAPTURES + 1).await?;
    let (captures, more_captures) = one_more(captures, JOB_CAPTURES);
    Ok(JobPage {
        chrome: Chrome::portal(&member).await?,
        job: JobView::from(job),
        captures: captures.into_iter().map(CaptureView::from).collect(),
        more_captures,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/captures.html")]
struct CapturesPage {
    map: MapTiles,
    chrome: Chrome,
    captures: Vec<CaptureView>,
    pager: Pager,
    filter: Filter,
    path: &'static str,
}

async fn captures(
    state: AppState,
    member: ClientMember,
    Query(q): Query<ContentQuery>,
) -> AppResult<impl IntoResponse> {
    let filter = filter(&member, &q.company)?;
    let (captures, pager) = listed(&q, &filter, "/captures", |n, skip| {
        db::content::captures_in_scope(&state.db, &filter.scope, n, skip)
    })
    .await?;
    Ok(CapturesPage {
        map: state.config.map.clone(),
        chrome: Chrome::portal(&member).await?,
        captures,
        pager,
        filter,
        path: "/captures",
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/capture.html")]
struct CapturePage {
    chrome: Chrome,
    capture: CaptureView,
}

async fn capture(
    state: AppState,
    member: ClientMember,
    Path(id): Path<CaptureId>,
) -> AppResult<impl IntoResponse> {
    let row = db::content::capture_in_scope(&state.db, &member.scope, id).await?.ok_or(AppError::NotFound)?;
    Ok(CapturePage { chrome: Chrome::portal(&member).await?, capture: CaptureView::from(row) })
}

async fn photo(
    state: AppState,
    member: ClientMember,
    Path(id): Path<CaptureId>,
    size: PhotoSize,
) -> AppResult<Response> {
    let (bytes, content_type) = db::content::photo(&state.db, id, PhotoOf::Portal(&member.scope), size)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(photo_response(bytes, content_type))
}

async fn assessment_page(state: AppState, member: ClientMember) -> AppResult<impl IntoResponse> {
    Ok(AssessmentPage {
        chrome: Chrome::portal(&member).await?,
        organisation: member.client_name.clone(),
        assessment: AssessmentView::build(db::content::answers(&state.db, member.client).await?),
        action: "/assessment".into(),
        show_who: true,
        error: None,
    })
}

async fn answer(
    state: AppState,
    member: ClientMember,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    match assessment::save(&state, member.client, member.user.id, &form).await? {
        Ok(changed) => {
            crate::routes::done(
                &member.user.session,
                format!("Answers saved ({changed} changed)."),
                "/assessment",
            )
            .await
        }
        Err(message) => {
            let page = AssessmentPage {
                chrome: Chrome::portal(&member).await?,
                organisation: member.client_name.clone(),
                assessment: AssessmentView::build(db::content::answers(&state.db, member.client).await?),
                action: "/assessment".into(),
                show_who: true,
                error: Some(message.into()),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn export_data(
    state: &AppState,
    member: &ClientMember,
) -> AppResult<(AssessmentView, Vec<JobView>, Vec<CaptureView>)> {
    let assessment = AssessmentView::build(db::content::answers(&state.db, member.client).await?);
    let jobs = db::content::completed_jobs(&state.db, &member.scope, EXPORT_LIMIT, 0).await?;
    let captures = db::content::captures_in_scope(&state.db, &member.scope, EXPORT_LIMIT, 0).await?;
    Ok((
        assessment,
        jobs.into_iter().map(JobView::from).collect(),
        captures.into_iter().map(CaptureView::from).collect(),
    ))
}

async fn export_page(state: AppState, member: ClientMember) -> AppResult<impl IntoResponse> {
    let (assessment, jobs, captures) = export_data(&state, &member).await?;
    Ok(ExportPage {
        chrome: Chrome::portal(&member).await?,
        organisation: member.client_name.clone(),
        provider: member.provider_name.clone(),
        generated: moment(time::OffsetDateTime::now_utc()),
        assessment,
        jobs,
        captures,
        csv_href: "/export.csv".into(),
    })
}

async fn export_download(state: AppState, member: ClientMember) -> AppResult<Response> {
    let (assessment, jobs, captures) = export_data(&state, &member).await?;
    Ok(csv_response(
        "summary",
        &member.client_name,
        export_csv(&member.client_name, &assessment, &jobs, &captures),
    ))
}
