"""docker-compose.yml cannot run here (no Docker engine): check it by reading."""

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_compose_defines_the_production_services_with_their_commands():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert "SECRET_KEY" in env
        assert {"postgres", "redis"} <= set(services[name]["depends_on"])


def test_compose_web_runs_migrations_and_collectstatic_before_serving():
    spec = yaml.safe_load(COMPOSE.read_text())
    migrate = spec["services"]["migrate"]["command"]
    assert "migrate" in " ".join(migrate) and "collectstatic" in " ".join(migrate)
    assert spec["services"]["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
