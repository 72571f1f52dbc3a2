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


def test_deploy_check_is_clean_with_redis_for_cache_and_sessions(tmp_path):
    code, output = deploy_check(
        tmp_path, MELIOR_HTTPS="1", MELIOR_REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert code == 0 and "no issues" in output, output


def chosen_stores(tmp_path, **env) -> list[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if "REDIS" not in k},
        "MELIOR_VAR_DIR": str(tmp_path),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c",
         "from melior import settings as s; "
         "print(s.CACHES['default']['BACKEND']); print(s.SESSION_ENGINE if "
         "hasattr(s, 'SESSION_ENGINE') else 'django.contrib.sessions.backends.db')"],
        capture_output=True, text=True, env=environment, timeout=60, check=True,
    )  # fmt: skip
    return result.stdout.split()


def test_redis_holds_the_cache_and_sessions_shared_by_every_app_process(tmp_path):
    assert chosen_stores(tmp_path, MELIOR_REDIS_URL="redis://127.0.0.1:6379/3") == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cache",
    ]
    # embedded: a cache per process and sessions in the database
    assert chosen_stores(tmp_path) == [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
    ]
