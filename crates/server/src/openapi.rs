//! `GET /openapi.json`, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{app, qa, rest};

#[derive(OpenApi)]
#[openapi(
    info(title = "Twofold MFA test server", description = "django-jwt-allauth's REST MFA flow (and QA aids), served locally by `twofold serve`."),
    paths(
        rest::registration, rest::user_register, rest::verify_email, rest::set_password,
        rest::login, rest::refresh, rest::logout, rest::user_details,
        rest::mfa_setup, rest::mfa_activate, rest::mfa_verify, rest::mfa_verify_recovery,
        rest::mfa_deactivate, rest::mfa_authenticators, rest::recovery_codes, rest::regenerate_recovery_codes,
        qa::list_users, qa::create_user, qa::delete_user, qa::reset, qa::get_clock, qa::set_clock, qa::log,
    ),
    components(schemas(
        rest::ErrorResponse, rest::DetailResponse, rest::SuccessResponse, rest::TokenResponse,
        rest::LoginResponse, rest::MfaRequiredResponse, rest::MfaSetupRequiredResponse,
        rest::SetupResponse, rest::ActivateResponse, rest::RecoveryCodesResponse, rest::UserResponse,
        rest::UserRegisterResponse, app::AuthenticatorInfo, app::UserSummary, app::CreatedUser,
        app::LogEntry, qa::ClockState,
    )),
    modifiers(&JwtAuth),
    tags((name = "auth"), (name = "registration"), (name = "mfa"), (name = "qa", description = "Loopback-only test aids"))
)]
pub struct ApiDoc;

struct JwtAuth;

impl Modify for JwtAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "jwt",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as JSON.
pub fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}
