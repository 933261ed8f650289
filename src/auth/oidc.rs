//! Sign-in through OpenID Connect providers (Google, or any by configuration).
//!
//! The mobile apps run the provider's authorization themselves (code flow
//! with PKCE, or the platform's native sign-in) and hand the server either
//! the code with its verifier and redirect URI, or the ID token they got;
//! both with the nonce they put in the request. The server redeems the code
//! at the provider's token endpoint, and checks every ID token with
//! `openidconnect`: signature against the provider's JWKS (from discovery,
//! fetched again once when a token names a key it does not know, as after a
//! key rotation), issuer, audience (our client id), expiry and nonce.

use std::str::FromStr;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreClient, CoreIdToken, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, IssuerUrl, Nonce,
    PkceCodeVerifier, RedirectUrl, TokenResponse,
};
use tokio::sync::RwLock;

use crate::config::OidcProvider;

/// How long discovery (and the JWKS with it) is trusted before it is fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// A token naming an unknown key refetches the keys, at most this often.
const REFETCH_EVERY: Duration = Duration::from_secs(30);

/// What the app proves the person with.
pub enum Proof {
    /// The authorization code flow's result, redeemed here with PKCE.
    Code {
        code: String,
        verifier: String,
        redirect_uri: String,
    },
    /// An ID token from the platform's own sign-in.
    IdToken(String),
}

/// The person, as the provider vouches for them.
#[derive(Debug, Clone)]
pub struct Person {
    pub subject: String,
    /// Lower-cased.
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("no such sign-in provider")]
    UnknownProvider,
    /// Discovery, the keys or the token endpoint cannot be reached.
    #[error("the provider is unreachable: {0}")]
    Unavailable(String),
    /// The code, the token or the request is not accepted.
    #[error("{0}")]
    Rejected(String),
}

struct Provider {
    config: OidcProvider,
    metadata: RwLock<Option<(Instant, CoreProviderMetadata)>>,
    /// The last refetch forced by an unknown key (a stream of forged tokens
    /// must not become a stream of requests to the provider).
    forced: std::sync::Mutex<Option<Instant>>,
}

pub struct Oidc {
    providers: Vec<Provider>,
    http: openidconnect::reqwest::Client,
}

impl Oidc {
    pub fn new(providers: &[OidcProvider]) -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would let a provider's answer point us anywhere.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self {
            providers: providers
                .iter()
                .map(|c| Provider {
                    config: c.clone(),
                    metadata: RwLock::new(None),
                    forced: std::sync::Mutex::new(None),
                })
                .collect(),
            http,
        })
    }

    pub fn names(&self) -> Vec<&str> {
        self.providers
            .iter()
            .map(|p| p.config.name.as_str())
            .collect()
    }

    fn provider(&self, name: &str) -> Result<&Provider, OidcError> {
        self.providers
            .iter()
            .find(|p| p.config.name == name)
            .ok_or(OidcError::UnknownProvider)
    }

    /// The provider's metadata and keys: cached, or fetched when older than
    /// `max_age`.
    async fn metadata(
        &self,
        p: &Provider,
        max_age: Duration,
    ) -> Result<CoreProviderMetadata, OidcError> {
        if let Some((at, m)) = p.metadata.read().await.as_ref() {
            if at.elapsed() < max_age {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(p.config.issuer.clone())
            .map_err(|e| OidcError::Unavailable(format!("issuer URL: {e}")))?;
        let fetched = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(format!("discovery: {e}")))?;
        *p.metadata.write().await = Some((Instant::now(), fetched.clone()));
        Ok(fetched)
    }

    /// Checks `proof` with provider `name`; the nonce is the one the app put
    /// into its authorization request.
    pub async fn verify(
        &self,
        name: &str,
        proof: &Proof,
        nonce: &str,
    ) -> Result<Person, OidcError> {
        let p = self.provider(name)?;
        if nonce.trim().is_empty() || nonce.len() > 512 {
            return Err(OidcError::Rejected("the nonce is missing".into()));
        }
        let id_token = match proof {
            Proof::IdToken(raw) => CoreIdToken::from_str(raw.trim())
                .map_err(|_| OidcError::Rejected("the ID token is not a signed JWT".into()))?,
            Proof::Code {
                code,
                verifier,
                redirect_uri,
            } => self.redeem(p, code, verifier, redirect_uri).await?,
        };
        let metadata = self.metadata(p, METADATA_TTL).await?;
        match check(&p.config, metadata, &id_token, nonce) {
            // A key we do not know yet: the provider may have rotated them.
            Err(e @ ClaimsVerificationError::SignatureVerification(_)) => {
                let may_refetch = {
                    let mut last = p.forced.lock().unwrap_or_else(|e| e.into_inner());
                    let due = last.is_none_or(|at| at.elapsed() >= REFETCH_EVERY);
                    if due {
                        *last = Some(Instant::now());
                    }
                    due
                };
                if !may_refetch {
                    return Err(rejected(e));
                }
                let fresh = self.metadata(p, Duration::ZERO).await?;
                check(&p.config, fresh, &id_token, nonce).map_err(rejected)
            }
            other => other.map_err(rejected),
        }
    }

    /// Redeems an authorization code (with its PKCE verifier) for an ID token.
    async fn redeem(
        &self,
        p: &Provider,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<CoreIdToken, OidcError> {
        if !p.config.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(OidcError::Rejected(
                "redirect_uri is not one this provider is set up for".into(),
            ));
        }
        // RFC 7636: 43 to 128 characters of the unreserved set.
        if !(43..=128).contains(&verifier.len())
            || !verifier
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(OidcError::Rejected(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~".into(),
            ));
        }
        let metadata = self.metadata(p, METADATA_TTL).await?;
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|_| OidcError::Rejected("redirect_uri is not a URL".into()))?;
        let client = client(&p.config, metadata).set_redirect_uri(redirect);
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Unavailable(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                // The provider said no (invalid_grant: a used or wrong code,
                // a verifier that does not match).
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    OidcError::Rejected(format!("the provider refused the code: {}", r.error()))
                }
                other => OidcError::Unavailable(format!("token endpoint: {other}")),
            })?;
        answer
            .id_token()
            .cloned()
            .ok_or_else(|| OidcError::Rejected("the provider returned no ID token".into()))
    }
}

fn client(
    config: &OidcProvider,
    metadata: CoreProviderMetadata,
) -> CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
> {
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        config.client_secret.clone().map(ClientSecret::new),
    )
}

fn check(
    config: &OidcProvider,
    metadata: CoreProviderMetadata,
    token: &CoreIdToken,
    nonce: &str,
) -> Result<Person, ClaimsVerificationError> {
    let client = client(config, metadata);
    let verifier = client.id_token_verifier();
    let claims = token.claims(&verifier, &Nonce::new(nonce.to_owned()))?;
    Ok(Person {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_lowercase()),
        email_verified: claims.email_verified().unwrap_or(false),
        given_name: claims
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        family_name: claims
            .family_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
    })
}

fn rejected(e: ClaimsVerificationError) -> OidcError {
    OidcError::Rejected(format!("the ID token is not valid: {e}"))
}
