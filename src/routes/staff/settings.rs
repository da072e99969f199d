//! Settings -> Portal brand: the name, logo and accent colour an ADMIN gives the portal, so that
//! clients see their provider, not Portico.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::auth::csrf::MAX_UPLOAD_BYTES;
use crate::auth::{session, StaffMember};
use crate::db;
use crate::db::providers::Brand;
use crate::db::second_factor::Requirement;
use crate::domain::{AccentColour, BrandName, Logo, Permission};
use crate::error::{AppError, AppResult};
use crate::providers::{self, BrandChange, LogoUpdate};
use crate::routes::form::{read_upload, Form, Upload};
use crate::state::AppState;
use crate::views::{BrandView, Chrome, FieldErrors};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/brand",
            get(brand_page).post(save_brand).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/settings/security", get(security_page).post(save_security))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/security.html")]
struct SecurityPage {
    chrome: Chrome,
    required: Requirement,
    can_manage_staff: bool,
}

async fn security_page(state: AppState, member: StaffMember) -> AppResult<impl IntoResponse> {
    admin_only(&member)?;
    let required = db::second_factor::requirement(&state.db, member.provider_id).await?;
    Ok(SecurityPage { chrome: Chrome::staff(&member).await?, required, can_manage_staff: true })
}

/// The checkboxes of Settings -> Sign-in security; one left unticked is simply absent.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SecurityForm {
    staff: String,
    client_admins: String,
    clients: String,
}

async fn save_security(
    state: AppState,
    member: StaffMember,
    Form(form): Form<SecurityForm>,
) -> AppResult<Response> {
    admin_only(&member)?;
    let wanted = Requirement {
        staff: form.staff == "1",
        client_admins: form.client_admins == "1" || form.clients == "1",
        clients: form.clients == "1",
    };
    providers::set_second_factor_requirement(&state, &member, wanted).await?;
    session::flash(
        &member.user.session,
        "Sign-in security saved. It applies from each person's next sign-in.",
    )
    .await?;
    Ok(Redirect::to("/settings/security").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/brand.html")]
struct BrandPage {
    chrome: Chrome,
    /// The brand as clients see it now.
    current: BrandView,
    current_accent: Option<String>,
    provider_name: String,
    name: String,
    accent: String,
    has_logo: bool,
    errors: FieldErrors,
    can_manage_staff: bool,
}

fn admin_only(member: &StaffMember) -> AppResult<()> {
    if member.can(Permission::ManageStaff) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn current(state: &AppState, member: &StaffMember) -> AppResult<Brand> {
    db::providers::brand(&state.db, member.provider_id).await?.ok_or(AppError::NotFound)
}

async fn page(
    member: &StaffMember,
    brand: &Brand,
    name: String,
    accent: String,
    errors: FieldErrors,
) -> AppResult<BrandPage> {
    Ok(BrandPage {
        chrome: Chrome::staff(member).await?,
        current: BrandView::of(brand),
        current_accent: brand.accent_colour.clone(),
        provider_name: member.provider_name.clone(),
        name,
        accent,
        has_logo: brand.has_logo,
        errors,
        can_manage_staff: true,
    })
}

async fn brand_page(state: AppState, member: StaffMember) -> AppResult<impl IntoResponse> {
    admin_only(&member)?;
    let brand = current(&state, &member).await?;
    let (name, accent) =
        (brand.brand_name.clone().unwrap_or_default(), brand.accent_colour.clone().unwrap_or_default());
    page(&member, &brand, name, accent, FieldErrors::default()).await
}

async fn save_brand(
    state: AppState,
    member: StaffMember,
    upload: Result<Upload, AppError>,
) -> AppResult<Response> {
    // Who may change the brand is checked before what they sent is read.
    admin_only(&member)?;
    let Upload(multipart) = upload?;
    let (values, logo) =
        read_upload(multipart, "logo", "The upload was too large: logos may be at most 1 MB.").await?;
    let get = |k: &str| values.get(k).map(String::as_str).unwrap_or_default();
    let mut errors = FieldErrors::default();
    let name = errors.take("name", BrandName::parse(get("name")));
    let accent = match get("accent").trim() {
        "" => Some(None),
        raw => errors.take("accent", AccentColour::parse(raw)).map(Some),
    };
    let logo = match logo {
        // Decoding a picture is work for a blocking thread, not the async ones.
        Some(bytes) => crate::telemetry::spawn_blocking_with_tracing(move || Logo::parse(&bytes))
            .await
            .map_err(anyhow::Error::from)?
            .map(LogoUpdate::Replace)
            .map_err(|e| errors.add("logo", e.0))
            .ok(),
        None if get("remove_logo") == "1" => Some(LogoUpdate::Remove),
        None => Some(LogoUpdate::Keep),
    };
    let (Some(name), Some(accent), Some(logo), true) = (name, accent, logo, errors.is_empty()) else {
        let brand = current(&state, &member).await?;
        let page = page(&member, &brand, get("name").to_string(), get("accent").to_string(), errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    providers::set_brand(&state, &member, BrandChange { name, accent, logo }).await?;
    crate::routes::done(&member.user.session, "Portal brand saved.", "/settings/brand").await
}
