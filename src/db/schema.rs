//! Diesel table definitions, shared by both backends (portable column types only).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        role -> Text,
        status -> Text,
        email_verified_at -> Nullable<Timestamp>,
        phone_verified_at -> Nullable<Timestamp>,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        avatar -> Nullable<Text>,
        location_lat -> Nullable<Double>,
        location_lng -> Nullable<Double>,
        address -> Nullable<Text>,
        settings -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    auth_sessions (id) {
        id -> Text,
        user_id -> Text,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        session_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    challenges (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        purpose -> Text,
        destination -> Text,
        code_hash -> Nullable<Text>,
        token_hash -> Nullable<Text>,
        attempts -> Integer,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_audit (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        identifier -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        outcome -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    auth_sessions,
    refresh_tokens,
    challenges,
    login_audit
);
