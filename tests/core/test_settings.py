"""Production refuses unsafe configuration; the deploy check is clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3$Vq9!zR1wLp8#Nt5@Yc2&Hf7*Jm4^Bd6%Xs0Ge8QaUo1Wi3Ez5Rt7Yu9Ip2As4Df"
PG = "postgres://postgres@127.0.0.1:5432/postgres"


def run_check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    dropped = {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
        ({"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": PG, "DEBUG": "true"}, "DEBUG"),
        ({"DATABASE_URL": PG}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-demo-key-change-me", "DATABASE_URL": PG}, "SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_on_unsafe_settings(overrides, reason):
    result = run_check(
        {"DJANGO_ENV": "production", "REDIS_URL": "redis://127.0.0.1:6379/0", **overrides}
    )
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert reason in result.stderr


def test_production_deploy_check_reports_no_warnings():
    result = run_check(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": GOOD_SECRET,
            "DATABASE_URL": PG,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "ALLOWED_HOSTS": "desk.example.com",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_defaults_need_no_services():
    result = run_check({"DJANGO_ENV": "development"})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_postgresql_connections_do_not_compile_statements_just_in_time(settings):
    """JIT added 50 ms to a 130 ms KPI statement and helps none of the app's statements."""
    from django.db import connection

    if not settings.IS_POSTGRES:
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.parametrize(
    ("url", "jit_env", "expected"),
    [
        (PG, None, "-c jit=off"),
        (PG + "?options=-c%20search_path%3Dpublic", None, "-c search_path=public -c jit=off"),
        (PG + "?options=-c%20jit%3Don", None, "-c jit=on"),  # the URL's own choice stands
        (PG, "server", None),  # a pooler that refuses startup options: none sent
    ],
)
def test_the_jit_startup_option_is_added_unless_the_url_or_the_environment_decides(
    url, jit_env, expected
):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_JIT"}}
    env.update({"DATABASE_URL": url, **({"DATABASE_JIT": jit_env} if jit_env else {})})
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'core.settings');"
        "django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(expected)
