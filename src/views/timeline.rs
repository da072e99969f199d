//! A row's timeline in sentences: what happened to one person's invitations and membership,
//! newest first, from the audit log and the emails sent to them.

use time::OffsetDateTime;

use crate::db::audit::{Event, Names};
use crate::db::outbox::{OutboxState, TimelineEmail};
use crate::views::events::sentence;
use crate::views::when::{moment, Moment};

pub struct Line {
    pub at: Moment,
    pub text: String,
    /// Something went wrong here (an email that failed).
    pub alert: bool,
}

/// The lines of a timeline, newest first, with the names its events refer to.
pub fn lines(events: &[Event], emails: &[TimelineEmail], names: &Names) -> Vec<Line> {
    let mut all: Vec<(OffsetDateTime, Line)> = Vec::new();
    for e in events {
        all.push((e.created_at, Line { at: moment(e.created_at), text: sentence(e, names), alert: false }));
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
