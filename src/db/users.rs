//! The `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::users;
use super::{now, DbConn};
use crate::db_run;
use crate::domain::{Role, UserStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct User {
    pub id: String,
    /// Lower-case; `None` for an account that signed up with a phone number
    /// and has not added one.
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub email_verified_at: Option<NaiveDateTime>,
    pub phone_verified_at: Option<NaiveDateTime>,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub avatar: Option<String>,
    pub location_lat: Option<f64>,
    pub location_lng: Option<f64>,
    pub address: Option<String>,
    pub settings: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Lower-case, unique; another identifier to sign in with.
    pub username: Option<String>,
    /// A new number waiting for its code; it replaces `phone` once verified.
    pub pending_phone: Option<String>,
    /// A supported language tag (`en`, `fa`) for mails, texts and errors.
    pub language: Option<String>,
    /// An IANA time zone name for dates in mails and texts.
    pub time_zone: Option<String>,
}

impl User {
    /// A new active account with nothing but its identity filled in.
    pub fn new_account(
        email: Option<String>,
        phone: Option<String>,
        password_hash: Option<String>,
        first_name: String,
        last_name: String,
        role: Role,
    ) -> Self {
        let now = now();
        Self {
            id: super::new_id(),
            email,
            phone,
            password_hash,
            first_name,
            last_name,
            role,
            status: UserStatus::Active,
            email_verified_at: None,
            phone_verified_at: None,
            failed_logins: 0,
            locked_until: None,
            avatar: None,
            location_lat: None,
            location_lng: None,
            address: None,
            settings: "{}".into(),
            created_at: now,
            updated_at: now,
            username: None,
            pending_phone: None,
            language: None,
            time_zone: None,
        }
    }

    /// How the account signs in, for audit lines and messages: the email,
    /// else the phone, else the username, else the id.
    pub fn identifier(&self) -> &str {
        self.email
            .as_deref()
            .or(self.phone.as_deref())
            .or(self.username.as_deref())
            .unwrap_or(&self.id)
    }

    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }
}

/// Profile fields a user may change about themselves (`None` = leave as is).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<Option<String>>,
    pub phone_verified_at: Option<Option<NaiveDateTime>>,
    pub location_lat: Option<Option<f64>>,
    pub location_lng: Option<Option<f64>>,
    pub address: Option<Option<String>>,
    pub settings: Option<String>,
    pub avatar: Option<Option<String>>,
    pub username: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub pending_phone: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub time_zone: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub async fn insert(conn: &mut DbConn, user: &User) -> QueryResult<()> {
    db_run!(conn, |c| diesel::insert_into(users::table)
        .values(user)
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    db_run!(conn, |c| users::table
        .find(id)
        .select(User::as_select())
        .first(c)
        .await
        .optional())
}

/// Several users in one query (in no particular order).
pub async fn find_many(conn: &mut DbConn, ids: &[&str]) -> QueryResult<Vec<User>> {
    db_run!(conn, |c| users::table
        .filter(users::id.eq_any(ids))
        .select(User::as_select())
        .load(c)
        .await)
}

pub async fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    db_run!(conn, |c| users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn find_by_phone(conn: &mut DbConn, phone: &str) -> QueryResult<Option<User>> {
    db_run!(conn, |c| users::table
        .filter(users::phone.eq(phone))
        .select(User::as_select())
        .first(c)
        .await
        .optional())
}

pub async fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<User>> {
    db_run!(conn, |c| users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(c)
        .await
        .optional())
}

/// Whether another account than `except` holds `username` (lower-case).
pub async fn username_taken(
    conn: &mut DbConn,
    username: &str,
    except: Option<&str>,
) -> QueryResult<bool> {
    Ok(find_by_username(conn, username)
        .await?
        .is_some_and(|u| Some(u.id.as_str()) != except))
}

pub async fn email_taken(conn: &mut DbConn, email: &str) -> QueryResult<bool> {
    Ok(find_by_email(conn, email).await?.is_some())
}

pub async fn phone_taken(
    conn: &mut DbConn,
    phone: &str,
    except: Option<&str>,
) -> QueryResult<bool> {
    Ok(find_by_phone(conn, phone)
        .await?
        .is_some_and(|u| Some(u.id.as_str()) != except))
}

pub async fn any_admin(conn: &mut DbConn) -> QueryResult<bool> {
    let n: i64 = db_run!(conn, |c| users::table
        .filter(users::role.eq(Role::Admin))
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}

/// Records a failed password; locks the account when `threshold` is reached.
/// Returns the lock expiry if this failure locked it.
pub async fn record_failure(
    conn: &mut DbConn,
    id: &str,
    threshold: u32,
    lock_for: chrono::Duration,
) -> QueryResult<Option<NaiveDateTime>> {
    let failures: i32 = db_run!(conn, |c| diesel::update(users::table.find(id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(users::failed_logins)
        .get_result(c)
        .await)?;
    if failures >= i32::try_from(threshold).unwrap_or(i32::MAX) {
        let until = now() + lock_for;
        db_run!(conn, |c| diesel::update(users::table.find(id))
            .set((
                users::failed_logins.eq(0),
                users::locked_until.eq(Some(until)),
            ))
            .execute(c)
            .await)?;
        return Ok(Some(until));
    }
    Ok(None)
}

pub async fn clear_failures(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn set_password(conn: &mut DbConn, id: &str, hash: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(Some(hash)),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now()),
        ))
        .execute(c)
        .await)?;
    Ok(())
}

pub async fn mark_email_verified(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set(users::email_verified_at.eq(Some(now())))
        .execute(c)
        .await)?;
    Ok(())
}

/// Marks `phone` verified, but only if it is still the user's phone.
pub async fn mark_phone_verified(conn: &mut DbConn, id: &str, phone: &str) -> QueryResult<bool> {
    let n = db_run!(conn, |c| diesel::update(
        users::table.find(id).filter(users::phone.eq(phone))
    )
    .set(users::phone_verified_at.eq(Some(now())))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Confirms a texted code's number on account `id`: the unverified `phone`
/// becomes verified, or the `pending_phone` replaces the verified one. False
/// when the account holds neither number any more.
pub async fn confirm_phone(conn: &mut DbConn, id: &str, phone: &str) -> QueryResult<bool> {
    if mark_phone_verified(conn, id, phone).await? {
        return Ok(true);
    }
    let n = db_run!(conn, |c| diesel::update(
        users::table.find(id).filter(users::pending_phone.eq(phone))
    )
    .set((
        users::phone.eq(Some(phone)),
        users::phone_verified_at.eq(Some(now())),
        users::pending_phone.eq(None::<String>),
        users::updated_at.eq(now()),
    ))
    .execute(c)
    .await)?;
    Ok(n == 1)
}

/// Takes an unverified `phone` off whichever account typed it: the person
/// who just proved they hold the number signs up with it instead.
pub async fn release_unverified_phone(conn: &mut DbConn, phone: &str) -> QueryResult<usize> {
    db_run!(conn, |c| diesel::update(
        users::table
            .filter(users::phone.eq(phone))
            .filter(users::phone_verified_at.is_null())
    )
    .set((users::phone.eq(None::<String>), users::updated_at.eq(now())))
    .execute(c)
    .await)
}

pub async fn update_profile(
    conn: &mut DbConn,
    id: &str,
    changes: &ProfileChanges,
) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set(changes)
        .execute(c)
        .await)?;
    Ok(())
}

/// Sets an account's status (block, unblock).
pub async fn set_status(conn: &mut DbConn, id: &str, status: UserStatus) -> QueryResult<()> {
    db_run!(conn, |c| diesel::update(users::table.find(id))
        .set((users::status.eq(status), users::updated_at.eq(now())))
        .execute(c)
        .await)?;
    Ok(())
}

/// Erases an account's personal data (the row stays, `deleted`, for the ledger).
pub async fn erase(conn: &mut DbConn, id: &str, placeholder: &str) -> QueryResult<()> {
    db_run!(conn, |cc| diesel::update(users::table.find(id))
        .set((
            users::email.eq(placeholder),
            users::phone.eq(None::<String>),
            users::pending_phone.eq(None::<String>),
            users::username.eq(None::<String>),
            users::password_hash.eq(None::<String>),
            users::first_name.eq("Deleted"),
            users::last_name.eq("user"),
            users::status.eq(UserStatus::Deleted),
            users::avatar.eq(None::<String>),
            users::location_lat.eq(None::<f64>),
            users::location_lng.eq(None::<f64>),
            users::address.eq(None::<String>),
            users::settings.eq("{}"),
            users::email_verified_at.eq(None::<chrono::NaiveDateTime>),
            users::phone_verified_at.eq(None::<chrono::NaiveDateTime>),
            users::updated_at.eq(now()),
        ))
        .execute(cc)
        .await)?;
    Ok(())
}

/// What an admin looks for in the users list (all optional).
#[derive(Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Providers whose verification is (or is not) on file.
    pub verified: Option<bool>,
    /// Providers at this step of the approval workflow.
    pub approval: Option<crate::domain::ProviderApproval>,
    /// A `LIKE` pattern (lower case, escaped with `\`) for email, phone or name.
    pub text: Option<String>,
}

/// Users matching `filter`, newest first, after the keyset `(created_at, id)`.
pub async fn admin_page(
    conn: &mut DbConn,
    filter: &UserFilter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<User>> {
    use super::discovery::lower;
    use super::schema::provider_profiles;
    db_run!(conn, |c| {
        let mut q = users::table.select(User::as_select()).into_boxed();
        if let Some(role) = filter.role {
            q = q.filter(users::role.eq(role));
        }
        if let Some(status) = filter.status {
            q = q.filter(users::status.eq(status));
        }
        if let Some(verified) = filter.verified {
            let on_file = provider_profiles::table
                .filter(provider_profiles::verified_at.is_not_null())
                .select(provider_profiles::user_id);
            q = if verified {
                q.filter(users::id.eq_any(on_file))
            } else {
                q.filter(users::role.eq(Role::Provider))
                    .filter(diesel::dsl::not(users::id.eq_any(on_file)))
            };
        }
        if let Some(approval) = filter.approval {
            let at_step = provider_profiles::table
                .filter(provider_profiles::approval.eq(approval))
                .select(provider_profiles::user_id);
            q = q.filter(users::id.eq_any(at_step));
        }
        if let Some(pattern) = &filter.text {
            q = q.filter(
                lower(users::email.assume_not_null())
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(users::first_name).like(pattern.clone()).escape('\\'))
                    .or(lower(users::last_name).like(pattern.clone()).escape('\\'))
                    .or(users::phone.like(pattern.clone()).escape('\\')),
            );
        }
        if let Some((at, id)) = &before {
            q = q.filter(
                users::created_at
                    .lt(*at)
                    .or(users::created_at.eq(*at).and(users::id.lt(id.clone()))),
            );
        }
        q.order((users::created_at.desc(), users::id.desc()))
            .limit(limit)
            .load(c)
            .await
    })
}

/// The sum and count of the published ratings providers gave this customer.
pub async fn customer_rating(conn: &mut DbConn, id: &str) -> QueryResult<(i64, i64)> {
    db_run!(conn, |c| users::table
        .find(id)
        .select((users::customer_rating_sum, users::customer_rating_count))
        .first(c)
        .await)
}
