//! Leases (`leases`): which node owns a live booking or runs a background
//! pass, for how long, under which fencing token. Times are milliseconds
//! since the epoch on the nodes' clocks (kept in step by NTP: a lease is
//! seconds long, clock skew must stay well under it).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::schema::leases;
use super::DbConn;
use crate::db_run;

/// What an attempt to take a lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This node holds it now, under this token.
    Held(i64),
    /// Another node holds it until its lease lapses.
    Taken { node_id: String, expires_at: i64 },
}

#[derive(QueryableByName)]
struct TokenRow {
    #[diesel(sql_type = BigInt)]
    token: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = leases)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Lease {
    pub name: String,
    pub node_id: String,
    pub token: i64,
    pub expires_at: i64,
}

/// Takes `name` for `node_id` until `now + ttl_ms` if it is free, lapsed or
/// already this node's. A node keeps its token while it holds the lease; a
/// lease taken from another node (or one that lapsed) gets a higher one. A
/// first lease's token is the time in ms, above any token a row deleted
/// earlier could have had.
pub async fn claim(
    conn: &mut DbConn,
    name: &str,
    node_id: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> QueryResult<Claim> {
    const SQL: &str = "INSERT INTO leases (name, node_id, token, expires_at) VALUES ({1}, {2}, {3}, {4}) \
         ON CONFLICT (name) DO UPDATE SET \
           token = CASE WHEN leases.node_id = excluded.node_id AND leases.expires_at > {3} \
                        THEN leases.token ELSE leases.token + 1 END, \
           node_id = excluded.node_id, expires_at = excluded.expires_at \
         WHERE leases.node_id = excluded.node_id OR leases.node_id = '' OR leases.expires_at <= {3} \
         RETURNING token";
    let until = now_ms + ttl_ms;
    let rows: Vec<TokenRow> = match conn {
        DbConn::Pg(c) => {
            // The common cases in one statement: a new lease, or this
            // node's own still running (its token unchanged).
            const FRESH: &str =
                "INSERT INTO leases (name, node_id, token, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at \
                 WHERE leases.node_id = excluded.node_id AND leases.expires_at > $3 \
                 RETURNING token";
            let fresh: Vec<TokenRow> = diesel::sql_query(FRESH)
                .bind::<Text, _>(name)
                .bind::<Text, _>(node_id)
                .bind::<BigInt, _>(now_ms)
                .bind::<BigInt, _>(until)
                .load(&mut **c)
                .await?;
            if let Some(row) = <[TokenRow]>::first(&fresh) {
                return Ok(Claim::Held(row.token));
            }
            match find(conn, name).await? {
                Some(l)
                    if l.node_id != node_id && !l.node_id.is_empty() && l.expires_at > now_ms =>
                {
                    return Ok(Claim::Taken {
                        node_id: l.node_id,
                        expires_at: l.expires_at,
                    })
                }
                _ => {}
            }
            // A takeover (released, lapsed, or this node's own lapsed lease).
            super::transaction(conn, async |conn| {
                let DbConn::Pg(c) = conn else {
                    return Ok(Vec::new());
                };
                // The strongest row lock first: a takeover waits for every
                // journal write whose fence check (for key share) it would
                // invalidate, and those that check after it see it. The
                // owner's renewals (no key update) wait for neither.
                leases::table
                    .find(name)
                    .select(leases::token)
                    .for_update()
                    .first::<i64>(&mut **c)
                    .await
                    .optional()?;
                diesel::sql_query(numbered(SQL, "$"))
                    .bind::<Text, _>(name)
                    .bind::<Text, _>(node_id)
                    .bind::<BigInt, _>(now_ms)
                    .bind::<BigInt, _>(until)
                    .load(&mut **c)
                    .await
            })
            .await?
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query(numbered(SQL, "?"))
                .bind::<Text, _>(name)
                .bind::<Text, _>(node_id)
                .bind::<BigInt, _>(now_ms)
                .bind::<BigInt, _>(until)
                .load(&mut **c)
                .await?
        }
    };
    if let Some(row) = <[TokenRow]>::first(&rows) {
        return Ok(Claim::Held(row.token));
    }
    let holder = find(conn, name).await?;
    Ok(match holder {
        Some(l) => Claim::Taken {
            node_id: l.node_id,
            expires_at: l.expires_at,
        },
        // Released and deleted between the two statements: try again later.
        None => Claim::Taken {
            node_id: String::new(),
            expires_at: now_ms,
        },
    })
}

/// `{n}` placeholders as the backend numbers them (`$n` or `?n`).
fn numbered(sql: &str, prefix: &str) -> String {
    let mut out = sql.to_owned();
    for n in 1..=4 {
        out = out.replace(&format!("{{{n}}}"), &format!("{prefix}{n}"));
    }
    out
}

pub async fn find(conn: &mut DbConn, name: &str) -> QueryResult<Option<Lease>> {
    db_run!(conn, |c| leases::table
        .find(name)
        .select(Lease::as_select())
        .first(c)
        .await
        .optional())
}

/// Renews every lease `node_id` holds until `until_ms`; answers them (name
/// and token), so the node learns which it lost.
pub async fn renew_all(
    conn: &mut DbConn,
    node_id: &str,
    until_ms: i64,
) -> QueryResult<Vec<(String, i64)>> {
    db_run!(conn, |c| diesel::update(
        leases::table.filter(leases::node_id.eq(node_id))
    )
    .set(leases::expires_at.eq(until_ms))
    .returning((leases::name, leases::token))
    .get_results(c)
    .await)
}

/// Gives a lease back (its token stays, so the next holder's is higher).
pub async fn release(
    conn: &mut DbConn,
    name: &str,
    node_id: &str,
    token: i64,
) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        leases::table
            .filter(leases::name.eq(name))
            .filter(leases::node_id.eq(node_id))
            .filter(leases::token.eq(token))
    )
    .set((leases::node_id.eq(""), leases::expires_at.eq(0_i64)))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Whether `node_id` still holds `name` under `token`. On PostgreSQL the row
/// is locked for key share until the transaction ends: a takeover (which
/// locks it for update, see [`claim`]) waits for a write this check let
/// through, while the owner's renewals, which only move `expires_at`, never
/// wait for the journal nor make it wait.
pub async fn holds(conn: &mut DbConn, name: &str, node_id: &str, token: i64) -> QueryResult<bool> {
    let query = leases::table
        .filter(leases::name.eq(name))
        .filter(leases::node_id.eq(node_id))
        .filter(leases::token.eq(token))
        .select(leases::token);
    let found: Option<i64> = match conn {
        DbConn::Pg(c) => query.for_key_share().first(&mut **c).await.optional()?,
        DbConn::Sqlite(c) => query.first(&mut **c).await.optional()?,
    };
    Ok(found.is_some())
}

/// Live leases of bookings (`booking:<id>`) and their nodes.
pub async fn live_bookings(conn: &mut DbConn, now_ms: i64) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<(String, String)> = db_run!(conn, |c| leases::table
        .filter(leases::name.like("booking:%"))
        .filter(leases::node_id.ne(""))
        .filter(leases::expires_at.gt(now_ms))
        .select((leases::name, leases::node_id))
        .load(c)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(name, node)| Some((name.strip_prefix("booking:")?.to_owned(), node)))
        .collect())
}

/// Forgets leases released or lapsed before `before_ms` (their tokens are
/// below any a new row gets: that starts at the time in ms).
pub async fn forget_old(conn: &mut DbConn, before_ms: i64) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::delete(
        leases::table.filter(leases::expires_at.lt(before_ms))
    )
    .execute(c)
    .await)
}
