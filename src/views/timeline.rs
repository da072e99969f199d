//! A row's timeline in sentences: what happened to one person's invitations and membership,
//! newest first, from the audit log and the emails sent to them.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;

use crate::db::audit::TimelineEvent;
use crate::db::outbox::{OutboxState, TimelineEmail};
use crate::domain::{ClientRole, StaffRole};
use crate::views::when::{self, moment, Moment};

pub struct Line {
    pub at: Moment,
    pub text: String,
    /// Something went wrong here (an email that failed).
    pub alert: bool,
}

/// The lines of a timeline, newest first. `companies` names the client's companies by id.
pub fn lines(
    events: &[TimelineEvent],
    emails: &[TimelineEmail],
    companies: &HashMap<String, String>,
) -> Vec<Line> {
    let mut all: Vec<(OffsetDateTime, Line)> = Vec::new();
    for e in events {
        all.push((
            e.created_at,
            Line { at: moment(e.created_at), text: sentence(e, companies), alert: false },
        ));
    }
    for m in emails {
        let queued = format!("Email “{}” queued", m.subject);
        all.push((m.created_at, Line { at: moment(m.created_at), text: queued, alert: false }));
        match (m.state, &m.last_error, m.sent_at) {
            (OutboxState::Sent, _, Some(at)) => all.push((
                at,
                Line { at: moment(at), text: format!("Email “{}” delivered", m.subject), alert: false },
            )),
            (OutboxState::Failed, error, _) => all.push((
                m.created_at,
                Line {
                    at: moment(m.created_at),
                    text: format!(
                        "Email “{}” could not be delivered: {}",
                        m.subject,
                        error.as_deref().unwrap_or("no answer")
                    ),
                    alert: true,
                },
            )),
            (OutboxState::Queued, Some(error), _) => all.push((
                m.created_at,
                Line {
                    at: moment(m.created_at),
                    text: format!("Email “{}” not delivered yet, retrying: {error}", m.subject),
                    alert: true,
                },
            )),
            _ => {}
        }
    }
    // Newest first; for one moment, the later step (delivered after queued) first.
    all.sort_by_key(|line| std::cmp::Reverse(line.0));
    all.into_iter().map(|(_, line)| line).collect()
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

fn names(details: &Value, key: &str, companies: &HashMap<String, String>) -> String {
    let Some(ids) = details.get(key).and_then(Value::as_array) else {
        return String::new();
    };
    let mut names: Vec<&str> = ids
        .iter()
        .filter_map(Value::as_str)
        .map(|id| companies.get(id).map(String::as_str).unwrap_or("another company"))
        .collect();
    names.sort_unstable();
    names.join(", ")
}

fn sentence(e: &TimelineEvent, companies: &HashMap<String, String>) -> String {
    let actor = e.actor.as_deref().unwrap_or("Portico");
    let who = &e.target;
    let d = &e.details;
    match e.action.as_str() {
        "invitation.sent" => {
            let scope = names(d, "companies", companies);
            let scope = if scope.is_empty() { String::new() } else { format!(" ({scope})") };
            format!(
                "{actor} invited {who} as {} to {}{scope}",
                role(text(d, "role")),
                text(d, "organisation")
            )
        }
        "invitation.resent" => format!("{actor} sent the invitation again, with a new link"),
        "invitation.reminded" => "Portico sent a reminder, with a new link".into(),
        "invitation.opened" => "The invitation link was opened".into(),
        "invitation.accepted" => format!("{who} accepted the invitation"),
        "invitation.declined" => format!("{who} declined the invitation"),
        "invitation.revoked" => format!("{actor} removed the invitation"),
        "invitation.expired" => "The invitation expired unused; its sender was told".into(),
        "invitation.undelivered" => {
            format!("The invitation could not be delivered ({}); its sender was told", text(d, "answer"))
        }
        "invitation.access_ended" => {
            "The invitation was withdrawn: the access it offered had reached its end date".into()
        }
        "invitation.role_changed" | "client_user.role_changed" => {
            format!("{actor} changed the role from {} to {}", role(text(d, "from")), role(text(d, "to")))
        }
        "invitation.companies_changed" | "client_user.companies_changed" => {
            format!("{actor} changed the companies to {}", names(d, "to", companies))
        }
        "invitation.email_changed" => format!(
            "{actor} changed the email from {} to {}, with a new link",
            text(d, "from"),
            text(d, "to")
        ),
        "client_user.end_date_set" => match day(text(d, "to")) {
            Some(day) => format!("{actor} set access to end on {day}"),
            None => format!("{actor} took away the end date"),
        },
        "client_user.end_noticed" => {
            format!(
                "Portico told {who} that their access ends on {}",
                day(text(d, "ends_on")).unwrap_or_default()
            )
        }
        "client_user.ended" => format!("Access ended on {}", day(text(d, "ends_on")).unwrap_or_default()),
        "client_user.removed" => format!("{actor} removed {who}"),
        other => format!("{actor}: {}", other.replace(['.', '_'], " ")),
    }
}

fn day(iso: &str) -> Option<String> {
    time::Date::parse(iso, time::macros::format_description!("[year]-[month]-[day]")).ok().map(when::date)
}
