"""Production settings: with QUDAO_HTTPS on, Django's deployment checklist finds nothing."""

import os
import subprocess
import sys


def test_check_deploy_is_clean_behind_https(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "QUDAO_HTTPS": "1",
        "SECRET_KEY": "x" * 60 + "-not-a-real-secret-but-long-and-random-enough-1234",
        "QUDAO_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by conftest for the browser tests
    done = subprocess.run(
        [sys.executable, "-m", "qudao", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
