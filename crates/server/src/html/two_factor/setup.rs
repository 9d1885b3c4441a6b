//! `two_factor/views/core.py`: `SetupView` (the steps `welcome` → `generator`,
//! `setup_view-current_step`; only the generator method is installed, so `method` is skipped),
//! `QRGeneratorView` and `SetupCompleteView`.

use super::*;

const PREFIX: &str = "setup_view";
const SETUP_URL: &str = "/account/two_factor/setup/";
const COMPLETE_URL: &str = "/account/two_factor/setup/complete/";
const QR_URL: &str = "/account/two_factor/qrcode/";

fn reset(s: &mut HtmlSession) {
    s.tf.setup_step = None;
    s.tf.setup_key = false;
}

pub(super) async fn setup(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let query_next = next_of(&req);
    let site = site_name(&app, req.headers());
    let (mut ctx, _, form) = parts(&app, req).await;
    // login_required.
    let Some(user) = ctx.user() else {
        return fin(ctx, to_login(SETUP_URL));
    };
    let form = post_form!(ctx, form);
    let Some(input) = form else {
        // SetupView.get: a user with a default device goes to the success URL.
        if app.has_totp(user.id).unwrap_or(false) {
            let to = success_url(None, query_next, COMPLETE_URL);
            return fin(ctx, found(&to));
        }
        reset(&mut ctx.s);
        ctx.s.tf.setup_step = Some("welcome".into());
        return render(ctx, &user, &site, "welcome", Field::new("", "", ""), &[]);
    };
    let all = ["welcome", "generator"];
    let mut current = ctx
        .s
        .tf
        .setup_step
        .clone()
        .unwrap_or_else(|| "welcome".into());
    let goto = field(&input, "wizard_goto_step");
    if let Some(step) = all.iter().find(|s| **s == goto) {
        ctx.s.tf.setup_step = Some(step.to_string());
        return render(ctx, &user, &site, step, token_field(), &[]);
    }
    let posted = field(&input, &format!("{PREFIX}-current_step"));
    if posted.is_empty() {
        return bad_request(ctx);
    }
    if posted != current && ctx.s.tf.setup_step.is_some() {
        ctx.s.tf.setup_step = Some(posted.clone());
        current = posted;
    }
    if !all.contains(&current.as_str()) {
        ctx.s.tf.setup_step = Some("generator".into());
        return render(ctx, &user, &site, "generator", token_field(), &[]);
    }
    if current == "welcome" {
        // An empty Form: always valid; the next step is the generator.
        ctx.s.tf.setup_step = Some("generator".into());
        return render(ctx, &user, &site, "generator", token_field(), &[]);
    }
    // two_factor/forms.py, TOTPDeviceForm.token: IntegerField(min_value=0,
    // max_value=int('9' * totp_digits())), then clean_token.
    let raw = stripped(&input, "generator-token");
    let mut f = token_field();
    f.value = raw.clone();
    let max: i128 = "9"
        .repeat(app.cfg.digits as usize)
        .parse()
        .unwrap_or(999_999);
    let number = crate::django_otp::python_int(&raw);
    if raw.is_empty() {
        f.errors.push("This field is required.".into());
    } else {
        match number {
            None => f.errors.push("Enter a whole number.".into()),
            Some(n) if n < 0 => f
                .errors
                .push("Ensure this value is greater than or equal to 0.".into()),
            Some(n) if n > max => f
                .errors
                .push(format!("Ensure this value is less than or equal to {max}.")),
            Some(n) => {
                let ok =
                    ctx.s.tf.setup_key && app.otp_activate(&user, &n.to_string()).unwrap_or(false);
                if !ok {
                    f.errors.push("Entered token is not valid.".into());
                }
            }
        }
    }
    if !f.errors.is_empty() {
        return render(ctx, &user, &site, "generator", f, &[]);
    }
    // SetupView.done: the QR key leaves the session, the device is saved (above) and
    // django_otp.login marks the session verified; the wizard resets.
    reset(&mut ctx.s);
    ctx.s.tf.qr = false;
    ctx.s.tf.verified = true;
    let to = success_url(Some(&input), query_next, COMPLETE_URL);
    fin(ctx, found(&to))
}

fn token_field() -> Field<'static> {
    Field::new("generator-token", "Token", "text")
}

/// `two_factor/core/setup.html`: the welcome text, or the QR code, the secret as a link to
/// the otpauth URI, and the token field.
fn render(
    mut ctx: Ctx,
    user: &crate::app::User,
    site: &str,
    step: &str,
    token: Field<'_>,
    nonfield: &[String],
) -> Response {
    let (intro, fields, prev) = if step == "welcome" {
        (
            "<p>You are about to take your account security to the next level. Follow the steps in this wizard to enable two-factor authentication.</p>".to_string(),
            Vec::new(),
            None,
        )
    } else {
        // SetupView.get_key: one key per wizard run (a new pending secret when the wizard
        // reached this step afresh).
        let secret = if ctx.s.tf.setup_key {
            ctx.app.pending_secret(user).ok().flatten()
        } else {
            None
        };
        let secret = match secret {
            Some(s) => Some(s),
            None => ctx
                .app
                .setup_totp(user)
                .ok()
                .and_then(|_| ctx.app.pending_secret(user).ok().flatten()),
        };
        let Some(secret) = secret else {
            return fin(ctx, ServerError::bad_request("TOTP already activated."));
        };
        ctx.s.tf.setup_key = true;
        ctx.s.tf.qr = true;
        let b32 = secret.to_base32();
        let url = otpauth_url(&user.email, &b32, site, ctx.app.cfg.digits);
        (
            format!(
                r#"<p>To start using a token generator, please use your smartphone to scan the QR code below. For example, use Google Authenticator.</p>
<p><img src="{QR_URL}" alt="QR Code" class="qr"></p>
<p>Alternatively you can use the following secret to setup TOTP in your authenticator or password manager manually.</p>
<p>TOTP Secret: <a href="{}">{}</a></p>
<p>Then, enter the token generated by the app.</p>"#,
                esc(&url),
                esc(&b32)
            ),
            vec![token],
            Some("welcome"),
        )
    };
    let form = wizard_form(
        &ctx,
        PREFIX,
        step,
        prev,
        nonfield,
        &fields,
        Some(PROFILE_URL),
    );
    page(
        ctx,
        StatusCode::OK,
        "Enable Two-Factor Authentication",
        &format!("{intro}\n{form}"),
    )
}

/// `QRGeneratorView`: login required, 404 without the session's key, the otpauth URI as an
/// SVG (`image/svg+xml; charset=utf-8`).
pub(super) async fn qrcode(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let site = site_name(&app, req.headers());
    let (ctx, _, _) = parts(&app, req).await;
    let Some(user) = ctx.user() else {
        return fin(ctx, to_login(QR_URL));
    };
    let secret = if ctx.s.tf.qr {
        app.pending_secret(&user).ok().flatten()
    } else {
        None
    };
    let Some(secret) = secret else {
        return fin(ctx, StatusCode::NOT_FOUND);
    };
    let url = otpauth_url(&user.email, &secret.to_base32(), &site, app.cfg.digits);
    let svg = format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n{}",
        crate::app::qr_svg(&url)
    );
    fin(
        ctx,
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml; charset=utf-8"),
            )],
            svg,
        ),
    )
}

/// `SetupCompleteView`: `otp_required` (to the login with `next`), then the page.
pub(super) async fn complete(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let (ctx, _, _) = parts(&app, req).await;
    if !verified(&ctx) {
        return fin(ctx, to_login(COMPLETE_URL));
    }
    let body = format!(
        r#"<p>Congratulations, you've successfully enabled two-factor authentication.</p>
<p><a href="{PROFILE_URL}">Back to Account Security</a></p>"#
    );
    page(
        ctx,
        StatusCode::OK,
        "Enable Two-Factor Authentication",
        &body,
    )
}
