"""No secrets in the repository: every tracked file is searched for private keys, access
tokens, a literal SECRET_KEY, secret files, and passwords in code or URLs other than the
documented ones (the demo password, the throwaway local/CI database role `qudao`)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Documented, not secret: the demo logins' password (README, settings.QUDAO), the local and
# CI PostgreSQL role and placeholders in examples.
ALLOWED_PASSWORDS = {"qudao-demo-2026", "qudao", "secret", "…", "..."}

ALWAYS = [
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("Slack token", re.compile(r"\bxox[abpors]-[A-Za-z0-9-]{10,}")),
    ("Qudao API token", re.compile(r"\bqd_[A-Za-z0-9_-]{40,}")),
    ("literal SECRET_KEY", re.compile(r"""\bSECRET_KEY\s*=\s*[rbuf]?["']""")),
]
# `password = "…"`, `"password": "…"`, `PASSWORD '…'` (SQL) in code and configuration
PASSWORD_LITERAL = re.compile(
    r"""(?i)\b\w*passw(?:or)?d\w*["']?\s*(?:[:=]|\s)\s*[rbuf]?["']([^"'\s]{3,})["']"""
)
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"']+:([^/\s@\"']+)@")
SECRET_FILES = re.compile(
    r"(^|/)(\.env(\..+)?|secret_key|id_(rsa|dsa|ecdsa|ed25519)|.+\.(pem|key|p12|pfx))$"
)


def scan(path: str, text: str) -> list[str]:
    """What looks like a secret in one file, as "path:line: what" findings."""
    findings = []
    in_tests = path.startswith("tests/") or "/tests/" in path
    for number, line in enumerate(text.splitlines(), 1):
        for what, pattern in ALWAYS:
            if pattern.search(line):
                findings.append(f"{path}:{number}: {what}")
        findings.extend(
            f"{path}:{number}: password in a URL"
            for match in URL_CREDENTIALS.finditer(line)
            if match.group(1) not in ALLOWED_PASSWORDS and not match.group(1).startswith("$")
        )
        if in_tests:  # tests make up passwords for the logins they create
            continue
        findings.extend(
            f"{path}:{number}: password literal"
            for match in PASSWORD_LITERAL.finditer(line)
            if match.group(1) not in ALLOWED_PASSWORDS
        )
    if SECRET_FILES.search(path):
        findings.append(f"{path}: secret file")
    return findings


@pytest.mark.parametrize(
    ("path", "text", "found"),
    [
        ("a.pem", "", ["a.pem: secret file"]),
        (".env", "X=1", [".env: secret file"]),
        # samples are cut in two, or this file would hold what it looks for
        ("k.txt", "-----BEGIN OPENSSH " + "PRIVATE KEY-----", ["k.txt:1: private key"]),
        ("s.py", "SECRET_KEY" + ' = "django-insecure-abc"', ["s.py:1: literal SECRET_KEY"]),
        ("s.py", "SECRET_KEY = os.environ['SECRET_KEY']", []),
        ("s.py", 'db_password = "hunter22"', ["s.py:1: password literal"]),
        ("s.py", '"DEMO_PASSWORD": "qudao-demo-2026",', []),
        ("c.sh", "CREATE ROLE x LOGIN PASSWORD 'Str0ng!'", ["c.sh:1: password literal"]),
        ("c.sh", "CREATE ROLE qudao LOGIN PASSWORD 'qudao'", []),
        ("README.md", "postgres://app:" + "Pr0d-pass@db/app", ["README.md:1: password in a URL"]),
        ("README.md", "postgres://qudao:…@db/qudao", []),
        ("tests/t.py", 'password="made-up-1"', []),
        (
            "d.md",
            "curl -H 'Authorization: Bearer qd_" + "x" * 43 + "'",
            ["d.md:1: Qudao API token"],
        ),
        ("d.md", "AKIA" + "ABCDEFGHIJKLMNOP", ["d.md:1: AWS access key"]),
    ],
)
def test_the_scanner_finds_secrets_and_only_secrets(path, text, found):
    assert scan(path, text) == found


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout"
)
def test_no_tracked_file_holds_a_secret():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    findings = []
    for path in filter(None, tracked.split("\0")):
        file = ROOT / path
        if not file.is_file() or path.endswith((".lock", "package-lock.json")):
            continue
        data = file.read_bytes()
        if b"\0" in data[:8192]:  # binary
            continue
        findings += scan(path, data.decode("utf-8", errors="replace"))
    assert findings == []
