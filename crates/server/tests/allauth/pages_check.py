"""Side-by-side check of the HTML pages' reauthentication: django-allauth's own pages and
`twofold serve --profile allauth`, one scripted browser-like client (requests, no JavaScript),
the same steps; every step's status and redirect target (path and query) must agree.

    pages_check.py run URL TWOFOLD OUT.json     drive one server, write its exchanges
    pages_check.py compare REAL.json TWOFOLD.json

Steps: sign up through the form, the activation page asks for a reauthentication (signing up is
none), a wrong then the right password, activation with Twofold's own code, the codes shown
while the reauthentication is recent; after ACCOUNT_REAUTHENTICATION_TIMEOUT the codes, their
download, generation and deactivation redirect to /accounts/reauthenticate/?next=…, a POST to
deactivate is suspended, a wrong then the right code at /accounts/2fa/reauthenticate/ replays it.
Run by run.sh with ALLAUTH_REAUTH_TIMEOUT seconds on both servers.
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import uuid

import requests

PASSWORD = "twofold-conf-Pass-1"
TIMEOUT = int(os.environ.get("ALLAUTH_REAUTH_TIMEOUT", "4"))


class Browser:
    def __init__(self, base, log):
        self.base = base
        self.http = requests.Session()
        self.log = log
        self.last = ""

    def csrf(self):
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last)
        return m.group(1) if m else ""

    def go(self, step, method, path, fields=None):
        url = self.base + path
        if method == "GET":
            r = self.http.get(url, allow_redirects=False, timeout=30)
        else:
            data = {"csrfmiddlewaretoken": self.csrf()}
            data.update(fields or {})
            r = self.http.post(url, data=data, allow_redirects=False, timeout=30,
                               headers={"Referer": url})
        loc = r.headers.get("Location", "")
        if loc:
            u = urllib.parse.urlsplit(loc)
            loc = u.path + (f"?{u.query}" if u.query else "")
        if r.status_code == 200:
            self.last = r.text
        self.log.append({"step": step, "method": method, "path": path,
                         "status": r.status_code, "location": loc})
        return r.status_code, loc, r.text


def code_for(twofold, secret, at=None):
    args = [twofold, "code", "--secret", secret]
    if at is not None:
        args += ["--at", str(int(at))]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def fresh_step(need=8):
    left = 30 - (time.time() % 30)
    if left < need:
        time.sleep(left + 0.3)


def run(base, twofold):
    log = []
    b = Browser(base, log)
    email = f"html-{uuid.uuid4().hex[:10]}@example.test"
    b.go("signup page", "GET", "/accounts/signup/")
    b.go("signup", "POST", "/accounts/signup/",
         {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    _, to, _ = b.go("activation page: reauthentication first", "GET", "/accounts/2fa/totp/activate/")
    b.go("password page", "GET", to)
    b.go("a wrong password", "POST", to, {"password": "not-the-password"})
    fresh_step(need=12)  # activation within the (short) reauthentication timeout
    b.go("the password", "POST", to, {"password": PASSWORD})
    _, _, page = b.go("activation page", "GET", "/accounts/2fa/totp/activate/")
    m = re.search(r"\b([A-Z2-7]{32})\b", page)
    secret = m.group(1) if m else "A" * 32
    b.go("activate", "POST", "/accounts/2fa/totp/activate/", {"code": code_for(twofold, secret)})
    b.go("recovery codes, recently reauthenticated", "GET", "/accounts/2fa/recovery-codes/")
    time.sleep(TIMEOUT + 1.5)
    for path in ["/accounts/2fa/recovery-codes/", "/accounts/2fa/recovery-codes/download/",
                 "/accounts/2fa/recovery-codes/generate/", "/accounts/2fa/totp/deactivate/"]:
        b.go(f"{path}: reauthentication again", "GET", path)
    b.go("index", "GET", "/accounts/2fa/")
    b.go("a page with a form (its CSRF token)", "GET", "/accounts/reauthenticate/")
    _, to, _ = b.go("deactivate: suspended", "POST", "/accounts/2fa/totp/deactivate/")
    mfa = "/accounts/2fa/reauthenticate/?" + urllib.parse.urlsplit(to).query
    b.go("code page", "GET", mfa)
    fresh_step()
    code = code_for(twofold, secret, time.time() + 30)  # a step the activation did not use
    wrong = f"{(int(code) + 500000) % 1000000:06d}"
    b.go("a wrong code", "POST", mfa, {"code": wrong})
    time.sleep(30 - (time.time() % 30) + 0.3)
    b.go("the code: the deactivation runs", "POST", mfa, {"code": code})
    b.go("deactivated: activation asks nothing", "GET", "/accounts/2fa/totp/activate/")
    return log


def compare(real, mine):
    fails = 0
    for a, b in zip(real, mine):
        same = (a["status"], a["location"]) == (b["status"], b["location"])
        if not same:
            fails += 1
            print(f"DIFF {a['step']}: allauth {a['status']} {a['location']!r}, "
                  f"twofold {b['status']} {b['location']!r}")
    if len(real) != len(mine):
        fails += 1
        print(f"DIFF: {len(real)} steps against {len(mine)}")
    print(f"html: {len(real) - fails} passed, {fails} failed")
    return fails == 0


if __name__ == "__main__":
    if sys.argv[1] == "run":
        out = run(sys.argv[2], sys.argv[3])
        json.dump(out, open(sys.argv[4], "w"), indent=1)
        print(f"html: {len(out)} steps with {sys.argv[2]}")
    else:
        ok = compare(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])))
        sys.exit(0 if ok else 1)
