#!/usr/bin/env python3
"""Reference decryptor for Twofold encrypted backups (docs/backup-format.md).

Written from the format description alone, independently of the Rust code, so that a backup can
be read without Twofold. Prints the decrypted JSON document to stdout.

    python3 docs/decrypt_backup.py BACKUP_FILE [--password-file FILE]

Without --password-file the password is read from the terminal (or TWOFOLD_BACKUP_PASSWORD).
Needs the `cryptography` package (>= 44, for Argon2id): pip install 'cryptography>=44'.
If that version is missing, `argon2-cffi` is used for Argon2id instead.
Exit status: 0 success, 1 wrong password or damaged file, 2 not a Twofold backup / bad usage.
"""
import getpass
import json
import os
import struct
import sys

MAGIC = b"TWOFOLDB"
HEADER_LEN = 63


def argon2id(password: bytes, salt: bytes, m_kib: int, t: int, p: int) -> bytes:
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
        return Argon2id(salt=salt, length=32, iterations=t, lanes=p, memory_cost=m_kib).derive(password)
    except ImportError:
        from argon2.low_level import Type, hash_secret_raw
        return hash_secret_raw(password, salt, time_cost=t, memory_cost=m_kib, parallelism=p,
                               hash_len=32, type=Type.ID, version=19)


def _rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = _rotl(s[b] ^ s[c], 7)


def hchacha20(key: bytes, nonce16: bytes) -> bytes:
    """HChaCha20 (draft-irtf-cfrg-xchacha): the XChaCha20 subkey."""
    s = list(struct.unpack("<4I", b"expand 32-byte k")) + list(struct.unpack("<8I", key)) \
        + list(struct.unpack("<4I", nonce16))
    for _ in range(10):
        _qr(s, 0, 4, 8, 12); _qr(s, 1, 5, 9, 13); _qr(s, 2, 6, 10, 14); _qr(s, 3, 7, 11, 15)
        _qr(s, 0, 5, 10, 15); _qr(s, 1, 6, 11, 12); _qr(s, 2, 7, 8, 13); _qr(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xchacha20poly1305_decrypt(key: bytes, nonce24: bytes, ct: bytes, aad: bytes) -> bytes:
    """XChaCha20-Poly1305 = ChaCha20-Poly1305 (RFC 8439) under the HChaCha20 subkey, with the
    nonce 0x00000000 || nonce24[16:24]."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    sub = hchacha20(key, nonce24[:16])
    return ChaCha20Poly1305(sub).decrypt(b"\0\0\0\0" + nonce24[16:], ct, aad)


def decrypt(data: bytes, password: bytes) -> dict:
    if len(data) < HEADER_LEN + 16 or data[:8] != MAGIC:
        raise ValueError("not a Twofold backup (no TWOFOLDB signature, or shorter than the header)")
    version, kdf_id, m_kib, t, p = struct.unpack_from("<HBIII", data, 8)
    if version != 1:
        raise ValueError(f"backup format version {version} is not supported (this script reads 1)")
    if kdf_id != 1:
        raise ValueError(f"unknown KDF id {kdf_id}")
    if not (8192 <= m_kib <= 1048576 and 1 <= t <= 64 and 1 <= p <= 16):
        raise ValueError("Argon2id parameters out of bounds")
    salt = data[23:39]
    nonce = data[39:63]
    key = argon2id(password, salt, m_kib, t, p)
    plain = xchacha20poly1305_decrypt(key, nonce, data[HEADER_LEN:], data[:HEADER_LEN])
    doc = json.loads(plain.decode("utf-8"))
    if doc.get("twofold_backup") != 1:
        raise ValueError("unknown payload version")
    return doc


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("backup")
    ap.add_argument("--password-file")
    a = ap.parse_args(argv)
    if a.password_file:
        pw = open(a.password_file, "rb").read()
        pw = pw[:-1] if pw.endswith(b"\n") else pw
        pw = pw[:-1] if pw.endswith(b"\r") else pw
    elif os.environ.get("TWOFOLD_BACKUP_PASSWORD"):
        pw = os.environ["TWOFOLD_BACKUP_PASSWORD"].encode()
    else:
        pw = getpass.getpass("Backup password: ").encode()
    data = open(a.backup, "rb").read()
    try:
        doc = decrypt(data, pw)
    except ValueError as e:
        print(f"decrypt_backup: {e}", file=sys.stderr)
        return 2
    except Exception:  # cryptography.exceptions.InvalidTag
        print("decrypt_backup: wrong password or damaged file (the authentication tag does not verify)",
              file=sys.stderr)
        return 1
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
