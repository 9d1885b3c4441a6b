"""Argon2id with the parameters Twofold uses, for like-for-like password hashing."""
import os

from django.contrib.auth.hashers import Argon2PasswordHasher


class TwofoldArgon2PasswordHasher(Argon2PasswordHasher):
    # Twofold's defaults (OWASP): 19456 KiB, 2 passes, 1 lane; `--light-password-hashing`:
    # 64 KiB, 1 pass. BENCH_ARGON2 = "MEMORY_KIB,ITERATIONS,PARALLELISM".
    memory_cost, time_cost, parallelism = (
        int(x) for x in os.environ.get("BENCH_ARGON2", "19456,2,1").split(",")
    )
