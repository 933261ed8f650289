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
    }
}

text_column!(UserStatus, ServiceStatus, LedgerKind);
