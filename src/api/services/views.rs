//! What the API shows of services.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::providers::views::{avatar_url, round_km};
use crate::db::{self, discovery::ServiceRow, services::Service};
use crate::domain::Money;
use crate::payments::policy::DepositRule;

/// The provider of a service, as listed next to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderBrief {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub avatar_url: Option<String>,
    pub rating: f64,
    pub rating_count: i64,
    pub online: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: String,
    /// `null` for an admin-created service not assigned to a provider yet.
    pub provider_id: Option<String>,
    pub title: String,
    pub description: String,
    pub price: Money,
    /// What is paid up front to book it (`null`: the whole price).
    pub deposit: Option<DepositRule>,
    pub duration_minutes: i32,
    /// Its category (`GET /v1/categories/{id}`), if any.
    pub category_id: Option<String>,
    /// `pending` (waiting for an admin), `approved` or `rejected`.
    pub status: crate::domain::ServiceStatus,
    /// An inactive service is hidden from customers without losing its approval.
    pub active: bool,
    /// The admin's reason for the last decision (provider and admins only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<DateTime<Utc>>,
    /// In listings: the provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderBrief>,
    /// In listings asked with `near`: the provider's distance from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ServiceView {
    /// The full view, for its provider and admins.
    pub fn full(s: &Service) -> Self {
        Self {
            id: s.id.clone(),
            provider_id: s.provider_id.clone(),
            title: s.title.clone(),
            description: s.description.clone(),
            price: Money::new(s.price_amount, &s.currency),
            deposit: s.deposit(),
            duration_minutes: s.duration_minutes,
            category_id: s.category_id.clone(),
            status: s.status,
            active: s.active,
            review_note: s.review_note.clone(),
            reviewed_at: s.reviewed_at.map(db::utc),
            provider: None,
            distance_km: None,
            created_at: db::utc(s.created_at),
            updated_at: db::utc(s.updated_at),
        }
    }

    /// What customers see.
    pub fn public(s: &Service) -> Self {
        Self {
            review_note: None,
            reviewed_at: None,
            ..Self::full(s)
        }
    }

    /// A discovery result.
    pub fn listed(row: &ServiceRow, distance_km: Option<f64>) -> Self {
        let (s, p, name) = row;
        Self {
            provider: Some(ProviderBrief {
                id: p.user_id.clone(),
                first_name: name.first_name.clone(),
                last_name: name.last_name.clone(),
                avatar_url: avatar_url(&p.user_id, name.avatar.as_ref()),
                rating: p.rating,
                rating_count: p.rating_count,
                online: p.online,
            }),
            distance_km: distance_km.map(round_km),
            ..Self::public(s)
        }
    }
}
