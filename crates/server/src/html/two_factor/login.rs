//! `two_factor/views/core.py`, `LoginView`: one URL, the steps `auth` → `token` → `backup`
//! (`login_view-current_step`), on django-formtools' `SessionWizardView.post` as
//! `two_factor/views/utils.py`'s `IdempotentSessionWizardView` overrides it.

use crate::django_otp::Verdict;

use super::*;

const PREFIX: &str = "login_view";
/// `django/contrib/auth/forms.py`, `AuthenticationForm.error_messages["invalid_login"]`
/// (username field "username").
const INVALID_LOGIN: &str =
    "Please enter a correct username and password. Note that both fields may be case-sensitive.";
/// `django_otp/forms.py`, `otp_error_messages`.
const TOKEN_REQUIRED: &str = "Please enter your OTP token.";
const INVALID_TOKEN: &str = "Invalid token. Please make sure you have entered it correctly.";
const DEVICE_REQUIRED: &str = "Please select a device.";
/// `two_factor/views/core.py`, `LoginView.get_form` with `show_timeout_error`.
const TIMED_OUT: &str = "Your session has timed out. Please login again.";
const REQUIRED: &str = "This field is required.";

/// `LoginStorage.reset`.
fn reset(s: &mut HtmlSession) {
    s.tf.login_step = None;
    s.tf.login_user = None;
    s.tf.auth_time = 0;
    s.tf.token_done = false;
}

/// The steps that apply (`condition_dict`): `token` when the user of the auth step has a
/// default device (`has_token_step`), `backup` too while the token step has not validated
/// (`has_backup_step`).
fn steps(app: &App, s: &HtmlSession) -> Vec<&'static str> {
    let device =
        s.tf.login_user
            .is_some_and(|id| app.has_totp(id).unwrap_or(false));
    let mut all = vec!["auth"];
    if device {
        all.push("token");
        if !s.tf.token_done {
            all.push("backup");
        }
    }
    all
}

/// `IdempotentSessionWizardView.get_prev_step`: auth for token; token for backup (the token
/// form is not idempotent but has not validated, so it is visible).
fn prev(step: &str) -> Option<&'static str> {
    match step {
        "token" => Some("auth"),
        "backup" => Some("token"),
        _ => None,
    }
}

pub(super) async fn login(State(app): State<Arc<App>>, req: Request) -> Response {
    if let Some(r) = off(&app) {
        return r;
    }
    let query_next = next_of(&req);
    let (mut ctx, method, form) = parts(&app, req).await;
    let form = post_form!(ctx, form);
    let Some(input) = form else {
        // WizardView.get: storage.reset(), current_step = the first step.
        let _ = method;
        reset(&mut ctx.s);
        ctx.s.tf.login_step = Some("auth".into());
        return render(ctx, "auth", &[], &[]);
    };
    let now = app.now();
    let goto = field(&input, "wizard_goto_step");
    if goto == "auth" {
        reset(&mut ctx.s);
    }
    let mut current = ctx.s.tf.login_step.clone().unwrap_or_else(|| "auth".into());
    // LoginView.expired: TWO_FACTOR_LOGIN_TIMEOUT after authentication_time (0 = never).
    let timeout = app.cfg.login_timeout;
    let expired = timeout != 0 && now > ctx.s.tf.auth_time + timeout;
    if expired && current != "auth" {
        reset(&mut ctx.s);
        ctx.s.tf.login_step = Some("auth".into());
        return render(ctx, "auth", &[TIMED_OUT.to_string()], &[]);
    }
    let all = steps(&app, &ctx.s);
    if !all.contains(&current.as_str()) {
        return goto_step(ctx, all[all.len() - 1]);
    }
    if let Some(step) = all.iter().find(|s| **s == goto) {
        return goto_step(ctx, step);
    }
    // The management form (ManagementForm.current_step, required): missing -> 400.
    let posted = field(&input, &format!("{PREFIX}-current_step"));
    if posted.is_empty() {
        return bad_request(ctx);
    }
    if posted != current && ctx.s.tf.login_step.is_some() {
        ctx.s.tf.login_step = Some(posted.clone());
        current = posted;
    }
    if !all.contains(&current.as_str()) {
        return goto_step(ctx, all[all.len() - 1]);
    }
    match current.as_str() {
        "auth" => auth_step(ctx, &app, &input, query_next).await,
        step => code_step(ctx, &app, &input, step == "backup", query_next),
    }
}

/// `render_goto_step`: the step's form, unbound.
fn goto_step(mut ctx: Ctx, step: &str) -> Response {
    ctx.s.tf.login_step = Some(step.to_string());
    render(ctx, step, &[], &[])
}

async fn auth_step(
    mut ctx: Ctx,
    app: &Arc<App>,
    input: &Input,
    query_next: Option<String>,
) -> Response {
    // AuthenticationForm: username (CharField, stripped), password (not stripped).
    let username = stripped(input, "auth-username");
    let password = field(input, "auth-password");
    let mut fields = vec![
        Field::new("auth-username", "Username", "text"),
        Field::new("auth-password", "Password", "password"),
    ];
    fields[0].value = username.clone();
    if username.is_empty() {
        fields[0].errors.push(REQUIRED.into());
    }
    if password.is_empty() {
        fields[1].errors.push(REQUIRED.into());
    }
    if username.is_empty() || password.is_empty() {
        return render_fields(ctx, "auth", &[], fields);
    }
    let a = app.clone();
    let user = match app
        .hashing(move || a.authenticate(&username, &password))
        .await
    {
        Ok(u) => u,
        Err(e) => return fin(ctx, e),
    };
    let Some(user) = user else {
        return render_fields(ctx, "auth", &[INVALID_LOGIN.to_string()], fields);
    };
    // LoginView.process_step: storage.reset(), authenticated_user, authentication_time.
    reset(&mut ctx.s);
    ctx.s.tf.login_user = Some(user.id);
    ctx.s.tf.auth_time = app.now();
    let all = steps(app, &ctx.s);
    if all.len() == 1 {
        // No device: the auth step is the last; done() logs in without a device.
        return done(ctx, user.id, false, None, query_next);
    }
    ctx.s.tf.login_step = Some("token".into());
    render(ctx, "token", &[], &[])
}

/// The token and backup steps: `AuthenticationTokenForm` (`otp_token`: `RegexField`
/// `^[0-9]*$`, exactly `totp_digits()` characters, not stripped) and `BackupTokenForm`
/// (`CharField`, stripped), then `OTPAuthenticationFormMixin.clean_otp` on the step's device.
fn code_step(
    mut ctx: Ctx,
    app: &Arc<App>,
    input: &Input,
    backup: bool,
    query_next: Option<String>,
) -> Response {
    let step = if backup { "backup" } else { "token" };
    let name = if backup {
        "backup-otp_token"
    } else {
        "token-otp_token"
    };
    let Some(user_id) = ctx.s.tf.login_user else {
        return goto_step(ctx, "auth");
    };
    let raw = field(input, name);
    let token = if backup { raw.trim().to_string() } else { raw };
    let mut f = Field::new(name, "Token", "text");
    f.value = token.clone();
    if token.is_empty() {
        f.errors.push(REQUIRED.into());
    } else if !backup {
        let digits = app.cfg.digits as usize;
        let n = token.chars().count();
        // CharField's MinLength/MaxLength validators, then RegexField's: all reported.
        if n < digits {
            f.errors.push(format!(
                "Ensure this value has at least {digits} characters (it has {n})."
            ));
        }
        if n > digits {
            f.errors.push(format!(
                "Ensure this value has at most {digits} characters (it has {n})."
            ));
        }
        if !token.chars().all(|c| c.is_ascii_digit()) {
            f.errors.push("Enter a valid value.".into());
        }
    }
    let mut nonfield = Vec::new();
    if !f.errors.is_empty() {
        // clean() still runs: cleaned_data has no otp_token.
        nonfield.push(TOKEN_REQUIRED.to_string());
        return render_fields(ctx, step, &nonfield, vec![f]);
    }
    let verdict = if backup {
        if !has_static(app, user_id) {
            Err(DEVICE_REQUIRED.to_string())
        } else {
            app.otp_verify_static(user_id, &token)
                .map_err(|_| DEVICE_REQUIRED.to_string())
        }
    } else {
        app.otp_verify_totp(user_id, &token)
            .map_err(|_| DEVICE_REQUIRED.to_string())
    };
    match verdict {
        Ok(Verdict::Accepted) => {
            if !backup {
                ctx.s.tf.token_done = true;
            }
            done(ctx, user_id, true, Some(input), query_next)
        }
        Ok(Verdict::Invalid) => {
            nonfield.push(INVALID_TOKEN.to_string());
            render_fields(ctx, step, &nonfield, vec![f])
        }
        Ok(Verdict::Throttled(r)) => {
            nonfield.push(r.message());
            render_fields(ctx, step, &nonfield, vec![f])
        }
        Err(m) => {
            nonfield.push(m);
            render_fields(ctx, step, &nonfield, vec![f])
        }
    }
}

/// `LoginView.done`: `login()` (a new session key), django-otp's `user_logged_in` handler
/// marking the session verified when a device was used, then the success URL.
fn done(
    mut ctx: Ctx,
    user_id: i64,
    with_device: bool,
    input: Option<&Input>,
    query_next: Option<String>,
) -> Response {
    let to = success_url(input, query_next, PROFILE_URL);
    reset(&mut ctx.s);
    ctx.new_id();
    ctx.s.user_id = Some(user_id);
    ctx.s.tf.verified = with_device;
    fin(ctx, found(&to))
}

fn render(ctx: Ctx, step: &str, nonfield: &[String], _: &[()]) -> Response {
    let fields = match step {
        "auth" => vec![
            Field::new("auth-username", "Username", "text"),
            Field::new("auth-password", "Password", "password"),
        ],
        "token" => vec![Field::new("token-otp_token", "Token", "text")],
        _ => vec![Field::new("backup-otp_token", "Token", "text")],
    };
    render_fields(ctx, step, nonfield, fields)
}

/// `two_factor/core/login.html`.
fn render_fields(ctx: Ctx, step: &str, nonfield: &[String], fields: Vec<Field<'_>>) -> Response {
    let intro = match step {
        "auth" => "Enter your credentials.",
        "token" => "Please enter the token generated by your token generator.",
        _ => "Use this form for entering backup tokens for logging in. These tokens have been generated for you to print and keep safe. Please enter one of these backup tokens to login to your account.",
    };
    let form = wizard_form(
        &ctx,
        PREFIX,
        step,
        prev(step),
        nonfield,
        &fields,
        Some(LOGIN_URL),
    );
    // The backup form: `backup_tokens` on the token step (a static device of the user).
    let backup = if step == "token"
        && ctx
            .s
            .tf
            .login_user
            .is_some_and(|id| has_static(&ctx.app, id))
    {
        format!(
            r#"<hr><div class="backup_tokens_form"><form action="" method="post">{}
<p>As a last resort, you can use a backup token:</p>
<p><button name="wizard_goto_step" type="submit" value="backup">Use Backup Token</button></p>
</form></div>"#,
            ctx.csrf_input()
        )
    } else {
        String::new()
    };
    let body = format!("<p>{intro}</p>\n{form}\n{backup}");
    page(ctx, StatusCode::OK, "Login", &body)
}
