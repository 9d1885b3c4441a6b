#!/usr/bin/env python3
"""Conformance of `twofold serve --profile allauth-2fa` with the real django-allauth-2fa.

    conformance.py run REAL_URL TWOFOLD_URL TWOFOLD_BIN OUT_DIR
    conformance.py compare OUT_DIR/real.json OUT_DIR/twofold.json

Both sites at once, as crates/server/tests/two_factor/conformance.py (whose client and page
reader this reuses): sign-up, the setup page (a new secret after a failed token, the token
from `twofold code`), backup tokens (3), logout, login → two-factor-authenticate, the middleware
(another page abandons the half-done login), the setup code spent, match_token's throttling of
both devices, a backup token, remove (a token required).
"""
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "two_factor"))
from conformance import PERIOD, Client, code, compare, wait_for_step_start  # noqa: E402

EMAIL = "bob@example.com"
PASSWORD = "correct-horse-battery"


def secret_of(c):
    m = re.search(r"Secret:\s*(?:<code[^>]*>)?\s*([A-Z2-7]{32})", c.last_text)
    assert m, f"{c.base}: no secret on the setup page"
    return m.group(1)


class Run:
    def __init__(self, client, sync):
        self.c = client
        self.sync = sync

    def script(self):
        c = self.c
        c.get("signup page", "/accounts/signup/")
        c.post("signup", "/accounts/signup/",
               {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD})
        c.get("backup tokens without a device", "/accounts/two-factor/backup-tokens/")
        c.get("remove without a device", "/accounts/two-factor/remove/")
        c.get("setup page", "/accounts/two-factor/setup/")
        first = secret_of(c)
        c.post("setup: no CSRF token", "/accounts/two-factor/setup/", {"otp_token": "1"},
               csrf=False)
        c.post("setup: empty token", "/accounts/two-factor/setup/", {"otp_token": ""})
        second = secret_of(c)
        c.post("setup: wrong token", "/accounts/two-factor/setup/", {"otp_token": "000000"})
        secret = secret_of(c)
        c.log[-1]["new secret after each failure"] = len({first, second, secret}) == 3
        uri = f"otpauth://totp/conformance?secret={secret}"
        self.sync.wait(timeout=600)
        s = wait_for_step_start()
        setup_code = code(c.twofold, uri, s * PERIOD)
        c.post("setup: twofold code", "/accounts/two-factor/setup/", {"otp_token": setup_code})
        c.get("setup again: has a device", "/accounts/two-factor/setup/")
        c.get("backup tokens: none", "/accounts/two-factor/backup-tokens/")
        c.post("backup tokens: generate", "/accounts/two-factor/backup-tokens/", {})
        tokens = [t for t in c.page.items if re.fullmatch(r"[a-z2-7]{8}", t)]
        c.log[-1]["backup_tokens"] = len(tokens)
        c.post("logout", "/accounts/logout/", {})
        c.get("authenticate without a pending login", "/accounts/two-factor/authenticate/")
        c.get("login page", "/accounts/login/")
        c.post("login", "/accounts/login/", {"login": EMAIL, "password": PASSWORD})
        c.get("authenticate page", "/accounts/two-factor/authenticate/")
        c.get("another page (the middleware)", "/accounts/login/")
        c.get("authenticate after another page", "/accounts/two-factor/authenticate/")
        c.post("login (2)", "/accounts/login/", {"login": EMAIL, "password": PASSWORD})
        c.get("authenticate page (2)", "/accounts/two-factor/authenticate/")
        c.post("a POST to another page (the middleware)", "/accounts/logout/", {})
        c.get("authenticate after a POST elsewhere", "/accounts/two-factor/authenticate/")
        c.get("login page (3)", "/accounts/login/")
        c.post("login again", "/accounts/login/", {"login": EMAIL, "password": PASSWORD})
        c.get("authenticate page again", "/accounts/two-factor/authenticate/")
        c.post("authenticate: empty", "/accounts/two-factor/authenticate/", {"otp_token": ""})
        c.post("authenticate: the setup code (spent)", "/accounts/two-factor/authenticate/",
               {"otp_token": setup_code})
        c.post("authenticate: a backup token at once (both devices throttled)",
               "/accounts/two-factor/authenticate/", {"otp_token": tokens[0]})
        time.sleep(1.15)
        c.post("authenticate: the backup token after 1 s", "/accounts/two-factor/authenticate/",
               {"otp_token": tokens[0]})
        c.get("backup tokens: two left", "/accounts/two-factor/backup-tokens/")
        c.log[-1]["backup_tokens"] = len([t for t in c.page.items if re.fullmatch(r"[a-z2-7]{8}", t)])
        c.get("remove page", "/accounts/two-factor/remove/")
        c.post("remove: empty", "/accounts/two-factor/remove/", {"otp_token": ""})
        c.post("remove: wrong", "/accounts/two-factor/remove/", {"otp_token": "zzzz"})
        time.sleep(2.15)
        c.post("remove: a +1 code", "/accounts/two-factor/remove/",
               {"otp_token": code(c.twofold, uri, (s + 1) * PERIOD)})
        c.get("backup tokens after remove", "/accounts/two-factor/backup-tokens/")
        c.post("logout at the end", "/accounts/logout/", {})
        c.get("login page at the end", "/accounts/login/")
        c.post("login without a device", "/accounts/login/", {"login": EMAIL, "password": PASSWORD})


class TextClient(Client):
    """The two-factor client, keeping the last page's text (the secret is plain text here)."""

    def record(self, name, r, extra=None):
        self.last_text = r.text if "html" in r.headers.get("Content-Type", "") else ""
        out = super().record(name, r, extra)
        # The step field does not exist on these pages.
        self.log[-1].pop("step", None)
        return out


def run(real_url, twofold_url, twofold, out_dir):
    sync = threading.Barrier(2)
    results, errors = {}, {}

    def one(name, url):
        r = Run(TextClient(url, twofold), sync)
        try:
            r.script()
        except Exception as e:
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


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(*sys.argv[2:6])
    elif sys.argv[1] == "compare":
        sys.exit(0 if compare(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)
