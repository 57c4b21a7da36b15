"""The hypercare window of a handed-over service: one definition for the pages and the API.

Hypercare lasts the handoff's `hypercare_days` whole calendar days, the go-live day being the
first: 30 days from 1 Dec 2026 are 1–30 Dec 2026 (its last day, inclusive), and normal
support starts on 31 Dec. The project stores the window half-open, as the outcome windows
measure it from midnight to midnight in the site's time zone: `hypercare_start` is the first
day and `hypercare_end` the day after the last (exclusive). People are shown the first and the
last day (`Hypercare.last_day`); the API gives `hypercare_last_day` beside the two.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)
# How the API describes the three dates, wherever it gives them.
HYPERCARE_START = "First day of hypercare: the go-live date (null before the handoff is accepted)."
HYPERCARE_END = (
    "The day after the last day of hypercare (exclusive end: the window is "
    "[hypercare_start, hypercare_end), midnight to midnight in the site's time zone)."
)
HYPERCARE_LAST_DAY = "Last day of hypercare (inclusive): hypercare_end − 1 day."


@dataclass(frozen=True)
class Hypercare:
    start: datetime.date  # the first day: go-live
    end: datetime.date  # the day after the last (exclusive)

    @classmethod
    def from_go_live(cls, go_live: datetime.date, days: int) -> Hypercare:
        """`days` whole days from the go-live day, that day included."""
        return cls(go_live, go_live + datetime.timedelta(days=days))

    @classmethod
    def of(cls, project) -> Hypercare | None:
        """The window a project recorded when its handoff was accepted (None before)."""
        if project.hypercare_start is None or project.hypercare_end is None:
            return None
        return cls(project.hypercare_start, project.hypercare_end)

    @property
    def last_day(self) -> datetime.date:
        return self.end - ONE_DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def state(self, today: datetime.date) -> str:
        """upcoming before the first day, running up to and including the last, then ended."""
        if today < self.start:
            return "upcoming"
        return "running" if today < self.end else "ended"

    def days_left(self, today: datetime.date) -> int:
        """Days of hypercare from `today` on, today included (all of them while upcoming)."""
        return max(0, (self.end - max(today, self.start)).days)
