//! Rate limits: the login throttle per client address and the failed-code lockout per user.

use std::net::IpAddr;

use crate::db::params;

use crate::error::Result;

use super::*;

impl App {
    // ----- login throttle (per client address) ------------------------------------------------

    /// The key of a client: its IPv4 address, or the /64 of an IPv6 one (a host has a whole
    /// /64 to pick addresses from).
    pub(super) fn client_key(ip: IpAddr) -> IpAddr {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }

    /// Seconds until `client` may try a password again, when it has had its share of failed
    /// logins in the window (`login-throttle`). Counted in the database: every instance on it
    /// sees the failures of the others.
    pub fn login_throttled(&self, client: IpAddr) -> Result<Option<u64>> {
        let key = Self::client_key(client).to_string();
        self.conn().lock(&format!("login_failures:{key}"))?;
        self.window_wait(
            "SELECT at FROM login_failures WHERE client = ?1 AND at > ?2 ORDER BY at DESC",
            key,
            self.cfg.login_throttle,
        )
    }

    /// Seconds until the oldest of the newest `rl.max_failures` failures that `sql` lists for
    /// `key` (times after `?2`, newest first) leaves the window, when there are that many.
    /// No `LIMIT ?`: SQLite plans a statement again whenever the value bound to its LIMIT
    /// changes, on every call here. The rows are few (older ones are deleted as failures are
    /// recorded).
    fn window_wait(
        &self,
        sql: &str,
        key: impl crate::db::ToArg,
        rl: crate::config::RateLimit,
    ) -> Result<Option<u64>> {
        let now = self.now() as i64;
        let mut times: Vec<i64> =
            self.conn()
                .rows(sql, params![key, now - rl.window_secs as i64], |r| r.get(0))?;
        times.truncate(rl.max_failures as usize);
        Ok(match times.last() {
            Some(oldest) if times.len() >= rl.max_failures as usize => {
                Some((oldest + rl.window_secs as i64 - now).max(1) as u64)
            }
            _ => None,
        })
    }

    /// Counts a failed password login of `client` (and forgets its failures older than the
    /// window).
    pub fn login_failed(&self, client: IpAddr) -> Result<()> {
        let (rl, now) = (self.cfg.login_throttle, self.now() as i64);
        let key = Self::client_key(client).to_string();
        self.batch(|| {
            let conn = self.conn();
            conn.exec(
                "INSERT INTO login_failures (client, at) VALUES (?1, ?2)",
                params![key, now],
            )?;
            conn.exec(
                "DELETE FROM login_failures WHERE client = ?1 AND at <= ?2",
                params![key, now - rl.window_secs as i64],
            )?;
            Ok(())
        })
    }

    // ----- rate limit ----------------------------------------------------------------------

    /// Seconds until the user may try again, when locked out.
    pub fn lockout_remaining(&self, user_id: i64) -> Result<Option<u64>> {
        // django-otp has no lockout per user: each device throttles itself (ThrottlingMixin).
        if self.cfg.profile.is_django_otp() {
            return Ok(None);
        }
        // Check, try and count as one across instances (PostgreSQL; inside a batch).
        self.conn().lock(&format!("mfa_failures:{user_id}"))?;
        self.window_wait(
            "SELECT at FROM mfa_failures WHERE user_id = ?1 AND at > ?2 ORDER BY at DESC",
            user_id,
            self.cfg.rate_limit,
        )
    }

    pub(super) fn record_failure(&self, user_id: i64) -> Result<()> {
        if self.cfg.profile.is_django_otp() {
            return Ok(());
        }
        let now = self.now() as i64;
        let conn = self.conn();
        conn.exec(
            "INSERT INTO mfa_failures (user_id, at) VALUES (?1, ?2)",
            params![user_id, now],
        )?;
        conn.exec(
            "DELETE FROM mfa_failures WHERE user_id = ?1 AND at <= ?2",
            params![user_id, now - self.cfg.rate_limit.window_secs as i64],
        )?;
        Ok(())
    }

    pub(super) fn clear_failures(&self, user_id: i64) -> Result<()> {
        self.conn().exec(
            "DELETE FROM mfa_failures WHERE user_id = ?1",
            params![user_id],
        )?;
        Ok(())
    }
}
