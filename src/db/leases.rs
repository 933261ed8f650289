//! Leases (`leases`): which node owns a live booking or runs a background
//! pass, for how long, under which fencing token. Times are milliseconds
//! since the epoch on the nodes' clocks (kept in step by NTP: a lease is
//! seconds long, clock skew must stay well under it).
//!
//! Three kinds of rows, by name:
//! - `node:<id>`: a node is alive until `expires_at` (it renews this one row);
//! - `booking:<id>`: which node owns a live booking, under which token. It
//!   holds as long as that node's own row does, so a node keeps thousands of
//!   bookings by renewing one row; `expires_at` is when it was taken;
//! - `job:<name>`: a background pass, with its own expiry.

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

/// The row that keeps a node alive (and with it the bookings it holds).
pub fn node_lease(node_id: &str) -> String {
    format!("node:{node_id}")
}

/// Takes a job's lease `name` for `node_id` until `now + ttl_ms` if it is
/// free, lapsed or already this node's. A node keeps its token while it
/// holds the lease; a lease taken from another node (or one that lapsed)
/// gets a higher one. A first lease's token is the time in ms, above any
/// token a row deleted earlier could have had.
pub async fn claim(
    conn: &mut DbConn,
    name: &str,
    node_id: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> QueryResult<Claim> {
    // The common cases in one statement: a new lease, or this node's own
    // still running (its token unchanged).
    const FRESH: &str =
        "INSERT INTO leases (name, node_id, token, expires_at) VALUES ({1}, {2}, {3}, {4}) \
         ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at \
         WHERE leases.node_id = excluded.node_id AND leases.expires_at > {3} \
         RETURNING token";
    const TAKE: &str = "INSERT INTO leases (name, node_id, token, expires_at) VALUES ({1}, {2}, {3}, {4}) \
         ON CONFLICT (name) DO UPDATE SET \
           token = CASE WHEN leases.node_id = excluded.node_id AND leases.expires_at > {3} \
                        THEN leases.token ELSE leases.token + 1 END, \
           node_id = excluded.node_id, expires_at = excluded.expires_at \
         WHERE leases.node_id = excluded.node_id OR leases.node_id = '' OR leases.expires_at <= {3} \
         RETURNING token";
    take(
        conn,
        [FRESH, TAKE],
        name,
        node_id,
        now_ms,
        now_ms + ttl_ms,
        false,
    )
    .await
}

/// Takes booking lease `name` for `node_id` if it is free, already this
/// node's, or held by a node whose own row lapsed. It then holds for as long
/// as this node renews its row ([`renew_node`]). Tokens as in [`claim`].
pub async fn claim_booking(
    conn: &mut DbConn,
    name: &str,
    node_id: &str,
    now_ms: i64,
) -> QueryResult<Claim> {
    const FRESH: &str =
        "INSERT INTO leases (name, node_id, token, expires_at) VALUES ({1}, {2}, {3}, {4}) \
         ON CONFLICT (name) DO UPDATE SET expires_at = leases.expires_at \
         WHERE leases.node_id = excluded.node_id \
         RETURNING token";
    const TAKE: &str = "INSERT INTO leases (name, node_id, token, expires_at) VALUES ({1}, {2}, {3}, {4}) \
         ON CONFLICT (name) DO UPDATE SET \
           token = CASE WHEN leases.node_id = excluded.node_id THEN leases.token ELSE leases.token + 1 END, \
           node_id = excluded.node_id, expires_at = excluded.expires_at \
         WHERE leases.node_id = excluded.node_id OR leases.node_id = '' \
            OR NOT EXISTS (SELECT 1 FROM leases n WHERE n.name = 'node:' || leases.node_id AND n.expires_at > {3}) \
         RETURNING token";
    take(conn, [FRESH, TAKE], name, node_id, now_ms, now_ms, true).await
}

/// The claim itself: `fresh` (new, or this node's), else another node's
/// running hold, else `take` over in a transaction that first locks the row
/// for update on PostgreSQL. That lock waits for every journal write whose
/// fence check (for key share) the takeover would invalidate, and checks
/// after it see it; renewals (no key update) wait for neither.
async fn take(
    conn: &mut DbConn,
    [fresh, take]: [&str; 2],
    name: &str,
    node_id: &str,
    now_ms: i64,
    at_ms: i64,
    booking: bool,
) -> QueryResult<Claim> {
    if let Some(row) = tokens(conn, fresh, name, node_id, now_ms, at_ms)
        .await?
        .into_iter()
        .next()
    {
        return Ok(Claim::Held(row.token));
    }
    if let Some(taken) = holder(conn, name, node_id, now_ms, booking).await? {
        return Ok(taken);
    }
    let rows = super::transaction(conn, async |conn| {
        if let DbConn::Pg(c) = conn {
            leases::table
                .find(name)
                .select(leases::token)
                .for_update()
                .first::<i64>(&mut **c)
                .await
                .optional()?;
        }
        tokens(conn, take, name, node_id, now_ms, at_ms).await
    })
    .await?;
    if let Some(row) = rows.into_iter().next() {
        return Ok(Claim::Held(row.token));
    }
    // Taken by another node in between, or released and deleted: the
    // caller tries again later.
    Ok(holder(conn, name, node_id, now_ms, booking)
        .await?
        .unwrap_or(Claim::Taken {
            node_id: String::new(),
            expires_at: now_ms,
        }))
}

/// Another node's running hold on `name`, if any (a booking's runs as long
/// as its node's row).
async fn holder(
    conn: &mut DbConn,
    name: &str,
    node_id: &str,
    now_ms: i64,
    booking: bool,
) -> QueryResult<Option<Claim>> {
    let Some(lease) = find(conn, name).await? else {
        return Ok(None);
    };
    if lease.node_id.is_empty() || lease.node_id == node_id {
        return Ok(None);
    }
    let until = if booking {
        find(conn, &node_lease(&lease.node_id))
            .await?
            .map_or(0, |n| n.expires_at)
    } else {
        lease.expires_at
    };
    Ok((until > now_ms).then_some(Claim::Taken {
        node_id: lease.node_id,
        expires_at: until,
    }))
}

/// Keeps `node_id` (and every booking it holds) alive until `until_ms`. True
/// when its row had lapsed or was new: other nodes may have taken its
/// bookings meanwhile.
pub async fn renew_node(
    conn: &mut DbConn,
    node_id: &str,
    now_ms: i64,
    until_ms: i64,
) -> QueryResult<bool> {
    const RENEW: &str = "UPDATE leases SET expires_at = {4} \
         WHERE name = {1} AND node_id = {2} AND expires_at > {3} RETURNING token";
    const START: &str =
        "INSERT INTO leases (name, node_id, token, expires_at) VALUES ({1}, {2}, {3}, {4}) \
         ON CONFLICT (name) DO UPDATE SET token = leases.token + 1, \
           node_id = excluded.node_id, expires_at = excluded.expires_at \
         RETURNING token";
    let name = node_lease(node_id);
    if !tokens(conn, RENEW, &name, node_id, now_ms, until_ms)
        .await?
        .is_empty()
    {
        return Ok(false);
    }
    tokens(conn, START, &name, node_id, now_ms, until_ms).await?;
    Ok(true)
}

/// The bookings whose lease names `node_id`, with their tokens.
pub async fn held(conn: &mut DbConn, node_id: &str) -> QueryResult<Vec<(String, i64)>> {
    db_run!(conn, |c| leases::table
        .filter(leases::node_id.eq(node_id))
        .filter(leases::name.like("booking:%"))
        .select((leases::name, leases::token))
        .load(c)
        .await)
}

/// Runs `sql` (answering tokens) with its four parameters bound: name,
/// node, now and a time (`{1}`..`{4}`).
async fn tokens(
    conn: &mut DbConn,
    sql: &str,
    name: &str,
    node_id: &str,
    now_ms: i64,
    at_ms: i64,
) -> QueryResult<Vec<TokenRow>> {
    let sql = numbered(sql, placeholder(conn));
    db_run!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(name)
        .bind::<Text, _>(node_id)
        .bind::<BigInt, _>(now_ms)
        .bind::<BigInt, _>(at_ms)
        .load(c)
        .await)
}

fn placeholder(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Pg(_) => "$",
        DbConn::Sqlite(_) => "?",
    }
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

/// Gives back every booking `node_id` holds and its own row (it leaves).
pub async fn release_node(conn: &mut DbConn, node_id: &str) -> QueryResult<usize> {
    let bookings = db_run!(conn, |c| diesel::update(
        leases::table
            .filter(leases::node_id.eq(node_id))
            .filter(leases::name.like("booking:%"))
    )
    .set((leases::node_id.eq(""), leases::expires_at.eq(0_i64)))
    .execute(c)
    .await)?;
    let name = node_lease(node_id);
    db_run!(conn, |c| diesel::update(leases::table.find(&name))
        .set(leases::expires_at.eq(0_i64))
        .execute(c)
        .await)?;
    Ok(bookings)
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

#[derive(QueryableByName)]
struct HolderRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    node_id: String,
}

/// Live leases of bookings (`booking:<id>`, on a node whose row runs) and their nodes.
pub async fn live_bookings(conn: &mut DbConn, now_ms: i64) -> QueryResult<Vec<(String, String)>> {
    const SQL: &str = "SELECT b.name AS name, b.node_id AS node_id FROM leases b \
         JOIN leases n ON n.name = 'node:' || b.node_id \
         WHERE b.name LIKE 'booking:%' AND b.node_id <> '' AND n.expires_at > {1}";
    let rows: Vec<HolderRow> = one_param(conn, SQL, now_ms).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.name.strip_prefix("booking:")?.to_owned(), r.node_id)))
        .collect())
}

/// `sql` with its one parameter (`{1}`, maybe used twice) bound, loaded.
async fn one_param<T>(conn: &mut DbConn, sql: &str, value: i64) -> QueryResult<Vec<T>>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + Send + 'static,
{
    let query = diesel::sql_query(numbered(sql, placeholder(conn))).bind::<BigInt, _>(value);
    db_run!(conn, |c| query.load(c).await)
}

/// Forgets leases released or lapsed before `before_ms`, and the bookings
/// of nodes gone since then (their tokens are below any a new row gets:
/// that starts at the time in ms).
pub async fn forget_old(conn: &mut DbConn, before_ms: i64) -> QueryResult<usize> {
    const SQL: &str = "DELETE FROM leases WHERE expires_at < {1} AND NOT EXISTS \
         (SELECT 1 FROM leases n WHERE n.name = 'node:' || leases.node_id AND n.expires_at >= {1})";
    let query = diesel::sql_query(numbered(SQL, placeholder(conn))).bind::<BigInt, _>(before_ms);
    db_run!(conn, |c| query.execute(c).await)
}
