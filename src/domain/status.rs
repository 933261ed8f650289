//! The server's own closed sets of stored names (the booking, payment and role
//! vocabularies live in the realtime core, `onsite_actors`).

use onsite_actors::{named_enum, text_column};

named_enum! {
    /// Whether an account may sign in.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum UserStatus ("user status") {
        /// Signs in and books as usual.
        Active = "active",
        /// Blocked by an admin: refused at sign-in and on every request.
        Blocked = "blocked",
        /// Erased at the user's request; kept only as a tombstone for the ledger.
        Deleted = "deleted",
    }
}

named_enum! {
    /// Where a service is in its review by the admins.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum ServiceStatus ("service status") {
        /// Created or changed by a provider; waiting for an admin.
        Pending = "pending",
        /// Listed (when also active and assigned).
        Approved = "approved",
        /// Refused, with the admin's note.
        Rejected = "rejected",
    }
}

named_enum! {
    /// What a ledger transaction records.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum LedgerKind ("ledger kind") {
        /// A captured payment enters escrow.
        Funding = "funding",
        /// Completion: escrow to the provider's wallet and the commission.
        Release = "release",
        /// Escrow back to the customer.
        Refund = "refund",
        /// What a cancellation leaves the provider and the platform.
        CancellationFee = "cancellation_fee",
        /// A provider's payout requested: wallet to `payouts:pending`.
        PayoutRequest = "payout_request",
        /// A payout sent: `payouts:pending` to `payouts:sent`.
        Payout = "payout",
        /// A payout that failed: `payouts:pending` back to the wallet.
        PayoutReturn = "payout_return",
    }
}

named_enum! {
    /// What a one-time code or link is for (`challenges.purpose`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum Purpose ("challenge purpose") {
        AdminLogin = "admin_login",
        EmailVerify = "email_verify",
        PhoneVerify = "phone_verify",
        PasswordReset = "password_reset",
        Invitation = "invitation",
        /// The second step of a sign-in with an authenticator app.
        TotpLogin = "totp_login",
        /// Signing in (or up) with a code texted to a phone number.
        PhoneLogin = "phone_login",
    }
}

named_enum! {
    /// How a sign-in attempt ended (`login_audit.outcome`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum LoginOutcome ("login outcome") {
        Success = "success",
        BadPassword = "bad_password",
        UnknownIdentifier = "unknown_identifier",
        /// Refused while locked.
        Locked = "locked",
        /// This failure locked the account.
        LockedOut = "locked_out",
        Blocked = "blocked",
        Inactive = "inactive",
        /// An admin's password was right; the code went out.
        OtpSent = "otp_sent",
        /// The password was right; the authenticator's code is asked for.
        TotpRequired = "totp_required",
        /// A wrong admin code.
        OtpFailed = "otp_failed",
        /// Too many wrong admin codes: the challenge is spent.
        OtpBurned = "otp_burned",
    }
}

named_enum! {
    /// What a notification tells (`notifications.kind`, the frame's `kind`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum NotificationKind ("notification kind") {
        /// To the provider: a paid request waits for an answer.
        BookingRequested = "booking_requested",
        /// To the customer: the provider accepted.
        BookingAccepted = "booking_accepted",
        /// To the customer: the provider declined (refunded in full).
        BookingDeclined = "booking_declined",
        /// Unpaid in time, or unanswered in time (refunded in full).
        BookingExpired = "booking_expired",
        /// To the other party (both, when an admin cancelled).
        BookingCancelled = "booking_cancelled",
        /// To the provider: the customer moved the booking.
        BookingRescheduled = "booking_rescheduled",
        /// To the customer: the provider is on the way.
        ProviderEnRoute = "provider_en_route",
        /// To the customer: the provider is at the door.
        ProviderArrived = "provider_arrived",
        /// To the customer: the job started.
        JobStarted = "job_started",
        /// To the customer: the job is done (with the receipt).
        JobCompleted = "job_completed",
        /// To both parties: an admin moved the booking.
        BookingForced = "booking_forced",
        /// To both parties: a scheduled booking starts soon.
        BookingReminder = "booking_reminder",
        /// To the customer: a card was refused; the booking still awaits payment.
        PaymentFailed = "payment_failed",
        /// To the customer: a refund reached the card.
        RefundIssued = "refund_issued",
        /// To the provider: the customer paid the balance after a deposit.
        BalancePaid = "balance_paid",
        /// To the provider: an admin verified the account.
        ProviderVerified = "provider_verified",
        /// To the provider: an admin withdrew or declined the verification.
        ProviderWithdrawn = "provider_withdrawn",
        /// To the provider: a service was approved and is listed.
        ServiceApproved = "service_approved",
        /// To the provider: a service was rejected (with the admin's note).
        ServiceRejected = "service_rejected",
        /// To a party with no open socket: booking chat they have not seen
        /// (at most one per conversation per quarter hour).
        ChatMessage = "chat_message",
        /// To the provider: an admin wrote in their direct conversation.
        AdminMessage = "admin_message",
        /// To a party of a complaint: an admin wrote on their side of it.
        ComplaintMessage = "complaint_message",
        /// To both parties: an admin resolved or rejected a complaint.
        ComplaintClosed = "complaint_closed",
        /// To the provider: an admin verified or rejected a document.
        DocumentReviewed = "document_reviewed",
        /// To the provider: a payout was sent.
        PayoutPaid = "payout_paid",
        /// To the provider: a payout failed or was refused; the money is back.
        PayoutFailed = "payout_failed",
    }
}

named_enum! {
    /// Where a provider account is in its review by the admins.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum ProviderApproval ("provider approval") {
        /// Being filled in; not yet submitted.
        Draft = "draft",
        /// Submitted by the provider; waiting for an admin.
        PendingReview = "pending_review",
        /// Approved: bookable once the profile is complete.
        Approved = "approved",
        /// Declined with the admin's note; the provider may resubmit.
        Rejected = "rejected",
        /// Was approved; taken off the marketplace by an admin, with a note.
        Suspended = "suspended",
    }
}

named_enum! {
    /// What a user consents to (`PUT /v1/privacy/consent`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum ConsentKind ("consent kind") {
        /// The terms of service.
        Terms = "terms",
        /// The privacy policy.
        PrivacyPolicy = "privacy_policy",
        /// News and offers by email.
        MarketingEmail = "marketing_email",
        /// News and offers by SMS.
        MarketingSms = "marketing_sms",
        /// Usage analytics in the apps.
        Analytics = "analytics",
    }
}

named_enum! {
    /// What a provider's KYC document is.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum DocumentKind ("document kind") {
        /// An identity document (ID card, passport).
        IdDocument = "id_document",
        /// A trade licence.
        Licence = "licence",
        /// A qualification certificate.
        Certificate = "certificate",
    }
}

named_enum! {
    /// Where a KYC document is in the admins' review.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum DocumentStatus ("document status") {
        Pending = "pending",
        Verified = "verified",
        /// With the admin's reason.
        Rejected = "rejected",
    }
}

named_enum! {
    /// What a complaint is about.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum ComplaintKind ("complaint type") {
        ServiceQuality = "service_quality",
        /// Holds the escrow release when filed before it (see `holds_escrow`).
        PaymentIssue = "payment_issue",
        ProviderBehavior = "provider_behavior",
        CustomerBehavior = "customer_behavior",
        Other = "other",
    }
}

named_enum! {
    /// How bad the reporter says it is.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum Severity ("severity") {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
}

named_enum! {
    /// Where a complaint is in its handling.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum ComplaintStatus ("complaint status") {
        /// Filed; no admin has taken it yet.
        Open = "open",
        /// An admin took it (`assigned_to`).
        InReview = "in_review",
        /// Closed in the reporter's favour, with the resolution text.
        Resolved = "resolved",
        /// Closed as unfounded, with the reason.
        Rejected = "rejected",
    }
}

named_enum! {
    /// Whose conversation with the admins a complaint message belongs to.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum ComplaintSide ("complaint side") {
        /// The party who filed it.
        Reporter = "reporter",
        /// The other party of the booking.
        Respondent = "respondent",
    }
}

named_enum! {
    /// How an outbox row leaves the server.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum Channel ("outbox channel") {
        Mail = "mail",
        Sms = "sms",
        /// A mobile or web push to one registered device.
        Push = "push",
    }
}

named_enum! {
    /// A payout's life: `requested` (out of the wallet, waiting to be sent),
    /// then `paid` or `failed` (the money back in the wallet).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum PayoutStatus ("payout status") {
        Requested = "requested",
        Paid = "paid",
        Failed = "failed",
    }
}

named_enum! {
    /// What kind of device receives push.
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum Platform ("device platform") {
        Android = "android",
        Ios = "ios",
        Web = "web",
    }
}

named_enum! {
    /// Where an address's location came from (`addresses.geocode_status`).
    #[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow, utoipa::ToSchema)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub enum GeocodeStatus ("geocode status") {
        /// The user gave the location.
        Given = "given",
        /// Waiting for the geocoder (in the background).
        Pending = "pending",
        /// The geocoder placed it.
        Found = "found",
        /// The geocoder knows no such place; give a location by hand.
        NotFound = "not_found",
    }
}

text_column!(
    GeocodeStatus,
    Channel,
    PayoutStatus,
    Platform,
    UserStatus,
    ServiceStatus,
    LedgerKind,
    Purpose,
    LoginOutcome,
    NotificationKind,
    ComplaintKind,
    Severity,
    ComplaintStatus,
    ComplaintSide,
    ProviderApproval,
    ConsentKind,
    DocumentKind,
    DocumentStatus
);
