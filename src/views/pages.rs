//! Page types that more than one group of routes renders: the invite form and its "sent" page
//! (staff app and portal), the assessment and Export Summary (a client's own and staff's view of
//! it), and the responses for a photo and a CSV download.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::client_access::{self, CompanyChoice, InviteFields, InviteProblem};
use crate::views::content::{AssessmentView, CaptureView, JobView};
use crate::views::when::Moment;
use crate::views::{Chrome, FieldErrors};

/// A page that only says something and offers one way on: "Check your email", a dead reset or
/// invitation link.
#[derive(Template, WebTemplate)]
#[template(path = "account/message.html")]
pub struct MessagePage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
    pub link_href: String,
    pub link_label: String,
}

impl MessagePage {
    /// Ends with "Go to sign in", on the sign-in page that wears the chrome's brand.
    pub fn to_sign_in(chrome: Chrome, title: &str, message: String) -> Self {
        let link_href = match &chrome.brand {
            Some(b) => format!("/login?brand={}", b.slug),
            None => "/login".to_string(),
        };
        Self { chrome, title: title.to_string(), message, link_href, link_label: "Go to sign in".into() }
    }
}

/// The invite form, for the client page (Share to Client, Invite client representative), for
/// Settings -> User Roles, and for a Client Admin in the portal.
#[derive(Template, WebTemplate)]
#[template(path = "client_invite.html")]
pub struct InviteFormPage {
    pub chrome: Chrome,
    pub client_name: String,
    pub action: String,
    pub representative: bool,
    pub fields: InviteFields,
    pub companies: Vec<CompanyChoice>,
    pub errors: FieldErrors,
    pub already_member: Option<String>,
    pub pending_resend: Option<String>,
    pub submit_label: &'static str,
    pub cancel_href: String,
    pub can_make_admin: bool,
    /// Staff may give the access an end date; a Client Admin may not.
    pub can_set_end: bool,
    /// Where "Invite several people" posts.
    pub bulk_action: String,
}

impl InviteFormPage {
    /// The form again, with why the invitation was not sent. `base` prefixes the menu actions.
    pub fn refused(mut self, problem: InviteProblem, base: &str) -> Response {
        let status = match problem {
            InviteProblem::Fields(errors) => {
                self.errors = errors;
                StatusCode::UNPROCESSABLE_ENTITY
            }
            InviteProblem::AlreadyMember(link) => {
                self.errors.add("email", client_access::ALREADY_BELONGS);
                self.already_member = Some(link);
                StatusCode::CONFLICT
            }
            InviteProblem::AlreadyPending(invitation) => {
                self.errors.add("email", client_access::ALREADY_INVITED);
                self.pending_resend = Some(format!("{base}/invitations/{invitation}/resend"));
                StatusCode::CONFLICT
            }
        };
        (status, self).into_response()
    }
}

/// The second step of an action that cannot be undone (Remove, Change Email, Client declined):
/// says who is affected and posts the same form again with `confirmed=1`. Works without
/// JavaScript; the first post writes nothing.
#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub heading: String,
    pub lines: Vec<String>,
    pub action: String,
    /// Fields the first post carried, sent again as they were.
    pub carried: Vec<(&'static str, String)>,
    pub button: &'static str,
    pub cancel_href: String,
}

impl ConfirmPage {
    /// The second step of a Remove, posting back to `action`.
    pub fn remove(chrome: Chrome, heading: String, lines: Vec<String>, action: String, cancel: &str) -> Self {
        ConfirmPage {
            chrome,
            heading,
            lines,
            action,
            carried: Vec::new(),
            button: "Remove",
            cancel_href: cancel.into(),
        }
    }

    /// The second step of Remove on an invitation's row (client or staff invitation alike).
    pub fn remove_invitation(chrome: Chrome, email: &str, action: String, cancel: &str) -> Self {
        let lines = vec![format!(
            "The link in the invitation sent to {email} will stop working. You can invite them again later."
        )];
        Self::remove(chrome, format!("Remove the invitation for {email}?"), lines, action, cancel)
    }
}

/// Whether a form's `confirmed` field says the second step was taken.
pub fn confirmed(raw: &str) -> bool {
    raw == "1"
}

/// What became of each row of "Invite several people".
#[derive(Template, WebTemplate)]
#[template(path = "bulk_result.html")]
pub struct BulkResultPage {
    pub chrome: Chrome,
    pub client_name: String,
    pub sent: usize,
    pub not_sent: usize,
    pub outcomes: Vec<crate::bulk::Outcome>,
    pub back_href: String,
}

/// Change Companies, which a row's three-dot menu links to: a box for each company the manager
/// may grant, the row's own ticked. (A box for every company in every row's menu made a large
/// client's list ten times its size.)
#[derive(Template, WebTemplate)]
#[template(path = "change_companies.html")]
pub struct ChangeCompaniesPage {
    pub chrome: Chrome,
    pub email: String,
    pub action: String,
    pub companies: Vec<CompanyChoice>,
    pub error: Option<&'static str>,
    pub cancel_href: String,
}

/// A row's timeline (Client Users tab, a Client Admin's Users page, Settings -> User Roles).
#[derive(Template, WebTemplate)]
#[template(path = "timeline.html")]
pub struct TimelinePage {
    pub chrome: Chrome,
    pub who: String,
    pub place: String,
    pub lines: Vec<crate::views::timeline::Line>,
    pub back_href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/invite_sent.html")]
pub struct InviteSentPage {
    pub chrome: Chrome,
    pub heading: String,
    pub email: String,
    pub link: String,
    pub back_href: String,
    pub back_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment.html")]
pub struct AssessmentPage {
    pub chrome: Chrome,
    pub organisation: String,
    pub assessment: AssessmentView,
    pub action: String,
    pub show_who: bool,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "export.html")]
pub struct ExportPage {
    pub chrome: Chrome,
    pub organisation: String,
    pub provider: String,
    pub generated: Moment,
    pub assessment: AssessmentView,
    pub jobs: Vec<JobView>,
    pub captures: Vec<CaptureView>,
    pub csv_href: String,
}

/// A stored photo, never kept in any cache (it must not outlive Sign out) and never sniffed as
/// anything else.
pub fn photo_response(bytes: Vec<u8>, content_type: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A CSV download named `<kind>-<name>.csv` (the name reduced to letters, digits and dashes).
pub fn csv_response(kind: &str, name: &str, csv: String) -> Response {
    let safe: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{kind}-{safe}.csv\"")),
        ],
        csv,
    )
        .into_response()
}
