//! The REST face's schemas (documentation; the handlers write the same shapes).

use serde::Serialize;
use utoipa::ToSchema;

/// Every error: a message, and for validation errors one list of messages per field.
#[derive(Serialize, ToSchema)]
pub struct ErrorResponse {
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegistrationRequest {
    pub email: String,
    pub password1: String,
    pub password2: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Tokens. `refresh` is absent when it travels in the HTTP-only `refresh_token` cookie.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access: String,
    pub refresh: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MfaRequiredResponse {
    pub mfa_required: bool,
    pub challenge_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct MfaSetupRequiredResponse {
    pub mfa_setup_required: bool,
    pub setup_challenge_id: String,
    pub detail: Option<String>,
}

/// `POST /login/`, `/registration/`, `/registration/set-password/`: tokens, or a challenge.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginResponse {
    Tokens(TokenResponse),
    MfaRequired(MfaRequiredResponse),
    MfaSetupRequired(MfaSetupRequiredResponse),
}

#[derive(Serialize, ToSchema)]
pub struct SetupRequest {
    /// Needed only without an access token (the bootstrap flow).
    pub setup_challenge_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SetupResponse {
    /// Base32, to type by hand.
    pub secret: String,
    pub provisioning_uri: String,
    /// The QR code of `provisioning_uri`, an SVG document.
    pub qr_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivateRequest {
    pub code: String,
    pub setup_challenge_id: Option<String>,
}

/// Recovery codes always; tokens too when a `required`-mode bootstrap completes.
#[derive(Serialize, ToSchema)]
pub struct ActivateResponse {
    pub success: bool,
    pub recovery_codes: Vec<String>,
    pub access: Option<String>,
    pub refresh: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyRequest {
    pub challenge_id: String,
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyRecoveryRequest {
    pub challenge_id: String,
    pub recovery_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeactivateRequest {
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SuccessResponse {
    pub success: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DetailResponse {
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct RefreshRequest {
    /// Optional when the refresh token is in the `refresh_token` cookie.
    pub refresh: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub mfa_enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct UserRegisterRequest {
    pub email: String,
    pub role: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserRegisterResponse {
    pub id: i64,
    pub email: String,
    /// What the invitation e-mail would carry: `GET /registration/verification/{key}/`.
    pub verification_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct SetPasswordRequest {
    pub new_password1: String,
    pub new_password2: String,
    /// The verification key, when the `twofold_set_password` cookie is not sent.
    pub key: Option<String>,
}
