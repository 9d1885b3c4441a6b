#!/usr/bin/env python3
"""Creates the benchmark's user pool on a running `twofold serve` through its QA endpoint:
bench0@bench.test ... bench<N-1>@bench.test, one password, all enrolled with one TOTP secret.

    server_users.py URL COUNT PASSWORD SECRET
"""
import http.client
import json
import sys
import threading
import urllib.parse

url, count, password, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
parts = urllib.parse.urlsplit(url)
THREADS = 4
failures = []


def worker(k: int) -> None:
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    for i in range(k, count, THREADS):
        body = json.dumps(
            {"email": f"bench{i}@bench.test", "password": password, "secret": secret}
        )
        conn.request("POST", "/_twofold/users", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        if resp.status != 201:
            failures.append(resp.status)
    conn.close()


threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    sys.exit(f"server_users.py: {len(failures)} of {count} users not created (statuses {sorted(set(failures))})")
