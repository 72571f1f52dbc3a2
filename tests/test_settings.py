"""Production settings pass Django's deployment checks (but for HTTPS behind a proxy)."""

import os
import subprocess
import sys

HTTPS_ONLY = {"security.W004", "security.W008", "security.W012", "security.W016"}


def deploy_check(tmp_path, **env):
    environment = {**os.environ, "MELIOR_DEBUG": "0", "MELIOR_VAR_DIR": str(tmp_path), **env}
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        environment.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "melior.cli", "manage", "check", "--deploy"],
        capture_output=True, text=True, env=environment, timeout=120,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_deploy_check_only_asks_for_https(tmp_path):
    code, output = deploy_check(tmp_path)
    assert code == 0, output
    raised = {
        line.split(")")[0].split("(")[-1] for line in output.splitlines() if "(security." in line
    }
    assert raised <= HTTPS_ONLY, output


def test_deploy_check_is_clean_behind_https(tmp_path):
    code, output = deploy_check(tmp_path, MELIOR_HTTPS="1")
    assert code == 0 and "no issues" in output, output
