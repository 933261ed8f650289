//! Diesel table definitions, shared by both backends (portable column types only).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Nullable<Text>,
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
        customer_rating_sum -> BigInt,
        customer_rating_count -> BigInt,
        username -> Nullable<Text>,
        pending_phone -> Nullable<Text>,
        language -> Nullable<Text>,
        time_zone -> Nullable<Text>,
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

diesel::table! {
    provider_profiles (user_id) {
        user_id -> Text,
        bio -> Text,
        skills -> Text,
        experience_years -> Integer,
        base_lat -> Nullable<Double>,
        base_lng -> Nullable<Double>,
        base_address -> Nullable<Text>,
        service_radius_km -> Double,
        online -> Bool,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        verification_note -> Nullable<Text>,
        timezone -> Text,
        slot_minutes -> Integer,
        buffer_minutes -> Integer,
        rating -> Double,
        rating_count -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        rating_sum -> BigInt,
        approval -> Text,
    }
}

diesel::table! {
    provider_hours (id) {
        id -> Text,
        provider_id -> Text,
        weekday -> Integer,
        start_minute -> Integer,
        end_minute -> Integer,
    }
}

diesel::table! {
    provider_exceptions (id) {
        id -> Text,
        provider_id -> Text,
        day -> Text,
        closed -> Bool,
        hours -> Text,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        provider_id -> Nullable<Text>,
        title -> Text,
        description -> Text,
        price_amount -> BigInt,
        currency -> Text,
        duration_minutes -> Integer,
        status -> Text,
        active -> Bool,
        review_note -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        category_id -> Nullable<Text>,
        deposit_percent -> Nullable<Integer>,
        deposit_fixed -> Nullable<BigInt>,
    }
}

diesel::table! {
    faqs (id) {
        id -> Text,
        lang -> Text,
        question -> Text,
        answer -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    content_pages (slug, lang) {
        slug -> Text,
        lang -> Text,
        title -> Text,
        body -> Text,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    feedback (id) {
        id -> Text,
        user_id -> Nullable<Text>,
        rating -> Integer,
        message -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    contact_messages (id) {
        id -> Text,
        name -> Text,
        email -> Text,
        subject -> Text,
        message -> Text,
        ip -> Nullable<Text>,
        handled_by -> Nullable<Text>,
        handled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payout_accounts (provider_id) {
        provider_id -> Text,
        destination -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payouts (id) {
        id -> Text,
        provider_id -> Text,
        amount -> BigInt,
        currency -> Text,
        destination -> Text,
        status -> Text,
        approved_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        reference -> Nullable<Text>,
        failure -> Nullable<Text>,
        attempts -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        settled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    categories (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        position -> Integer,
        active -> Bool,
        image -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    slot_holds (id) {
        id -> Text,
        provider_id -> Text,
        service_id -> Text,
        customer_id -> Text,
        start_at -> Timestamp,
        end_at -> Timestamp,
        expires_at -> Timestamp,
        consumed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    slot_claims (provider_id, start_at) {
        provider_id -> Text,
        start_at -> Timestamp,
        hold_id -> Nullable<Text>,
        booking_id -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bookings (id) {
        id -> Text,
        reference -> Text,
        customer_id -> Text,
        provider_id -> Text,
        service_id -> Text,
        status -> Text,
        version -> BigInt,
        last_seq -> BigInt,
        scheduled_at -> Nullable<Timestamp>,
        location_lat -> Double,
        location_lng -> Double,
        address -> Nullable<Text>,
        notes -> Nullable<Text>,
        job_size -> Text,
        base_amount -> BigInt,
        multiplier_bps -> Integer,
        total_amount -> BigInt,
        tip_amount -> BigInt,
        currency -> Text,
        commission_bps -> Integer,
        token_date -> Text,
        token_number -> Integer,
        duration_minutes -> Integer,
        customer_chat_token -> Nullable<Text>,
        provider_chat_token -> Nullable<Text>,
        payment_due_at -> Nullable<Timestamp>,
        respond_by -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        deposit_amount -> BigInt,
        balance_paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    booking_events (booking_id, seq) {
        booking_id -> Text,
        seq -> BigInt,
        kind -> Text,
        payload -> Text,
        by_user -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        booking_id -> Text,
        customer_id -> Text,
        amount -> BigInt,
        tip_amount -> BigInt,
        currency -> Text,
        status -> Text,
        gateway -> Text,
        gateway_ref -> Nullable<Text>,
        failure_code -> Nullable<Text>,
        refunded_amount -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        purpose -> Text,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refunds (id) {
        id -> Text,
        payment_id -> Text,
        booking_id -> Text,
        amount -> BigInt,
        rule -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_transactions (id) {
        id -> Text,
        kind -> Text,
        booking_id -> Nullable<Text>,
        payment_id -> Nullable<Text>,
        memo -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Text,
        transaction_id -> Text,
        account -> Text,
        amount -> BigInt,
        currency -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_messages (id) {
        id -> Text,
        booking_id -> Text,
        seq -> BigInt,
        sender_id -> Text,
        body -> Text,
        client_msg_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_reads (booking_id, user_id) {
        booking_id -> Text,
        user_id -> Text,
        up_to_seq -> BigInt,
    }
}

diesel::table! {
    location_trail (id) {
        id -> Text,
        booking_id -> Text,
        role -> Text,
        lat -> Double,
        lng -> Double,
        accuracy_m -> Nullable<Double>,
        recorded_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    direct_messages (id) {
        id -> Text,
        provider_id -> Text,
        sender_id -> Text,
        body -> Text,
        client_msg_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        booking_id -> Nullable<Text>,
        data -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        sent_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        channel -> Text,
        user_id -> Nullable<Text>,
        device_id -> Nullable<Text>,
        data -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        dropped_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        user_id -> Text,
        platform -> Text,
        token -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    chat_alerts (booking_id, user_id) {
        booking_id -> Text,
        user_id -> Text,
        alerted_at -> Timestamp,
    }
}

diesel::table! {
    booking_reminders (booking_id, lead_minutes) {
        booking_id -> Text,
        lead_minutes -> Integer,
        remind_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oidc_identities (id) {
        id -> Text,
        user_id -> Text,
        provider -> Text,
        subject -> Text,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    booking_links (provider_id) {
        provider_id -> Text,
        slug -> Text,
        clicks -> BigInt,
        conversions -> BigInt,
        created_at -> Timestamp,
        regenerated_at -> Timestamp,
    }
}

diesel::table! {
    addresses (id) {
        id -> Text,
        user_id -> Text,
        label -> Text,
        street -> Text,
        city -> Text,
        region -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Text,
        location_lat -> Nullable<Double>,
        location_lng -> Nullable<Double>,
        access_notes -> Nullable<Text>,
        is_default -> Bool,
        geocode_status -> Text,
        geocode_tries -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(auth_sessions -> users (user_id));
diesel::joinable!(devices -> users (user_id));
diesel::joinable!(refresh_tokens -> auth_sessions (session_id));
diesel::joinable!(provider_profiles -> users (user_id));
diesel::joinable!(booking_events -> bookings (booking_id));
diesel::joinable!(ledger_entries -> ledger_transactions (transaction_id));

diesel::table! {
    reviews (booking_id, author_role) {
        booking_id -> Text,
        author_role -> Text,
        author_id -> Text,
        subject_id -> Text,
        rating -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    favorites (user_id, provider_id) {
        user_id -> Text,
        provider_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    admin_audit (id) {
        id -> Text,
        admin_id -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        reason -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        booking_id -> Text,
        reporter_id -> Text,
        respondent_id -> Text,
        kind -> Text,
        severity -> Text,
        description -> Text,
        status -> Text,
        assigned_to -> Nullable<Text>,
        holds_escrow -> Bool,
        resolution -> Nullable<Text>,
        refund_amount -> Nullable<BigInt>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    complaint_messages (id) {
        id -> Text,
        complaint_id -> Text,
        side -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    booking_sla (booking_id) {
        booking_id -> Text,
        started_at -> Timestamp,
        estimated_minutes -> Integer,
        actual_minutes -> Nullable<Integer>,
        breached -> Nullable<Bool>,
        penalty -> BigInt,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consents (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        version -> Text,
        granted -> Bool,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    provider_documents (id) {
        id -> Text,
        provider_id -> Text,
        kind -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_images (id) {
        id -> Text,
        service_id -> Text,
        width -> Integer,
        height -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    complaint_attachments (id) {
        id -> Text,
        complaint_id -> Text,
        side -> Text,
        author_id -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    invoice_counters (day) {
        day -> Text,
        last_number -> Integer,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        number -> Text,
        booking_id -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    gateway_events (gateway, event_id) {
        gateway -> Text,
        event_id -> Text,
        kind -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> Text,
        secret -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        node_id -> Text,
        token -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    booking_links,
    oidc_identities,
    addresses,
    user_totp,
    recovery_codes,
    gateway_events,
    invoice_counters,
    invoices,
    faqs,
    content_pages,
    feedback,
    contact_messages,
    payouts,
    payout_accounts,
    categories,
    complaint_attachments,
    provider_documents,
    service_images,
    consents,
    booking_sla,
    complaints,
    complaint_messages,
    admin_audit,
    reviews,
    favorites,
    booking_reminders,
    notifications,
    outbox,
    devices,
    chat_alerts,
    direct_messages,
    chat_messages,
    chat_reads,
    location_trail,
    users,
    auth_sessions,
    refresh_tokens,
    challenges,
    login_audit,
    provider_profiles,
    provider_hours,
    provider_exceptions,
    services,
    slot_holds,
    slot_claims,
    bookings,
    booking_events,
    payments,
    idempotency_keys,
    refunds,
    ledger_transactions,
    ledger_entries,
);
