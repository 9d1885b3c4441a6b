#!/usr/bin/env python3
"""One scripted client of django-allauth's headless API, run through the whole TOTP life cycle,
once against the real django-allauth and once against `twofold serve --profile allauth`
(crates/server/tests/allauth/run.sh starts both). Every exchange is recorded; `compare` then
asserts that both servers gave the same status, error codes and messages, flow ids (with
is_pending and types) and JSON shape (keys and value types) for each.

  conformance.py run BASE_URL app|browser TWOFOLD_BIN OUT.json
  conformance.py compare REAL.json TWOFOLD.json

The TOTP codes come from Twofold's own `twofold code --uri-file -` (the otpauth URI the server
handed out in meta.totp_url), so Twofold's codes activate and log in against both servers.

Timing: a used TOTP code is refused by allauth for (2 * tolerance + 1) periods and a code is only
valid in its own 30 s step (tolerance 0), so the steps that must share a code first wait for a
fresh step with enough time left.
"""
import json
import subprocess
import sys
import time
import uuid

import requests

PASSWORD = "conformance-pass-1234"
PERIOD = 30
DEBUG = bool(__import__("os").environ.get("CONFORMANCE_DEBUG"))


class Client:
    def __init__(self, base, kind, log, name):
        self.base = base.rstrip("/")
        self.kind = kind
        self.log = log
        self.name = name
        self.http = requests.Session()
        self.token = None

    def prefix(self):
        return f"/_allauth/{self.kind}/v1/"

    def call(self, step, method, path, body=None, raw=None, headers=None, keep_token=True):
        h = {"Accept": "application/json"}
        if self.kind == "app":
            if self.token:
                h["X-Session-Token"] = self.token
        else:
            # What allauth's React SPA sends: the CSRF token from the csrftoken cookie, and
            # the page's own origin (the server's, as when Django serves the SPA).
            h["Origin"] = self.base
            csrf = self.http.cookies.get("csrftoken")
            if csrf and method != "GET":
                h["X-CSRFToken"] = csrf
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        if raw is not None:
            data = raw
        h.update(headers or {})
        r = self.http.request(method, self.base + self.prefix() + path, data=data, headers=h,
                              timeout=30)
        try:
            payload = r.json()
        except ValueError:
            payload = None
        entry = {
            "step": f"{self.name}: {step}",
            "method": method,
            "path": path,
            "status": r.status_code,
            "body": payload,
            "cookies": sorted(c for c in r.cookies.keys() if c != "csrftoken"),
        }
        self.log.append(entry)
        if DEBUG:
            print(entry["step"], r.status_code, json.dumps(payload)[:600], file=sys.stderr)
        if keep_token and isinstance(payload, dict):
            tok = (payload.get("meta") or {}).get("session_token")
            if tok:
                self.token = tok
            if payload.get("status") == 410:
                self.token = None
        if method == "DELETE" and path == "auth/session":
            # An app forgets its session token at logout (allauth's app client does).
            self.token = None
        return r.status_code, payload


def code_for(twofold, uri):
    out = subprocess.run([twofold, "code", "--uri-file", "-"], input=uri, text=True,
                         capture_output=True, check=True)
    return out.stdout.strip()


def wait_for_fresh_step(need=12):
    """Sleeps until the current TOTP step has at least `need` seconds left."""
    left = PERIOD - (time.time() % PERIOD)
    if left < need:
        time.sleep(left + 0.3)


def wrong(code):
    return f"{(int(code) + 500000) % 1000000:06d}"


def scenario(base, kind, twofold):
    log = []
    email = f"qa-{uuid.uuid4().hex[:10]}@example.test"
    a = Client(base, kind, log, "A")
    if kind == "browser":
        a.call("config (sets the CSRF cookie)", "GET", "config")
    else:
        a.call("config", "GET", "config")
    a.call("session, anonymous", "GET", "auth/session")
    a.call("signup", "POST", "auth/signup", {"email": email, "password": PASSWORD})
    a.call("session after signup", "GET", "auth/session")
    a.call("authenticators, none", "GET", "account/authenticators")
    st, totp = a.call("TOTP status: 404 with a pending secret", "GET", "account/authenticators/totp")
    uri = totp["meta"]["totp_url"]
    st, again = a.call("TOTP status again: a new pending secret", "GET",
                       "account/authenticators/totp")
    uri = again["meta"]["totp_url"]
    a.call("recovery codes before TOTP: 404", "GET", "account/authenticators/recovery-codes")
    a.call("activate without a code", "POST", "account/authenticators/totp", {})
    # Only an explicit reauthentication counts (allauth/account/internal/flows/reauthentication.py,
    # did_recently_reauthenticate): the signup does not, so activation asks for one.
    wait_for_fresh_step(need=20)
    activation = code_for(twofold, uri)
    a.call("activate with a wrong code", "POST", "account/authenticators/totp",
           {"code": wrong(activation)})
    a.call("activate: reauthentication required", "POST", "account/authenticators/totp",
           {"code": activation})
    a.call("reauthenticate with a wrong password", "POST", "auth/reauthenticate",
           {"password": "not-the-password"})
    a.call("reauthenticate", "POST", "auth/reauthenticate", {"password": PASSWORD})
    a.call("activate", "POST", "account/authenticators/totp", {"code": activation})
    a.call("activate twice", "POST", "account/authenticators/totp", {"code": activation})
    a.call("TOTP status", "GET", "account/authenticators/totp")
    a.call("authenticators list", "GET", "account/authenticators")
    a.call("logout", "DELETE", "auth/session")
    a.call("session after logout", "GET", "auth/session")
    a.call("login with a wrong password", "POST", "auth/login",
           {"email": email, "password": "not-the-password"})
    a.call("login: mfa_authenticate flow", "POST", "auth/login",
           {"email": email, "password": PASSWORD})
    a.call("session while pending", "GET", "auth/session")
    a.call("authenticators while pending: 401", "GET", "account/authenticators")
    a.call("2fa without a code", "POST", "auth/2fa/authenticate", {})
    a.call("2fa with a wrong code", "POST", "auth/2fa/authenticate", {"code": wrong(activation)})
    # allauth does not mark the activation code used: it logs in once more.
    a.call("2fa with the activation code", "POST", "auth/2fa/authenticate", {"code": activation})
    if kind == "browser":
        a.call("trust: no", "POST", "auth/2fa/trust", {"trust": False})
    a.call("session after 2fa", "GET", "auth/session")
    a.call("recovery codes: reauthentication required", "GET",
           "account/authenticators/recovery-codes")
    a.call("2fa reauthenticate with a wrong code", "POST", "auth/2fa/reauthenticate",
           {"code": wrong(activation)})
    a.call("reauthenticate by password", "POST", "auth/reauthenticate", {"password": PASSWORD})
    st, rc = a.call("recovery codes", "GET", "account/authenticators/recovery-codes")
    codes = rc["data"]["unused_codes"]
    a.call("2fa again when logged in", "POST", "auth/2fa/authenticate",
           {"code": activation})
    a.call("logout", "DELETE", "auth/session")
    a.call("login again", "POST", "auth/login", {"email": email, "password": PASSWORD})
    a.call("replay of the used code", "POST", "auth/2fa/authenticate", {"code": activation})
    a.call("login by recovery code", "POST", "auth/2fa/authenticate", {"code": codes[0]})
    if kind == "browser":
        a.call("trust this browser", "POST", "auth/2fa/trust", {"trust": True})
    a.call("recovery codes: reauthentication required", "GET",
           "account/authenticators/recovery-codes")
    a.call("reauthenticate by password", "POST", "auth/reauthenticate", {"password": PASSWORD})
    a.call("recovery codes: one used", "GET", "account/authenticators/recovery-codes")
    a.call("authenticators: last used", "GET", "account/authenticators")
    if kind == "browser":
        a.call("logout (trusted browser)", "DELETE", "auth/session")
        a.call("login from the trusted browser: no 2fa", "POST", "auth/login",
               {"email": email, "password": PASSWORD})
    if kind == "app":
        a.call("refresh with an unknown token", "POST", "tokens/refresh",
               {"refresh_token": "not-a-token"})
    # A second client (another device or browser) for reuse and the lockout; A stays logged in.
    b = Client(base, kind, log, "B")
    if kind == "browser":
        b.call("config", "GET", "config")
    b.call("login", "POST", "auth/login", {"email": email, "password": PASSWORD})
    b.call("reuse of the recovery code", "POST", "auth/2fa/authenticate", {"code": codes[0]})
    for i in range(4):
        b.call(f"wrong code {i + 2}", "POST", "auth/2fa/authenticate",
               {"code": wrong(code_for(twofold, uri))})
    b.call("lockout: even the right code", "POST", "auth/2fa/authenticate",
           {"code": code_for(twofold, uri)})
    b.call("lockout again", "POST", "auth/2fa/authenticate", {"code": codes[1]})
    # Deactivation from A, in a session that has not reauthenticated yet.
    a.call("deactivate (reauthenticated 2 steps ago)", "DELETE", "account/authenticators/totp")
    a.call("2fa reauthenticate while locked out", "POST", "auth/2fa/reauthenticate",
           {"code": code_for(twofold, uri)})
    a.call("reauthenticate by password", "POST", "auth/reauthenticate", {"password": PASSWORD})
    a.call("deactivate again: nothing to delete", "DELETE", "account/authenticators/totp")
    a.call("TOTP status after deactivation", "GET", "account/authenticators/totp",
           keep_token=True)
    a.call("authenticators after deactivation", "GET", "account/authenticators")
    a.call("recovery codes after deactivation", "GET", "account/authenticators/recovery-codes")
    a.call("logout", "DELETE", "auth/session")
    c = Client(base, kind, log, "C")
    if kind == "browser":
        c.call("config", "GET", "config")
    c.call("login without MFA", "POST", "auth/login", {"email": email, "password": PASSWORD})
    c.call("session", "GET", "auth/session")
    # Bad input: allauth's own answers, never a 5xx.
    c.call("malformed JSON", "POST", "auth/reauthenticate", raw="{not json",
           headers={"Content-Type": "application/json"})
    c.call("a JSON list", "POST", "auth/reauthenticate", raw="[1, 2]",
           headers={"Content-Type": "application/json"})
    c.call("a form body", "POST", "auth/reauthenticate", raw="password=x",
           headers={"Content-Type": "application/x-www-form-urlencoded"})
    c.call("a number for the password", "POST", "auth/reauthenticate", {"password": 5})
    c.call("logout", "DELETE", "auth/session")
    if kind == "app":
        c.token = "unknown-session-token"
        c.call("an unknown session token", "GET", "auth/session", keep_token=False)
        c.token = "unknown-session-token"
        c.call("an unknown session token on a POST", "POST", "auth/login",
               {"email": email, "password": PASSWORD}, keep_token=False)
    return log


# ----- comparison ---------------------------------------------------------------------------


def shape(v):
    """Keys and value types, recursively (numbers: int or float, as JSON has them)."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [shape(x) for x in v]
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if v is None:
        return "null"
    return "str"


def salient(body):
    """What must be equal, not just of the same type."""
    if not isinstance(body, dict):
        return body
    out = {"status": body.get("status")}
    out["errors"] = [(e.get("code"), e.get("param"), e.get("message"))
                     for e in body.get("errors") or []]
    data = body.get("data")
    if isinstance(data, dict):
        flows = data.get("flows")
        if flows is not None:
            out["flows"] = [(f.get("id"), f.get("is_pending"), sorted(f.get("types") or []))
                            for f in flows]
        out["methods"] = [(m.get("method"), m.get("type"), m.get("reauthenticated"))
                          for m in data.get("methods") or []]
        for k in ("type", "total_code_count", "unused_code_count", "account", "mfa"):
            if k in data:
                out[k] = data[k]
        if "user" in data:
            out["user_keys"] = sorted(data["user"])
    if isinstance(data, list):
        out["types"] = [d.get("type") for d in data]
        out["used"] = [d.get("last_used_at") is not None for d in data]
    meta = body.get("meta") or {}
    out["is_authenticated"] = meta.get("is_authenticated", "absent")
    out["session_token"] = "session_token" in meta
    return out


def compare(real, twofold):
    """(failure messages, indices of the exchanges that differ)."""
    failures = []
    bad = set()
    if len(real) != len(twofold):
        failures.append(f"{len(real)} exchanges against allauth, {len(twofold)} against Twofold")
    for i, (r, t) in enumerate(zip(real, twofold)):
        before = len(failures)
        where = f"{r['step']} ({r['method']} {r['path']})"
        if r["step"] != t["step"]:
            failures.append(f"{where}: Twofold ran {t['step']!r} here")
            bad.update(range(i, len(real)))
            break
        if r["status"] != t["status"]:
            failures.append(f"{where}: status {r['status']} (allauth) vs {t['status']} (Twofold)"
                            f"; Twofold said {json.dumps(t['body'])[:300]}"
                            f"; allauth said {json.dumps(r['body'])[:300]}")
            continue
        if t["status"] >= 500:
            failures.append(f"{where}: Twofold answered {t['status']}")
        if salient(r["body"]) != salient(t["body"]):
            failures.append(f"{where}: values differ\n  allauth: {salient(r['body'])}\n"
                            f"  Twofold: {salient(t['body'])}")
        if shape(r["body"]) != shape(t["body"]):
            failures.append(f"{where}: shape differs\n  allauth: {json.dumps(shape(r['body']))}"
                            f"\n  Twofold: {json.dumps(shape(t['body']))}")
        if r["cookies"] != t["cookies"]:
            failures.append(f"{where}: cookies set: {r['cookies']} vs {t['cookies']}")
        if len(failures) > before:
            bad.add(i)
    bad.update(range(min(len(real), len(twofold)), max(len(real), len(twofold))))
    return failures, bad


def main():
    if sys.argv[1] == "run":
        _, _, base, kind, twofold, out = sys.argv
        log = scenario(base, kind, twofold)
        with open(out, "w") as f:
            json.dump(log, f, indent=1)
        print(f"{kind}: {len(log)} exchanges with {base}")
    elif sys.argv[1] == "compare":
        real = json.load(open(sys.argv[2]))
        tf = json.load(open(sys.argv[3]))
        failures, bad = compare(real, tf)
        for f in failures:
            print("MISMATCH", f)
        total = max(len(real), len(tf))
        print(f"{total - len(bad)} passed, {len(bad)} failed")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
