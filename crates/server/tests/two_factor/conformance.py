#!/usr/bin/env python3
"""Conformance of `twofold serve --profile two-factor` with the real django-two-factor-auth.

    conformance.py run REAL_URL TWOFOLD_URL TWOFOLD_BIN OUT_DIR
    conformance.py compare OUT_DIR/real.json OUT_DIR/twofold.json

`run` drives both sites at once (one thread each, so that both meet the same TOTP steps and
the same waits) through the HTML flows by form posts with cookies and CSRF: register, log in
without 2FA, the setup wizard (the secret and otpauth link read from the page, its QR code),
backup tokens, log in through the token step, wrong codes, throttling (the back-off measured),
replay, drift, the backup step, the login timeout, disable. Every code comes from
`twofold code --uri-file - [--at T]`. Each exchange is recorded as what a client sees: status,
redirect, the wizard step, the forms' field and button names, the error messages.
`compare` asserts that the two records match exchange by exchange.
"""
import json
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from html.parser import HTMLParser

import requests

USER = "alice@example.com"
PASSWORD = "correct-horse-battery"
PERIOD = 30
# The login timeout both servers run with (TWO_FACTOR_LOGIN_TIMEOUT / --login-timeout).
LOGIN_TIMEOUT = 12


class Page(HTMLParser):
    """What a client reads from a page: inputs, buttons, errors, links, list items."""

    def __init__(self, text):
        super().__init__()
        self.inputs, self.buttons, self.errors, self.links, self.items = [], [], [], [], []
        self.values = {}
        self._err = 0
        self._li = None
        self._a = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            self.inputs.append(a["name"])
            self.values.setdefault(a["name"], a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self.buttons.append(f"{a['name']}={a.get('value', '')}")
        elif tag == "ul" and "errorlist" in (a.get("class") or ""):
            self._err += 1
        elif tag == "li":
            self._li = ""
        elif tag == "a":
            self._a = [a.get("href", ""), ""]

    def handle_endtag(self, tag):
        if tag == "ul" and self._err:
            self._err -= 1
        elif tag == "li" and self._li is not None:
            text = " ".join(self._li.split())
            (self.errors if self._err else self.items).append(text)
            self._li = None
        elif tag == "a" and self._a:
            self.links.append((self._a[0], self._a[1].strip()))
            self._a = None

    def handle_data(self, data):
        if self._li is not None:
            self._li += data
        if self._a is not None:
            self._a[1] += data


def code(twofold, uri, at=None):
    """`twofold code --uri-file -` (the URI on standard input, not in the process list)."""
    cmd = [twofold, "code", "--uri-file", "-"]
    if at is not None:
        cmd += ["--at", str(int(at))]
    out = subprocess.run(cmd, input=uri, capture_output=True, text=True, check=True)
    return out.stdout.strip()


class Client:
    def __init__(self, base, twofold):
        self.base = base.rstrip("/")
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.twofold = twofold
        self.http = requests.Session()
        self.log = []
        self.csrf = ""
        self.page = None

    def record(self, name, r, extra=None):
        loc = r.headers.get("Location", "")
        if loc.startswith(self.base):
            loc = loc[len(self.base):]
        entry = {"name": name, "status": r.status_code, "location": loc}
        ctype = r.headers.get("Content-Type", "")
        if "html" in ctype and r.status_code == 200:
            p = Page(r.text)
            self.page = p
            if p.values.get("csrfmiddlewaretoken"):
                self.csrf = p.values["csrfmiddlewaretoken"]
            steps = {k: v for k, v in p.values.items() if k.endswith("-current_step")}
            entry["step"] = steps
            entry["fields"] = sorted(set(p.inputs))
            entry["buttons"] = sorted(set(p.buttons))
            entry["errors"] = sorted(p.errors)
        elif r.status_code == 200:
            entry["content_type"] = ctype
        if extra:
            entry.update(extra)
        self.log.append(entry)
        return r

    def get(self, name, path):
        return self.record(name, self.http.get(self.base + path, allow_redirects=False, timeout=30))

    def post(self, name, path, data, csrf=True, extra=None):
        body = dict(data)
        if csrf:
            # The latest form's token, or on a page without a form the csrftoken cookie (as
            # Django's CSRF docs tell scripts to).
            body["csrfmiddlewaretoken"] = self.csrf
            if self.page is None or "csrfmiddlewaretoken" not in self.page.inputs:
                body["csrfmiddlewaretoken"] = self.http.cookies.get("csrftoken", self.csrf)
        r = self.http.post(self.base + path, data=body, allow_redirects=False, timeout=30,
                           headers={"Referer": self.base + path})
        return self.record(name, r, extra)

    # -- the flows ------------------------------------------------------------------------

    def login_step(self, prefix="login"):
        self.get(f"{prefix}: login page", "/account/login/")
        return self.post(f"{prefix}: auth step", "/account/login/", {
            "login_view-current_step": "auth", "auth-username": USER, "auth-password": PASSWORD})

    def token(self, name, token, step="token"):
        return self.post(name, "/account/login/", {
            "login_view-current_step": step, f"{step}-otp_token": token})

    def logout(self, name):
        self.get(f"{name}: profile (for the CSRF token)", "/account/two_factor/")
        return self.post(f"{name}: logout", "/account/logout/", {})


def wait_for_step_start(margin=1.0):
    """Sleeps to just after a TOTP step boundary: the flows then meet known steps."""
    now = time.time()
    into = now % PERIOD
    time.sleep((PERIOD - into) + margin)
    return int(time.time()) // PERIOD


class Run:
    """One client's script; `sync` is a barrier shared by both clients before each wait."""

    def __init__(self, client, sync):
        self.c = client
        self.sync = sync
        self.uri = None
        self.tokens = []

    def barrier(self):
        self.sync.wait(timeout=600)

    def script(self):
        c = self.c
        # Register (the example project's sign-up).
        c.get("register page", "/account/register/")
        c.post("register: mismatched passwords", "/account/register/",
               {"username": USER, "password1": PASSWORD, "password2": PASSWORD + "x"})
        c.post("register: short password", "/account/register/",
               {"username": USER, "password1": "short", "password2": "short"})
        c.post("register", "/account/register/",
               {"username": USER, "password1": PASSWORD, "password2": PASSWORD})
        c.get("register done", "/account/register/done/")
        c.get("register page again", "/account/register/")
        c.post("register: taken", "/account/register/",
               {"username": USER, "password1": PASSWORD, "password2": PASSWORD})
        # Log in without 2FA; the wizard's guards.
        c.get("login page", "/account/login/")
        c.post("login: no CSRF token", "/account/login/", {
            "login_view-current_step": "auth", "auth-username": USER, "auth-password": PASSWORD},
            csrf=False)
        c.post("login: no management form", "/account/login/",
               {"auth-username": USER, "auth-password": PASSWORD})
        c.post("login: empty", "/account/login/", {"login_view-current_step": "auth"})
        c.post("login: wrong password", "/account/login/", {
            "login_view-current_step": "auth", "auth-username": USER, "auth-password": "nope"})
        c.post("login: a step not open", "/account/login/", {
            "login_view-current_step": "token", "token-otp_token": "123456"})
        c.login_step("login without 2FA")
        c.get("profile without 2FA", "/account/two_factor/")
        c.get("backup tokens without a verified session", "/account/two_factor/backup/tokens/")
        c.get("disable without a verified session", "/account/two_factor/disable/")
        c.get("setup complete without a verified session", "/account/two_factor/setup/complete/")
        c.get("QR code before the generator step", "/account/two_factor/qrcode/")
        # The setup wizard.
        c.get("setup: welcome", "/account/two_factor/setup/")
        c.post("setup: no management form", "/account/two_factor/setup/", {})
        c.post("setup: welcome -> generator", "/account/two_factor/setup/",
               {"setup_view-current_step": "welcome"})
        links = [(h, t) for h, t in c.page.links if h.startswith("otpauth://")]
        assert len(links) == 1, f"{c.base}: one otpauth link on the generator step: {links}"
        self.uri, secret = links[0]
        c.log[-1]["secret_length"] = len(secret)
        c.log[-1]["secret_is_base32"] = bool(re.fullmatch(r"[A-Z2-7]+", secret))
        c.log[-1]["otpauth"] = re.sub(r"secret=[A-Z2-7]+", "secret=SECRET",
                                      self.uri.replace(urllib.parse.quote(c.host, safe=""), "HOST")
                                      .replace(c.host, "HOST"))
        assert secret in self.uri
        c.get("setup: QR code", "/account/two_factor/qrcode/")
        c.post("setup: token not a number", "/account/two_factor/setup/",
               {"setup_view-current_step": "generator", "generator-token": "abc"})
        c.post("setup: token empty", "/account/two_factor/setup/",
               {"setup_view-current_step": "generator", "generator-token": ""})
        self.barrier()
        s = wait_for_step_start()
        right = code(c.twofold, self.uri, s * PERIOD)
        wrong = f"{(int(right) + 1) % 1000000:06d}"
        c.post("setup: wrong token", "/account/two_factor/setup/",
               {"setup_view-current_step": "generator", "generator-token": wrong})
        c.post("setup: twofold code", "/account/two_factor/setup/",
               {"setup_view-current_step": "generator", "generator-token": code(c.twofold, self.uri)})
        c.get("setup complete", "/account/two_factor/setup/complete/")
        c.get("setup again: already set up", "/account/two_factor/setup/")
        # Backup tokens.
        c.get("backup tokens: none yet", "/account/two_factor/backup/tokens/")
        c.post("backup tokens: generate", "/account/two_factor/backup/tokens/", {})
        c.get("backup tokens: listed", "/account/two_factor/backup/tokens/")
        self.tokens = [t for t in c.page.items if re.fullmatch(r"[a-z2-7]{8}", t)]
        c.log[-1]["backup_tokens"] = len(self.tokens)
        c.logout("after setup")
        # The setup code is not spent (last_t -1): it logs in once, then is a replay.
        c.login_step("setup code")
        c.token("token step: the setup code", right)
        c.logout("after the setup code")
        c.login_step("replay")
        c.token("token step: empty", "")
        c.token("token step: letters", "12a")
        c.token("token step: the setup code again (replay)", right)
        # Throttling: 1, 2, 4 s after 1, 2, 3 failures; refusals do not count.
        t1 = time.time()
        c.token("throttle: refused 0 s after 1 failure", right)
        time.sleep(max(0, t1 + 1.15 - time.time()))
        c.token("throttle: failure 2 after 1 s", wrong)
        t2 = time.time()
        c.token("throttle: refused 0 s after 2 failures", wrong)
        time.sleep(max(0, t2 + 1.15 - time.time()))
        c.token("throttle: still refused 1 s after 2 failures", wrong)
        time.sleep(max(0, t2 + 2.15 - time.time()))
        c.token("throttle: failure 3 after 2 s", wrong)
        t3 = time.time()
        time.sleep(max(0, t3 + 3.0 - time.time()))
        c.token("throttle: still refused 3 s after 3 failures", wrong)
        time.sleep(max(0, t3 + 4.15 - time.time()))
        # Drift: a +1 code (next step) is accepted and moves the drift to +1.
        c.token("drift: a +1 code after 4 s", code(c.twofold, self.uri, (s + 1) * PERIOD))
        c.logout("after the +1 code")
        c.login_step("drift")
        c.token("drift: the current step's code (spent, refused)", code(c.twofold, self.uri, s * PERIOD))
        time.sleep(1.15)
        c.token("drift: a +2 code (in the window moved by +1)", code(c.twofold, self.uri, (s + 2) * PERIOD))
        c.logout("after the +2 code")
        # The backup step: its own device, its own throttle.
        c.login_step("backup")
        c.post("backup: use a backup token", "/account/login/", {"wizard_goto_step": "backup"})
        c.token("backup: wrong token", "zzzzzzzz", step="backup")
        c.token("backup: refused at once (throttled)", self.tokens[0], step="backup")
        time.sleep(1.15)
        c.token("backup: a listed token", self.tokens[0], step="backup")
        c.get("backup tokens: one fewer", "/account/two_factor/backup/tokens/")
        c.log[-1]["backup_tokens"] = len([t for t in c.page.items if re.fullmatch(r"[a-z2-7]{8}", t)])
        c.logout("after the backup token")
        c.login_step("backup reused")
        c.post("backup reused: use a backup token", "/account/login/", {"wizard_goto_step": "backup"})
        c.token("backup reused: the used token", self.tokens[0], step="backup")
        c.post("backup reused: back to the token step", "/account/login/", {"wizard_goto_step": "token"})
        # The login timeout (TWO_FACTOR_LOGIN_TIMEOUT).
        c.login_step("timeout")
        time.sleep(LOGIN_TIMEOUT + 1.5)
        c.token("timeout: token after the timeout", wrong)
        # A drift of 2 (after the +2 code) refuses the correct clock's code a step later,
        # until a +1 code walks it back to 1.
        self.barrier()
        time.sleep(max(0, (s + 3) * PERIOD + 1 - time.time()))
        s3 = int(time.time()) // PERIOD
        c.log.append({"name": "drift 2: the clock is 3 steps past setup", "ok": s3 == s + 3})
        c.login_step("drift 2")
        c.token("drift 2: twofold code (the correct clock) refused", code(c.twofold, self.uri))
        time.sleep(1.15)
        c.token("drift 2: a +1 code walks it back", code(c.twofold, self.uri, (s3 + 1) * PERIOD))
        c.get("disable: form", "/account/two_factor/disable/")
        c.post("disable: not ticked", "/account/two_factor/disable/", {})
        c.post("disable: ticked", "/account/two_factor/disable/", {"understand": "on"})
        c.get("profile after disable", "/account/two_factor/")
        c.get("backup tokens after disable", "/account/two_factor/backup/tokens/")
        c.get("logout by GET", "/account/logout/")
        c.logout("the end")
        c.login_step("after disable: no token step")


def run(real_url, twofold_url, twofold, out_dir):
    sync = threading.Barrier(2)
    results, errors = {}, {}

    def one(name, url):
        r = Run(Client(url, twofold), sync)
        try:
            r.script()
        except Exception as e:  # recorded, the other side goes on (the barrier is broken)
            errors[name] = f"{type(e).__name__}: {e}"
            sync.abort()
        results[name] = r.c.log

    threads = [threading.Thread(target=one, args=a) for a in
               (("real", real_url), ("twofold", twofold_url))]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, log in results.items():
        with open(f"{out_dir}/{name}.json", "w") as f:
            json.dump({"log": log, "error": errors.get(name)}, f, indent=1)
    print(f"conformance.py: both flows in {time.time() - started:.0f} s")
    if errors:
        for k, v in errors.items():
            print(f"conformance.py: the {k} flow stopped: {v}", file=sys.stderr)
        sys.exit(1)


def compare(a_path, b_path):
    a = json.load(open(a_path))["log"]
    b = json.load(open(b_path))["log"]
    fails = 0
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            fails += 1
            print(f"MISMATCH #{i} {x['name']!r}")
            for k in sorted(set(x) | set(y)):
                if x.get(k) != y.get(k):
                    print(f"   {k}: real={x.get(k)!r}\n   {' ' * len(k)}  twofold={y.get(k)!r}")
    if len(a) != len(b):
        fails += 1
        print(f"MISMATCH: {len(a)} exchanges with the real site, {len(b)} with Twofold")
    print(f"{min(len(a), len(b)) - fails} of {max(len(a), len(b))} exchanges match")
    return fails == 0


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(*sys.argv[2:6])
    elif sys.argv[1] == "compare":
        sys.exit(0 if compare(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)
