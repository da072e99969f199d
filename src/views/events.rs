//! Audit events in sentences ("Ada Admin invited carol@globex.example as Client to Globex
//! (Globex Warehouse)"), for the audit log and a row's timeline alike: no codes, JSON or ids.

use serde_json::Value;

use crate::db::audit::{Event, Names};
use crate::domain::{ClientRole, StaffRole};
use crate::views::when;

/// The ids of clients, companies and people that `events` mention, to look their names up.
pub fn referenced(events: &[Event]) -> (Vec<uuid::Uuid>, Vec<uuid::Uuid>, Vec<uuid::Uuid>) {
    let (mut clients, mut companies, mut users) = (Vec::new(), Vec::new(), Vec::new());
    let id = |v: &Value| v.as_str().and_then(|s| s.parse::<uuid::Uuid>().ok());
    for e in events {
        let d = &e.details;
        clients.extend(d.get("client").and_then(id));
        if e.action == "assessment.answered" {
            clients.extend(e.target.parse::<uuid::Uuid>().ok());
        }
        users.extend(d.get("user").and_then(id));
        for key in ["companies", "from", "to"] {
            if let Some(list) = d.get(key).and_then(Value::as_array) {
                companies.extend(list.iter().filter_map(id));
            }
        }
        if e.action.starts_with("company.") {
            companies.extend(d.get("company").and_then(id));
        }
    }
    for list in [&mut clients, &mut companies, &mut users] {
        list.sort_unstable();
        list.dedup();
    }
    (clients, companies, users)
}

fn text<'a>(details: &'a Value, key: &str) -> &'a str {
    details.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A role's label from its code (`CLIENT_ADMIN`), or the text as it was stored (a label).
fn role(raw: &str) -> String {
    ClientRole::parse(raw)
        .map(|r| r.label().to_string())
        .or_else(|_| StaffRole::parse(raw).map(|r| r.label().to_string()))
        .unwrap_or_else(|_| raw.to_string())
}

/// A status code (`IN_PROGRESS`) in words.
fn words(code: &str) -> String {
    code.to_lowercase().replace('_', " ")
}

fn companies(details: &Value, key: &str, names: &Names) -> String {
    let Some(ids) = details.get(key).and_then(Value::as_array) else {
        return String::new();
    };
    let mut found: Vec<&str> = ids
        .iter()
        .filter_map(Value::as_str)
        .map(|id| names.companies.get(id).map(String::as_str).unwrap_or("another company"))
        .collect();
    found.sort_unstable();
    found.join(", ")
}

fn day(iso: &str) -> String {
    time::Date::parse(iso, time::macros::format_description!("[year]-[month]-[day]"))
        .map(when::date)
        .unwrap_or_default()
}

/// The event in a sentence.
pub fn sentence(e: &Event, names: &Names) -> String {
    let actor = e.actor.as_deref().unwrap_or("Portico");
    let who = e.target.as_str();
    let d = &e.details;
    let client = names.clients.get(text(d, "client")).map(String::as_str);
    let in_client = client.map(|c| format!(" in {c}")).unwrap_or_default();
    // What a change of role or of companies changed, for an invitation and a member alike.
    let roles = || (role(text(d, "from")), role(text(d, "to")));
    let new_companies = || companies(d, "to", names);
    match e.action.as_str() {
        "invitation.sent" => {
            let scope = companies(d, "companies", names);
            let scope = if scope.is_empty() { String::new() } else { format!(" ({scope})") };
            format!(
                "{actor} invited {who} as {} to {}{scope}",
                role(text(d, "role")),
                text(d, "organisation")
            )
        }
        "invitation.resent" => format!("{actor} sent the invitation to {who} again, with a new link"),
        "invitation.reminded" => format!("Portico reminded {who} of their invitation, with a new link"),
        "invitation.opened" => format!("{who} opened their invitation link"),
        "invitation.accepted" => format!("{who} accepted the invitation to {}", text(d, "organisation")),
        "invitation.declined" => format!("{who} declined the invitation to {}", text(d, "organisation")),
        "invitation.revoked" => format!("{actor} removed the invitation for {who}"),
        "invitation.expired" => format!("The invitation for {who} expired unused; its sender was told"),
        "invitation.undelivered" => format!(
            "The invitation to {who} could not be delivered ({}); its sender was told",
            text(d, "answer")
        ),
        "invitation.access_ended" => {
            format!("The invitation for {who} was withdrawn: the access it offered reached its end date")
        }
        "invitation.role_changed" => {
            let (from, to) = roles();
            format!("{actor} changed the role of {who}'s invitation from {from} to {to}")
        }
        "invitation.companies_changed" => {
            format!("{actor} changed the companies of {who}'s invitation to {}", new_companies())
        }
        "invitation.email_changed" => format!(
            "{actor} changed the invitation's email from {} to {}, with a new link",
            text(d, "from"),
            text(d, "to")
        ),
        "client_user.role_changed" => {
            let (from, to) = roles();
            format!("{actor} changed {who}'s role{in_client} from {from} to {to}")
        }
        "client_user.companies_changed" => {
            format!("{actor} changed {who}'s companies{in_client} to {}", new_companies())
        }
        "client_user.end_date_set" => match text(d, "to") {
            "" => format!("{actor} took away the end date of {who}'s access{in_client}"),
            to => format!("{actor} set {who}'s access{in_client} to end on {}", day(to)),
        },
        "client_user.end_noticed" => {
            format!("Portico told {who} that their access{in_client} ends on {}", day(text(d, "ends_on")))
        }
        "client_user.ended" => format!("{who}'s access{in_client} ended on {}", day(text(d, "ends_on"))),
        "client_user.removed" => match client {
            Some(c) => format!("{actor} removed {who} from {c}"),
            None => format!("{actor} removed {who}"),
        },
        "staff.role_changed" => format!(
            "{actor} changed {who}'s staff role from {} to {}",
            role(text(d, "from")),
            role(text(d, "to"))
        ),
        "staff.removed" => format!("{actor} removed {who} from the staff"),
        "client.created" => format!("{actor} added the client {who}"),
        "client.email_changed" => match text(d, "to") {
            "" => format!("{actor} took away {who}'s contact email"),
            to => format!("{actor} changed {who}'s contact email to {to}"),
        },
        "client.declined_portal_access" => match text(d, "note") {
            "" => format!("{actor} recorded that {who} declined portal access"),
            note => format!("{actor} recorded that {who} declined portal access: “{note}”"),
        },
        "client.declined_cleared" => format!("{actor} cleared the record that {who} declined portal access"),
        "client.staff_assigned" | "client.staff_unassigned" => {
            let person = names.users.get(text(d, "user")).map(String::as_str).unwrap_or("a staff member");
            if e.action == "client.staff_assigned" {
                format!("{actor} assigned {person} to {who}")
            } else {
                format!("{actor} took {person} off {who}")
            }
        }
        "company.created" => format!(
            "{actor} added the company {who}{}",
            client.map(|c| format!(" to {c}")).unwrap_or_default()
        ),
        "company.renamed" => format!("{actor} renamed a company{in_client} to {who}"),
        "job.created" => format!("{actor} created the job “{who}”{in_client}"),
        "job.updated" => format!(
            "{actor} updated the job “{who}” ({} to {})",
            words(text(d, "from")),
            words(text(d, "to"))
        ),
        "capture.created" => format!("{actor} added the capture “{who}”{in_client}"),
        "assessment.answered" => {
            let of = names.clients.get(who).map(|c| format!(" of {c}")).unwrap_or_default();
            format!("{actor} answered the assessment{of}")
        }
        "brand.changed" => {
            let accent = match text(d, "accent") {
                "" => "Portico's blue".to_string(),
                colour => colour.to_string(),
            };
            let logo = match text(d, "logo") {
                "replaced" => ", a new logo",
                "removed" => ", no logo",
                _ => "",
            };
            format!("{actor} set the portal's brand: the name {who}, the accent {accent}{logo}")
        }
        "second_factor.enabled" => format!("{who} turned on two-factor authentication"),
        "second_factor.disabled" => format!("{who} turned off two-factor authentication"),
        "second_factor.recovery_code_used" => format!("{who} signed in with a recovery code"),
        "second_factor.reset" => format!("{actor} reset the two-factor authentication of {who}"),
        "second_factor.requirement_changed" => {
            let of: Vec<&str> =
                [("staff", "staff"), ("client_admins", "Client Admins"), ("clients", "all client users")]
                    .into_iter()
                    .filter(|(key, _)| d.get(*key).and_then(Value::as_bool).unwrap_or(false))
                    .map(|(_, words)| words)
                    .collect();
            if of.is_empty() {
                format!("{actor} stopped requiring two-factor authentication")
            } else {
                format!("{actor} required two-factor authentication of {}", of.join(", "))
            }
        }
        "password_reset.requested" if e.actor_email.as_deref().is_none_or(|a| a == who) => {
            format!("{who} asked for a password reset")
        }
        "password_reset.requested" => format!("{actor} sent {who} a password reset"),
        "password_reset.completed" => format!("{who} chose a new password"),
        "sign_in" => match text(d, "site") {
            "portal" => format!("{who} signed in to the client portal"),
            _ => format!("{who} signed in"),
        },
        other => format!("{actor}: {} {who}", words(&other.replace('.', " "))),
    }
}
