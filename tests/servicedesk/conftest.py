from datetime import UTC, datetime

import pytest
from django.utils import timezone

from servicedesk.sla import calendar_cache_clear


class Clock:
    """A settable `timezone.now()` for the code under test."""

    def __init__(self, monkeypatch):
        self.now: datetime | None = None
        monkeypatch.setattr(timezone, "now", self._now)

    def _now(self) -> datetime:
        return self.now if self.now is not None else datetime.now(tz=UTC)

    def set(self, value: datetime) -> datetime:
        self.now = value
        return value


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    calendar_cache_clear()
    yield
    calendar_cache_clear()
