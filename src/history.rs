//! A person's history in one place (a client, or the provider's staff), for the timeline on their
//! row: the events of their invitations and membership, and the emails sent to them. Callers
//! pass a row a checked lookup found (`client_access::member_for`, `invitation_for`, or the
//! staff list's own), so a timeline is never wider than the row.

use crate::client_access::Manager;
use crate::db;
use crate::db::audit::TimelineOf;
use crate::db::client_users::MemberRow;
use crate::db::invitations::InvitationRow;
use crate::db::scope::{ClientScope, ProviderScope};
use crate::domain::{CompanyId, InvitationId, MembershipId, UserId};
use crate::error::AppResult;
use crate::state::AppState;
use crate::views::events;
use crate::views::timeline::{self, Line};

/// Events and emails shown at most: a long history shows its newest.
const LIMIT: i64 = 200;

pub async fn of_member(state: &AppState, manager: Manager<'_>, member: &MemberRow) -> AppResult<Vec<Line>> {
    let provider = manager.provider();
    let client = Some(member.client_id);
    let invitations =
        db::invitations::ids_for_person(&state.db, provider, client, &member.email, Some(member.user_id))
            .await?;
    let person =
        Person { invitations: &invitations, membership: Some(member.id), user: Some(member.user_id) };
    gather(state, provider, Some((manager, member.read_scope()?)), &member.email, person).await
}

/// A client invitation's row (`manager` set), or a staff invitation's (`None`).
pub async fn of_invitation(
    state: &AppState,
    manager: Option<(Manager<'_>, ClientScope)>,
    row: &InvitationRow,
) -> AppResult<Vec<Line>> {
    let provider = row.provider_scope()?;
    let invitations =
        db::invitations::ids_for_person(&state.db, provider, row.client_id, &row.email, None).await?;
    let person = Person { invitations: &invitations, membership: None, user: None };
    gather(state, provider, manager, &row.email, person).await
}

struct Person<'a> {
    invitations: &'a [InvitationId],
    membership: Option<MembershipId>,
    user: Option<UserId>,
}

async fn gather(
    state: &AppState,
    provider: ProviderScope,
    place: Option<(Manager<'_>, ClientScope)>,
    email: &str,
    person: Person<'_>,
) -> AppResult<Vec<Line>> {
    let of = TimelineOf {
        provider,
        invitations: person.invitations,
        membership: person.membership,
        email,
        client: place.map(|(_, c)| c.client()),
    };
    let events = db::audit::timeline(&state.db, &of, LIMIT).await?;
    let emails =
        db::outbox::of_timeline(&state.db, provider, person.invitations, person.user, email, LIMIT).await?;
    let (clients, companies, users) = events::referenced(&events);
    let mut names = db::audit::names(&state.db, provider, &clients, &companies, &users).await?;
    // A Client Admin reads only the company names inside their own scope.
    if let Some((manager @ Manager::ClientAdmin(_), _)) = place {
        names.companies.retain(|id, _| id.parse().is_ok_and(|id: CompanyId| manager.may_grant(&[id])));
    }
    Ok(timeline::lines(&events, &emails, &names))
}
