//! The Client Users tab: client memberships and open client invitations as one list, and the
//! changes its three-dot menu makes.

use sqlx::{PgExecutor, PgPool};
use time::{Date, OffsetDateTime};

use super::invitations::InvitationRow;
use super::outbox::OutboxState;
use super::scope::{ClientScope, ProviderScope};
use super::statement::{changed_one, Bind};
use crate::domain::{
    ClientId, ClientKind, ClientRole, CompanyId, InvitationId, MembershipId, TokenHash, UserId,
};

/// One row of the tab: a member (`Active`) or an invitation (`Invited`, `Expired`, `Declined`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClientUserRow {
    pub is_invitation: bool,
    /// The membership id or the invitation id.
    pub row_id: uuid::Uuid,
    /// Where the row sits in the list's order (see [`Cursor`]).
    pub sort_key: String,
    pub client_id: ClientId,
    pub client_name: String,
    pub user_id: Option<UserId>,
    pub email: String,
    pub name: String,
    pub role: ClientRole,
    pub kind: ClientKind,
    pub status: RowStatus,
    pub invited_by: Option<String>,
    pub last_activity: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub companies: Vec<String>,
    pub delivery_state: Option<OutboxState>,
    pub delivery_error: Option<String>,
    /// The day access ends (or ended, for `Ended`), when staff gave one.
    pub ends_on: Option<Date>,
}

/// Where a row of the tab stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RowStatus {
    Active,
    Invited,
    Expired,
    Declined,
    /// A membership whose end date came: it grants nothing, and the row says when it ended.
    Ended,
}

impl RowStatus {
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Active => "Active",
            RowStatus::Invited => "Invited",
            RowStatus::Expired => "Expired",
            RowStatus::Declined => "Declined",
            RowStatus::Ended => "Ended",
        }
    }

    pub fn is_invited(self) -> bool {
        self == RowStatus::Invited
    }
}

/// What to list: one client, or every visible client; for a Client Admin, only the people whose
/// whole scope lies inside `within`.
pub struct Listing<'a> {
    pub provider: ProviderScope,
    pub client: Option<ClientScope>,
    /// A staff USER sees only their assigned clients.
    pub assigned_to: Option<UserId>,
    pub within: Option<&'a [CompanyId]>,
    pub search: &'a str,
    pub limit: i64,
    pub from: Start,
}

/// Where a page starts. A cursor (the sort key and id of a row next to the page) makes page 200
/// cost what page 1 does; a bare page number (an old link) still works, by counting rows off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    Offset(i64),
    After(Cursor),
    Before(Cursor),
}

/// A row's place in the list's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub sort_key: String,
    pub row_id: uuid::Uuid,
}

/// The statement that lists the rows in page order, as (kind, id, sort key) only, for one
/// listing: each branch walks its (provider, client, sort key, id) or (provider, sort key, id)
/// index and stops after `rows`.
///
/// Only the filters that apply are written, and the ids in them as literals (typed ids, so
/// nothing but hex and dashes); the search text and the cursor are the only parameters ($1 the
/// search when there is one, then the cursor). The pool plans a statement once for any
/// arguments (see `startup::connect`), and this one's best plan depends on them: one client has
/// ten thousand people and the next twenty, and a plan for "a typical client" (or for a filter
/// of unknown selectivity) sorts the ten thousand instead of walking the index.
fn keys(q: &Listing<'_>, search: Option<Search>, from: &Start, rows: i64) -> String {
    let searching = search.is_some();
    let provider = q.provider.id();
    let mut common = Vec::new();
    if let Some(client) = q.client {
        common.push(format!("{{t}}.client_id = '{}'::uuid", client.client()));
    }
    if let Some(user) = q.assigned_to {
        common.push(format!(
            "EXISTS (SELECT 1 FROM staff_assignments a WHERE a.client_id = {{t}}.client_id AND a.user_id = '{user}'::uuid)"
        ));
    }
    let within = q.within.map(|w| {
        let ids: Vec<String> = w.iter().map(CompanyId::to_string).collect();
        format!("'{{{}}}'::uuid[]", ids.join(","))
    });
    // The search text is stored lower-cased, so a plain LIKE of the lower-cased pattern does what
    // ILIKE would without folding the case of every row; the sub-select lower-cases the pattern
    // once, as the stored text was (by PostgreSQL, not by Rust's rules).
    match search {
        None => {}
        // The trigram index (migration `20261201000003`) can use this form.
        Some(Search::Trigrams) => common.push("{t}.search_text LIKE (SELECT lower($1))".into()),
        // This one it cannot, on purpose (see [`Search`]).
        Some(Search::Walk) => common.push("({t}.search_text || '') LIKE (SELECT lower($1))".into()),
    }
    let (cmp, dir) = match from {
        Start::Offset(_) => (None, "ASC"),
        Start::After(_) => (Some(">"), "ASC"),
        Start::Before(_) => (Some("<"), "DESC"),
    };
    if let Some(cmp) = cmp {
        let (k, i) = if searching { (2, 3) } else { (1, 2) };
        common.push(format!("({{t}}.sort_key, {{t}}.id) {cmp} (${k}::text, ${i}::uuid)"));
    }
    // A trigram search inside one client must go through the trigram index, which holds the
    // client id too. Its cost, as the planner guesses it for a pattern it cannot see, is close to
    // that of walking the client's page-order index, and one ANALYZE can tip the choice to the
    // walk: every one of Mega Client's 4,000 invitations tested against the pattern, 7 ms instead
    // of about 1. Written so, the provider filter still holds but no index can start from it, so
    // the page-order indexes (which begin with the provider id) are out of the running.
    let provider_filter = if search == Some(Search::Trigrams) && q.client.is_some() {
        format!("({{t}}.provider_id = '{provider}'::uuid) IS TRUE")
    } else {
        format!("{{t}}.provider_id = '{provider}'::uuid")
    };
    let branch = |t: &str, select: &str, table: &str, extra: &str, scope_table: &str, scope_key: &str| {
        let mut conditions = vec![provider_filter.replace("{t}", t)];
        if !extra.is_empty() {
            conditions.push(extra.to_string());
        }
        conditions.extend(common.iter().map(|c| c.replace("{t}", t)));
        if let Some(w) = &within {
            conditions.push(format!(
                "NOT EXISTS (SELECT 1 FROM {scope_table} s WHERE s.{scope_key} = {t}.id AND s.company_id <> ALL({w}))"
            ));
        }
        // A trigram search sorts what the trigram index found: ordered by the bare sort key, the
        // planner may instead walk the page-order index and test every row of the client against
        // the pattern (15 ms for a name among 10,000 people, against 1 ms), as its guess of how
        // many rows match cannot see the pattern.
        let order = if search == Some(Search::Trigrams) { "|| ''" } else { "" };
        format!(
            "(SELECT {select} FROM {table} {t} WHERE {} ORDER BY {t}.sort_key {order} {dir}, {t}.id {dir} LIMIT {rows})",
            conditions.join(" AND ")
        )
    };
    format!(
        "{}\n  UNION ALL\n{}",
        branch(
            "m",
            "false AS is_invitation, m.id AS row_id, m.sort_key",
            "client_memberships",
            "",
            "client_membership_companies",
            "membership_id"
        ),
        branch(
            "i",
            "true, i.id, i.sort_key",
            "invitations",
            "i.client_id IS NOT NULL AND i.status IN ('PENDING', 'DECLINED')",
            "invitation_companies",
            "invitation_id"
        ),
    )
}

/// How a search finds its rows. The trigram index narrows a search to the rows that share its
/// trigrams; a pattern without one (no three letters or digits in a row, such as "zz" or "a b")
/// would make it read every entry it has (0.8 s for "zz" over a million people), so such a search
/// walks the listing's own rows in page order instead (19 ms for "zz" on a 10,000-person client)
/// and stops once a page has matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    Trigrams,
    Walk,
}

impl Search {
    /// How to search for `text` (`None`: no search).
    pub fn of(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        // pg_trgm makes trigrams of each run of letters and digits.
        let has_trigram = text.split(|c: char| !c.is_alphanumeric()).any(|run| run.chars().count() >= 3);
        Some(if has_trigram { Self::Trigrams } else { Self::Walk })
    }
}

/// Counting stops here: past it a list says "more than" instead of counting every row.
pub const COUNT_CAP: i64 = 1000;

/// One page of the list in name order, whether more lies on either side, and how many rows the
/// whole list has (`None`: more than [`COUNT_CAP`]).
pub struct Page {
    pub rows: Vec<ClientUserRow>,
    pub total: Option<i64>,
    pub has_prev: bool,
    pub has_next: bool,
}

pub async fn page(db: &PgPool, q: Listing<'_>) -> sqlx::Result<Page> {
    let pattern = super::like_pattern(q.search);
    let search = Search::of(q.search);
    let (offset, cursor, backwards) = match &q.from {
        Start::Offset(n) => (*n, None, false),
        Start::After(c) => (0, Some(c), false),
        Start::Before(c) => (0, Some(c), true),
    };
    let dir = if backwards { "DESC" } else { "ASC" };
    let limit = q.limit + 1;
    let first_of_search =
        search == Some(Search::Trigrams) && q.from == Start::Offset(0) && limit <= COUNT_CAP;
    let (mut shown, counted) = if first_of_search {
        first_page_of_search(db, &q, &pattern, limit).await?
    } else {
        // The page's keys, and the (capped) count beside them on a second connection: neither waits
        // for the other, and the rows' details wait only for the keys. Each statement is made for
        // this listing (see `keys`). Planning one takes longer than running it, so it is kept like
        // any other statement (each connection keeps its most recent statements); only a counted-off
        // page (an old link with a page number) is planned and dropped, so page numbers do not crowd
        // the cache.
        let count_sql = format!(
            "SELECT count(*) FROM (SELECT 1 FROM ({keys}) c LIMIT {cap}) c",
            keys = keys(&q, search, &Start::Offset(0), COUNT_CAP + 1),
            cap = COUNT_CAP + 1,
        );
        let keys_sql = format!(
            "SELECT is_invitation, row_id, sort_key FROM ({keys}) k
             ORDER BY sort_key {dir}, row_id {dir} LIMIT {limit} OFFSET {offset}",
            keys = keys(&q, search, &q.from, limit + offset),
        );
        let mut query = sqlx::query_as(&keys_sql).persistent(offset == 0);
        let mut count = sqlx::query_scalar(&count_sql);
        if search.is_some() {
            query = query.bind(&pattern);
            count = count.bind(&pattern);
        }
        if let Some(c) = cursor {
            query = query.bind(c.sort_key.as_str()).bind(c.row_id);
        }
        tokio::try_join!(query.fetch_all(db), count.fetch_one(db))?
    };
    if backwards {
        shown.reverse();
    }
    // One row more than a page says whether the list goes on in the direction read.
    let more = shown.len() as i64 > q.limit;
    if more {
        if backwards {
            shown.remove(0);
        } else {
            shown.pop();
        }
    }
    let (has_prev, has_next) = match q.from {
        Start::Offset(n) => (n > 0, more),
        Start::After(_) => (true, more),
        Start::Before(_) => (more, true),
    };
    let rows = details(db, q.provider, &shown).await?;
    Ok(Page { rows, total: (counted <= COUNT_CAP).then_some(counted), has_prev, has_next })
}

/// The first page of a trigram search and its capped count, from one statement that searches
/// the trigram index once, where the page's keys and the count would each search it. Each branch
/// keeps its first [`COUNT_CAP`] + 1 matches in page order, so the first page among them is the
/// first page of all.
async fn first_page_of_search(
    db: &PgPool,
    q: &Listing<'_>,
    pattern: &str,
    limit: i64,
) -> sqlx::Result<(Vec<(bool, uuid::Uuid, String)>, i64)> {
    let sql = format!(
        "WITH hits AS MATERIALIZED ({keys})
         SELECT h.is_invitation, h.row_id, h.sort_key, c.total
         FROM (SELECT count(*) AS total FROM (SELECT 1 FROM hits LIMIT {cap}) x) c
         LEFT JOIN LATERAL (SELECT * FROM hits ORDER BY sort_key ASC, row_id ASC LIMIT {limit}) h ON true",
        keys = keys(q, Some(Search::Trigrams), &Start::Offset(0), COUNT_CAP + 1),
        cap = COUNT_CAP + 1,
    );
    // (kind, id, sort key) of a match, or nulls when nothing matched, beside the count.
    type Found = (Option<bool>, Option<uuid::Uuid>, Option<String>, i64);
    let found: Vec<Found> = sqlx::query_as(&sql).bind(pattern).fetch_all(db).await?;
    let counted = found.first().map_or(0, |row| row.3);
    // No match leaves one row of nulls beside the count of nought.
    let shown = found.into_iter().filter_map(|(kind, id, key, _)| Some((kind?, id?, key?))).collect();
    Ok((shown, counted))
}

/// Everything a row shows, for the rows of one page, in the order given.
async fn details(
    db: &PgPool,
    provider: ProviderScope,
    keys: &[(bool, uuid::Uuid, String)],
) -> sqlx::Result<Vec<ClientUserRow>> {
    let kinds: Vec<bool> = keys.iter().map(|k| k.0).collect();
    let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.1).collect();
    let sort_keys: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
    sqlx::query_as(
        "WITH detailed AS (
            SELECT p.ord, p.is_invitation, p.row_id, p.sort_key,
                   coalesce(m.client_id, i.client_id) AS client_id,
                   u.id AS user_id,
                   coalesce(u.email, i.email) AS email,
                   CASE WHEN p.is_invitation
                        THEN CASE WHEN i.first_name IS NOT NULL AND i.last_name IS NOT NULL
                                  THEN i.first_name || ' ' || i.last_name ELSE i.display_name END
                        ELSE CASE WHEN u.first_name IS NOT NULL AND u.last_name IS NOT NULL
                                  THEN u.first_name || ' ' || u.last_name ELSE u.display_name END
                   END AS name,
                   coalesce(m.role, i.client_role) AS role,
                   coalesce(m.kind, i.kind) AS kind,
                   CASE WHEN NOT p.is_invitation AND m.ended_at IS NOT NULL THEN 'ENDED'
                        WHEN NOT p.is_invitation THEN 'ACTIVE'
                        WHEN i.status = 'DECLINED' THEN 'DECLINED'
                        WHEN i.expires_at <= now() THEN 'EXPIRED' ELSE 'INVITED' END AS status,
                   coalesce(m.invited_by, i.invited_by) AS inviter_id,
                   CASE WHEN p.is_invitation THEN i.last_sent_at ELSE u.last_seen_at END AS last_activity,
                   i.expires_at, coalesce(m.ends_on, i.ends_on) AS ends_on,
                   CASE WHEN p.is_invitation
                        THEN array(SELECT s.company_id FROM invitation_companies s WHERE s.invitation_id = p.row_id)
                        ELSE array(SELECT s.company_id FROM client_membership_companies s WHERE s.membership_id = p.row_id)
                   END AS scope
            FROM unnest($2::bool[], $3::uuid[], $4::text[]) WITH ORDINALITY AS p(is_invitation, row_id, sort_key, ord)
            LEFT JOIN client_memberships m ON NOT p.is_invitation AND m.id = p.row_id AND m.provider_id = $1
            LEFT JOIN users u ON u.id = m.user_id
            LEFT JOIN invitations i ON p.is_invitation AND i.id = p.row_id AND i.provider_id = $1
        )
        SELECT d.is_invitation, d.row_id, d.sort_key, d.client_id, c.name AS client_name, d.user_id, d.email,
               coalesce(d.name, '') AS name, d.role, d.kind, d.status,
               nullif(coalesce(nullif(inv.display_name, ''), inv.email), '') AS invited_by,
               d.last_activity, d.expires_at,
               array(SELECT co.name FROM companies co WHERE co.id = ANY(d.scope) ORDER BY lower(co.name)) AS companies,
               coalesce(di.state, du.state) AS delivery_state,
               coalesce(di.last_error, du.last_error) AS delivery_error, d.ends_on
        FROM detailed d
        JOIN clients c ON c.id = d.client_id
        LEFT JOIN users inv ON inv.id = d.inviter_id
        LEFT JOIN LATERAL (
            SELECT o.state, o.last_error FROM email_outbox o
            WHERE d.is_invitation AND o.invitation_id = d.row_id
              AND o.kind IN ('invitation', 'invitation_reminder')
            ORDER BY o.created_at DESC LIMIT 1
        ) di ON true
        LEFT JOIN LATERAL (
            SELECT o.state, o.last_error FROM email_outbox o
            WHERE NOT d.is_invitation AND o.user_id = d.user_id AND o.provider_id = $1
            ORDER BY o.created_at DESC LIMIT 1
        ) du ON true
        ORDER BY d.ord",
    )
    .bind_scope(provider)
    .bind(&kinds)
    .bind(&ids)
    .bind(&sort_keys)
    .fetch_all(db)
    .await
}

/// A client membership as the menu actions need it, found by [`member`] in a client the asker
/// may work with; the writes below take it (and only [`member`] makes one).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub id: MembershipId,
    pub client_id: ClientId,
    pub user_id: UserId,
    pub email: String,
    pub role: ClientRole,
    pub scope: Vec<CompanyId>,
    pub ends_on: Option<Date>,
    /// Its end date came: only Remove (which clears the row) still applies.
    pub ended: bool,
    /// The client it was found in (by [`member`]) and its id as read: writes are bounded by
    /// these, whatever is later done to the public fields.
    #[sqlx(skip)]
    read: Option<(ClientScope, MembershipId)>,
}

impl MemberRow {
    fn key(&self) -> sqlx::Result<(ClientScope, MembershipId)> {
        self.read.ok_or(sqlx::Error::RowNotFound)
    }

    /// The client the membership was found in.
    pub fn read_scope(&self) -> sqlx::Result<ClientScope> {
        Ok(self.key()?.0)
    }
}

pub async fn member(
    db: impl PgExecutor<'_>,
    client: ClientScope,
    id: MembershipId,
) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as(
        "SELECT m.id, m.client_id, m.user_id, u.email, m.role,
                array(SELECT s.company_id FROM client_membership_companies s WHERE s.membership_id = m.id) AS scope,
                m.ends_on, m.ended_at IS NOT NULL AS ended
         FROM client_memberships m JOIN users u ON u.id = m.user_id
         WHERE m.provider_id = $1 AND m.client_id = $2 AND m.id = $3",
    )
    .bind_scope((client, id))
    .fetch_optional(db)
    .await
    .map(|row| row.map(|row: MemberRow| MemberRow { read: Some((client, row.id)), ..row }))
}

pub async fn set_member_role(
    db: impl PgExecutor<'_>,
    member: &MemberRow,
    role: ClientRole,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE client_memberships SET role = $4 WHERE provider_id = $1 AND client_id = $2 AND id = $3",
    )
    .bind_scope(member.key()?)
    .bind(role)
    .execute(db)
    .await?;
    Ok(())
}

/// Gives an active membership an end date, moves it, or (`None`) takes it away. A new day is
/// told to the person again a week before it.
pub async fn set_member_end(
    db: impl PgExecutor<'_>,
    member: &MemberRow,
    ends_on: Option<Date>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE client_memberships SET ends_on = $4
         WHERE provider_id = $1 AND client_id = $2 AND id = $3 AND ended_at IS NULL",
    )
    .bind_scope(member.key()?)
    .bind(ends_on)
    .execute(db)
    .await
    .map(changed_one)
}

/// Whose company scope a write replaces: the two tables differ only in the holder's column.
enum ScopeHolder {
    Membership(MembershipId),
    Invitation(InvitationId),
}

const REPLACE_MEMBERSHIP_SCOPE: &str = "WITH dropped AS (DELETE FROM client_membership_companies
                          WHERE membership_id = $1 AND client_id = $2 AND company_id <> ALL($3::uuid[]))
         INSERT INTO client_membership_companies (membership_id, client_id, company_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING";

const REPLACE_INVITATION_SCOPE: &str = "WITH dropped AS (DELETE FROM invitation_companies
                          WHERE invitation_id = $1 AND client_id = $2 AND company_id <> ALL($3::uuid[]))
         INSERT INTO invitation_companies (invitation_id, client_id, company_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING";

/// Replaces a scope in one statement: the companies no longer in it go, the new ones come, and
/// those kept stay as they are. The composite key (holder, client) keeps it inside the client read.
async fn replace_scope(
    db: impl PgExecutor<'_>,
    holder: ScopeHolder,
    client: ClientId,
    companies: &[CompanyId],
) -> sqlx::Result<()> {
    let statement = match holder {
        ScopeHolder::Membership(id) => sqlx::query(REPLACE_MEMBERSHIP_SCOPE).bind(id),
        ScopeHolder::Invitation(id) => sqlx::query(REPLACE_INVITATION_SCOPE).bind(id),
    };
    statement.bind(client).bind(companies).execute(db).await?;
    Ok(())
}

pub async fn set_member_scope(
    db: impl PgExecutor<'_>,
    member: &MemberRow,
    companies: &[CompanyId],
) -> sqlx::Result<()> {
    let (scope, id) = member.key()?;
    replace_scope(db, ScopeHolder::Membership(id), scope.client(), companies).await
}

pub async fn remove_member(db: impl PgExecutor<'_>, member: &MemberRow) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM client_memberships WHERE provider_id = $1 AND client_id = $2 AND id = $3")
        .bind_scope(member.key()?)
        .execute(db)
        .await
        .map(changed_one)
}

pub async fn set_invitation_role(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
    role: ClientRole,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET client_role = $3
         WHERE provider_id = $1 AND id = $2 AND status IN ('PENDING', 'DECLINED')",
    )
    .bind_scope(invitation.row()?)
    .bind(role)
    .execute(db)
    .await
    .map(changed_one)
}

/// A staff invitation has no scope: nothing is written.
pub async fn set_invitation_scope(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
    companies: &[CompanyId],
) -> sqlx::Result<()> {
    let (_, Some(client), id) = invitation.key()? else {
        return Ok(());
    };
    replace_scope(db, ScopeHolder::Invitation(id), client, companies).await
}

/// Points a pending invitation at a corrected address with a new token and window.
pub async fn readdress_invitation(
    db: impl PgExecutor<'_>,
    invitation: &InvitationRow,
    email: &str,
    hash: &TokenHash,
    ttl_days: i64,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE invitations SET email = $3, token_hash = $4,
                expires_at = $6::timestamptz + make_interval(days => $5), last_sent_at = $6,
                send_count = send_count + 1, reminder_stage = 0, expiry_noticed_at = NULL
         WHERE provider_id = $1 AND id = $2 AND status = 'PENDING'",
    )
    .bind_scope(invitation.row()?)
    .bind(email)
    .bind(hash)
    .bind(ttl_days as i32)
    .bind(now)
    .execute(db)
    .await
    .map(changed_one)
}

/// Where an existing member of the provider can be found: their client row, or the staff list.
pub async fn locate_member(
    db: impl PgExecutor<'_>,
    provider: ProviderScope,
    user: UserId,
) -> sqlx::Result<Option<(ClientId, MembershipId)>> {
    sqlx::query_as(
        "SELECT client_id, id FROM client_memberships
         WHERE provider_id = $1 AND user_id = $2 AND client_membership_in_force(ended_at, ends_on)
         ORDER BY created_at LIMIT 1",
    )
    .bind_scope(provider)
    .bind(user)
    .fetch_optional(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::Search;

    #[test]
    fn a_search_uses_the_trigram_index_only_when_it_has_a_trigram() {
        assert_eq!(Search::of("  "), None);
        assert_eq!(Search::of("member42"), Some(Search::Trigrams));
        assert_eq!(Search::of("j.smith@"), Some(Search::Trigrams));
        assert_eq!(Search::of("Zoë"), Some(Search::Trigrams));
        assert_eq!(Search::of("zz"), Some(Search::Walk));
        assert_eq!(Search::of("a b.c"), Some(Search::Walk));
        assert_eq!(Search::of("@."), Some(Search::Walk));
    }
}
