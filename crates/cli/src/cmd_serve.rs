//! `twofold serve`: the local MFA test server (see docs/server.md).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use twofold_otp::Algorithm;
use twofold_server::{Config, Mode, Profile, RateLimit, Server};

use crate::error::CliError;
use crate::{CliResult, Out};

/// Request threads per core on PostgreSQL (each with its own connection, made when it first
/// needs one).
const POSTGRES_THREADS_PER_CORE: usize = 4;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which library the server stands in for, with its rules (tolerance, replay rule, lockout
    /// answer, otpauth label, recovery codes): allauth (django-allauth 65.x, headless API and
    /// pages), jwt-allauth (django-jwt-allauth's REST flow: today's behaviour), django-otp
    /// (django-otp's throttling, drift and backup tokens on the REST face), two-factor
    /// (django-two-factor-auth's pages) or allauth-2fa (django-allauth-2fa's)
    /// [default: jwt-allauth]. Every other flag overrides its profile's default
    #[arg(long, value_parser = ["allauth", "jwt-allauth", "django-otp", "two-factor", "allauth-2fa"])]
    profile: Option<String>,
    /// allauth's MFA_TRUST_ENABLED: "trust this browser" after a second factor (the headless
    /// browser client's auth/2fa/trust)
    #[arg(long)]
    trust: bool,
    /// allauth's ACCOUNT_RATE_LIMITS = False on the headless API: no login, signup or
    /// failed-login rate limits (load tests from one address)
    #[arg(long)]
    no_account_rate_limits: bool,
    /// allauth's MFA_TRUST_COOKIE_AGE in seconds [default: 1209600, 14 days]
    #[arg(long, value_name = "SECONDS")]
    trust_cookie_age: Option<u64>,
    /// allauth's ACCOUNT_LOGIN_TIMEOUT / two-factor-auth's TWO_FACTOR_LOGIN_TIMEOUT: seconds a
    /// login may take through its stages [default: 900; 600 with --profile two-factor]
    #[arg(long, value_name = "SECONDS")]
    login_timeout: Option<u64>,
    /// allauth's ACCOUNT_REAUTHENTICATION_TIMEOUT: how long a reauthentication counts
    /// [default: 300]
    #[arg(long, value_name = "SECONDS")]
    reauthentication_timeout: Option<u64>,
    /// TOML file with the same settings (keys named as the flags); flags override it
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8000]
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
    /// Allow a non-loopback --bind (the QA endpoints still answer loopback clients only)
    #[arg(long)]
    allow_remote: bool,
    /// Also accept this host name in the Host header (repeatable); besides it only loopback
    /// names and addresses and the --bind address are served, so that no web page can reach the
    /// server through a name of its own (DNS rebinding)
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// Proxies in front of the server that add to X-Forwarded-For (allauth's
    /// ALLAUTH_TRUSTED_PROXY_COUNT): the client's address, for the login throttle and the rate
    /// limits, is the one that many entries from the header's end [default: 0, the header is
    /// ignored]
    #[arg(long, value_name = "N")]
    trusted_proxy_count: Option<usize>,
    /// A header a trusted proxy sets to the client's address, such as X-Real-IP (allauth's
    /// ALLAUTH_TRUSTED_CLIENT_IP_HEADER), taken instead of X-Forwarded-For
    #[arg(long, value_name = "NAME")]
    trusted_client_ip_header: Option<String>,
    /// The database: a SQLite file, or a PostgreSQL database that several instances share
    /// (postgres://USER:PASSWORD@HOST:PORT/DATABASE, which needs --key-file) [default:
    /// twofold/server.sqlite3 in the data directory]
    #[arg(
        long,
        value_name = "PATH|URL",
        env = "TWOFOLD_SERVER_DB",
        hide_env_values = true
    )]
    db: Option<PathBuf>,
    /// Where the server key lives: file (<db>.key, 0600), keyring (the OS keyring), auto (the
    /// key file if there is one, else the keyring if one answers, else a key file) [default: file]
    #[arg(long, value_parser = ["file", "keyring", "auto"])]
    key_store: Option<String>,
    /// Read the server key (which encrypts TOTP secrets and signs tokens) from this file,
    /// created 0600 when absent, instead of <db>.key: servers sharing a database share it
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "key_store",
        env = "TWOFOLD_SERVER_KEY_FILE"
    )]
    key_file: Option<PathBuf>,
    /// MFA TOTP mode (JWT_ALLAUTH_MFA_TOTP_MODE) [default: optional]
    #[arg(long, value_parser = ["disabled", "optional", "required"])]
    mode: Option<String>,
    /// Issuer in the otpauth:// URI [default: Twofold]
    #[arg(long)]
    issuer: Option<String>,
    /// Code length, 6 to 10 [default: 6]
    #[arg(long)]
    digits: Option<u32>,
    /// Step in seconds [default: 30]
    #[arg(long)]
    period: Option<u64>,
    /// SHA1, SHA256 or SHA512 [default: SHA1]
    #[arg(long)]
    algorithm: Option<String>,
    /// Steps accepted before and after the current one [default: 1; 0 with --profile allauth]
    #[arg(long)]
    tolerance: Option<u64>,
    /// Recovery codes per user [default: 10]
    #[arg(long, value_name = "N")]
    recovery_codes: Option<u32>,
    /// Backup tokens per set under the django-otp profiles (the same setting as
    /// --recovery-codes) [default: 10; 3 with --profile allauth-2fa]
    #[arg(long, value_name = "N", conflicts_with = "recovery_codes")]
    backup_tokens: Option<u32>,
    /// django-otp's OTP_TOTP_THROTTLE_FACTOR / OTP_STATIC_THROTTLE_FACTOR: after n failures a
    /// device refuses every code for FACTOR × 2^(n−1) s; 0 disables [default: 1]
    #[arg(long, value_name = "SECONDS")]
    throttle_factor: Option<u64>,
    /// django-otp's OTP_TOTP_SYNC = True: an accepted off-centre code moves the drift [default]
    #[arg(long, overrides_with = "no_totp_sync")]
    totp_sync: bool,
    /// django-otp's OTP_TOTP_SYNC = False
    #[arg(long, overrides_with = "totp_sync")]
    no_totp_sync: bool,
    /// Lifetime of login/setup challenges in seconds [default: 300]
    #[arg(long, value_name = "SECONDS")]
    challenge_ttl: Option<u64>,
    /// Failed MFA attempts per user and window before lockout [default: 5/300s]
    #[arg(long, value_name = "N/SECONDS")]
    rate_limit: Option<String>,
    /// Failed password logins per client address and window before its logins wait (429)
    /// [default: 20/60s]
    #[arg(long, value_name = "N/SECONDS")]
    login_throttle: Option<String>,
    /// Send the refresh token as an HTTP-only cookie instead of in the JSON body
    #[arg(long)]
    refresh_token_as_cookie: bool,
    /// Run the server's clock this many seconds ahead (negative: behind)
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true)]
    clock_offset: Option<i64>,
    /// Accept this code as valid for every user (needs --insecure and a loopback --bind)
    #[arg(long, value_name = "CODE")]
    insecure_bypass_code: Option<String>,
    /// Allow insecure testing aids such as --insecure-bypass-code
    #[arg(long)]
    insecure: bool,
    /// Abandon a half-done HTML login when another page is loaded (django-allauth-2fa)
    #[arg(long)]
    reset_login_on_navigation: bool,
    /// Cheap Argon2id parameters (tests and benchmarks only; never for real passwords)
    #[arg(long)]
    light_password_hashing: bool,
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

/// Defaults, then the config file, then the flags.
pub fn build_config(a: &ServeArgs) -> Result<Config, CliError> {
    let (mut c, file_keys) = match &a.config {
        Some(path) => {
            let c = Config::from_toml_file(path).map_err(usage)?;
            let keys = Config::toml_file_keys(path);
            (c, keys)
        }
        None => (Config::default(), Vec::new()),
    };
    // The profile's defaults first (from the flag, or the file's `profile`); the file's own
    // values and the flags then override them.
    let profile = match &a.profile {
        Some(p) => Some(p.parse::<Profile>().map_err(usage)?),
        None => file_keys
            .iter()
            .any(|k| k == "profile")
            .then_some(c.profile),
    };
    if let Some(p) = profile {
        let (tolerance, codes) = (c.tolerance, c.recovery_codes);
        c.apply_profile(p);
        if file_keys.iter().any(|k| k == "tolerance") {
            c.tolerance = tolerance;
        }
        if file_keys.iter().any(|k| k == "recovery-codes") {
            c.recovery_codes = codes;
        }
    }
    c.trust |= a.trust;
    if a.no_account_rate_limits {
        c.account_rate_limits = false;
    }
    if let Some(v) = a.trust_cookie_age {
        c.trust_cookie_age = v;
    }
    if let Some(v) = a.login_timeout {
        c.login_timeout = v;
    }
    if let Some(v) = a.reauthentication_timeout {
        c.reauthentication_timeout = v;
    }
    if let Some(v) = a.bind {
        c.bind = v;
    }
    c.allow_remote |= a.allow_remote;
    c.allowed_hosts.extend(a.allowed_hosts.iter().cloned());
    if let Some(n) = a.trusted_proxy_count {
        c.trusted_proxy_count = n;
    }
    if a.trusted_client_ip_header.is_some() {
        c.trusted_client_ip_header = a.trusted_client_ip_header.clone();
    }
    if a.db.is_some() {
        c.db = a.db.clone();
    }
    if let Some(k) = &a.key_store {
        c.key_store = k.parse::<twofold_server::KeyStore>().map_err(usage)?;
    }
    if a.key_file.is_some() {
        c.key_file = a.key_file.clone();
    }
    if let Some(m) = &a.mode {
        c.mode = m.parse::<Mode>().map_err(usage)?;
    }
    if let Some(v) = &a.issuer {
        c.issuer = v.clone();
    }
    if let Some(v) = a.digits {
        c.digits = v;
    }
    if let Some(v) = a.period {
        c.period = v;
    }
    if let Some(v) = &a.algorithm {
        c.algorithm = v.parse::<Algorithm>()?;
    }
    if let Some(v) = a.tolerance {
        c.tolerance = v;
    }
    if let Some(v) = a.recovery_codes.or(a.backup_tokens) {
        c.recovery_codes = v;
    }
    if let Some(v) = a.throttle_factor {
        c.throttle_factor = v;
    }
    if a.no_totp_sync {
        c.totp_sync = false;
    } else if a.totp_sync {
        c.totp_sync = true;
    }
    if let Some(v) = a.challenge_ttl {
        c.challenge_ttl = v;
    }
    if let Some(v) = &a.rate_limit {
        c.rate_limit = v.parse::<RateLimit>().map_err(usage)?;
    }
    if let Some(v) = &a.login_throttle {
        c.login_throttle = v.parse::<RateLimit>().map_err(usage)?;
    }
    c.refresh_token_as_cookie |= a.refresh_token_as_cookie;
    if let Some(v) = a.clock_offset {
        c.clock_offset = v;
    }
    if a.insecure_bypass_code.is_some() {
        c.insecure_bypass_code = a.insecure_bypass_code.clone();
    }
    c.insecure |= a.insecure;
    c.reset_login_on_navigation |= a.reset_login_on_navigation;
    if a.light_password_hashing {
        c.password_hashing = twofold_server::PasswordHashing::light();
    }
    c.validate().map_err(usage)?;
    Ok(c)
}

pub fn run(args: ServeArgs, out: Out) -> CliResult {
    let config = build_config(&args)?;
    // SQLite: one thread for every request: they all take turns on the one database connection
    // anyway, and more workers only wake each other to wait for it (docs/server.md: two workers
    // gave fewer flows/s and a longer tail than one). Password hashing that is not cheap runs
    // on the blocking pool, in parallel.
    // On PostgreSQL a request mostly waits for its statements' round trips, each thread on a
    // connection of its own: several request threads wait at once (docs/server.md, Benchmark).
    let postgres = matches!(
        config.database(),
        Ok(twofold_server::db::Database::Postgres(_))
    );
    let rt = if postgres {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(POSTGRES_THREADS_PER_CORE * cores)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .map_err(CliError::Output)?;
    rt.block_on(async move {
        let mode = config.mode;
        let profile = config.profile;
        let handle = Server::start(config)
            .await
            .map_err(|e| CliError::Server(e.to_string()))?;
        let app = handle.app().clone();
        writeln!(
            out,
            "Twofold test server on {} (profile {profile}, mode {mode}, database {})",
            handle.url(),
            app.database().display()
        )?;
        out.flush()?;
        eprintln!(
            "  REST: {0}/login/  pages: {0}{1}  allauth headless: {0}/_allauth/browser/v1 and {0}/_allauth/app/v1\n  OpenAPI: {0}/openapi.json  QA: {0}/_twofold/users\n  Ctrl-C stops it.",
            handle.url(),
            profile.pages_path()
        );
        let stop = async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                match signal(SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = tokio::signal::ctrl_c() => {},
                            _ = term.recv() => {},
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        stop.await;
        handle.stop().await;
        Ok(0)
    })
}
