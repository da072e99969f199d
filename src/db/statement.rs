//! What the statements of `db` do alike: bind the scope that proves a tenant check (provider
//! first, then client: the order their SQL takes them in), tell whether the one row a write aims
//! at changed, and read a page of a list with the size of the whole list.

use sqlx::postgres::{PgArguments, PgQueryResult, PgRow};
use sqlx::{query::Query, query::QueryAs, query::QueryScalar};
use sqlx::{Encode, FromRow, PgPool, Postgres, Type};

use super::scope::{ClientScope, ProviderScope};

/// A statement that takes its parameters one after another.
pub(super) trait Bind<'q>: Sized {
    fn bind_value<T: 'q + Encode<'q, Postgres> + Type<Postgres>>(self, value: T) -> Self;

    /// Binds the scope's ids as the next parameters.
    fn bind_scope(self, scope: impl Scope) -> Self {
        scope.bind_ids(self)
    }
}

macro_rules! bind_for {
    ($(<$($generic:tt),*> $statement:ty;)*) => {$(
        impl<$($generic),*> Bind<'q> for $statement {
            fn bind_value<T: 'q + Encode<'q, Postgres> + Type<Postgres>>(self, value: T) -> Self {
                self.bind(value)
            }
        }
    )*};
}

bind_for! {
    <'q> Query<'q, Postgres, PgArguments>;
    <'q, O> QueryAs<'q, Postgres, O, PgArguments>;
    <'q, O> QueryScalar<'q, Postgres, O, PgArguments>;
}

/// A proof of a tenant check (or a row a scoped lookup read), as the parameters of a statement
/// bounded by it.
pub(super) trait Scope {
    fn bind_ids<'q, S: Bind<'q>>(self, statement: S) -> S;
}

impl Scope for ProviderScope {
    fn bind_ids<'q, S: Bind<'q>>(self, statement: S) -> S {
        statement.bind_value(self.id())
    }
}

impl Scope for ClientScope {
    fn bind_ids<'q, S: Bind<'q>>(self, statement: S) -> S {
        statement.bind_value(self.provider()).bind_value(self.client())
    }
}

/// A scope and the key of one row inside it: what a write of that row is bounded by.
impl<S: Scope, K> Scope for (S, K)
where
    K: 'static + for<'a> Encode<'a, Postgres> + Type<Postgres>,
{
    fn bind_ids<'q, Q: Bind<'q>>(self, statement: Q) -> Q {
        statement.bind_scope(self.0).bind_value(self.1)
    }
}

/// Whether a write changed a row, as the one it aims at (by its key) did.
pub(super) fn changed_one(done: PgQueryResult) -> bool {
    done.rows_affected() == 1
}

/// A page of a list and how many rows the whole list has: `rows` and `total` are the same
/// filter's statements, with the filter bound, and `rows` takes `limit` and `offset` last.
pub(super) async fn page_and_total<'q, T>(
    db: &PgPool,
    rows: QueryAs<'q, Postgres, T, PgArguments>,
    total: QueryScalar<'q, Postgres, i64, PgArguments>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<T>, i64)>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let rows = rows.bind(limit).bind(offset).fetch_all(db).await?;
    Ok((rows, total.fetch_one(db).await?))
}
