//! Proof that a tenant check was made. Each value here is made only inside `db`, by the query
//! that checks it, and the functions that read or change a client's data take one instead of a
//! bare id: a handler that skipped the check does not compile.
//!
//! - [`ProviderScope`]: a provider the asker belongs to (from a staff member's sign-in, a client's
//!   scope, an invitation read by its token, or a provider just created).
//! - [`ClientScope`]: a client of a provider that the asker may work with. From a `ClientRow` of
//!   `db::clients` (every query that returns one filters by the provider, and by assignment for a
//!   staff USER) or from a client user's sign-in (`ClientIdentity::scopes` in `db::identity`).
//! - [`CompanyScope`]: the companies a client user may see (from their sign-in, or a part of it),
//!   or all of a client's for what staff show of it (`clients::company_scope`).
//!
//! Rows that a scoped lookup returned and that writes take keep what the lookup read in a
//! private field, and the writes are bounded by that, not by the public fields: a `ClientRow`
//! its `ClientScope`, a `MemberRow` its client and id, an `InvitationRow` its provider, client
//! and id. None can be made outside its module, and changing its public fields moves no write.

use crate::domain::{ClientId, CompanyId, ProviderId};

/// A provider (tenant) the asker was found to belong to: from a staff member's or client user's
/// sign-in, a provider just created, or an invitation read by its token. Every provider-wide
/// read and write takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderScope(ProviderId);

impl ProviderScope {
    pub(in crate::db) fn checked(provider: ProviderId) -> Self {
        Self(provider)
    }

    pub fn id(self) -> ProviderId {
        self.0
    }
}

/// A client of a provider that the asker was found to be allowed to work with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientScope {
    provider: ProviderId,
    client: ClientId,
}

impl ClientScope {
    pub(in crate::db) fn checked(provider: ProviderId, client: ClientId) -> Self {
        Self { provider, client }
    }

    pub fn provider(self) -> ProviderId {
        self.provider
    }

    /// The client's provider, which the check proved too.
    pub fn provider_scope(self) -> ProviderScope {
        ProviderScope(self.provider)
    }

    pub fn client(self) -> ClientId {
        self.client
    }
}

/// Companies of one client that a client user may see; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyScope(Vec<CompanyId>);

impl CompanyScope {
    pub(in crate::db) fn checked(companies: Vec<CompanyId>) -> Option<Self> {
        (!companies.is_empty()).then_some(Self(companies))
    }

    pub fn ids(&self) -> &[CompanyId] {
        &self.0
    }

    pub fn contains(&self, company: CompanyId) -> bool {
        self.0.contains(&company)
    }

    /// Only `company`, if it lies inside this scope (a filter on a portal page).
    pub fn narrowed_to(&self, company: CompanyId) -> Option<Self> {
        self.contains(company).then(|| Self(vec![company]))
    }
}
