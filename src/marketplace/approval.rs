//! The provider approval workflow: `draft -> pending_review -> approved |
//! rejected`, `approved -> suspended -> approved`, `rejected ->
//! pending_review`. The provider submits; admins decide, with a note that
//! rejecting and suspending require. Only `approved` makes a provider
//! bookable (with a complete profile); every other state takes them off the
//! marketplace.

use crate::domain::ProviderApproval as A;
use crate::error::{ApiError, ApiResult};

/// Whether an admin may move a provider from `from` to `to`.
pub fn admin_may(from: A, to: A, has_reason: bool) -> ApiResult<()> {
    match (from, to) {
        (A::Approved, A::Approved) => Err(ApiError::Conflict(
            "already_approved",
            "this provider is already approved".into(),
        )),
        (_, A::Approved) => Ok(()),
        (A::Draft | A::PendingReview, A::Rejected) | (A::Approved, A::Suspended) if !has_reason => {
            Err(ApiError::validation(
                "reason",
                "is required to reject or suspend a provider",
            ))
        }
        (A::Draft | A::PendingReview, A::Rejected) | (A::Approved, A::Suspended) => Ok(()),
        (_, A::Rejected | A::Suspended) => Err(ApiError::Conflict(
            "approval_transition",
            format!("a provider who is {from} cannot be made {to}"),
        )),
        (_, A::Draft | A::PendingReview) => Err(ApiError::validation(
            "status",
            "admins approve, reject or suspend; the provider submits for review",
        )),
    }
}

/// Whether the provider may submit their account for review now.
pub fn provider_may_submit(from: A) -> ApiResult<()> {
    match from {
        A::Draft | A::Rejected => Ok(()),
        A::PendingReview => Err(ApiError::Conflict(
            "already_submitted",
            "your account is already waiting for an admin".into(),
        )),
        A::Approved => Err(ApiError::Conflict(
            "already_approved",
            "your account is already approved".into(),
        )),
        A::Suspended => Err(ApiError::Conflict(
            "suspended",
            "your account is suspended; contact support".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_decide_and_providers_submit_along_the_workflow() {
        assert!(admin_may(A::PendingReview, A::Approved, false).is_ok());
        assert!(admin_may(A::Suspended, A::Approved, false).is_ok());
        assert!(admin_may(A::PendingReview, A::Rejected, true).is_ok());
        assert!(admin_may(A::PendingReview, A::Rejected, false).is_err());
        assert!(admin_may(A::Approved, A::Suspended, true).is_ok());
        assert!(admin_may(A::Rejected, A::Suspended, true).is_err());
        assert!(admin_may(A::Approved, A::Approved, false).is_err());
        assert!(admin_may(A::Approved, A::PendingReview, true).is_err());
        assert!(provider_may_submit(A::Draft).is_ok());
        assert!(provider_may_submit(A::Rejected).is_ok());
        assert!(provider_may_submit(A::PendingReview).is_err());
        assert!(provider_may_submit(A::Suspended).is_err());
    }
}
