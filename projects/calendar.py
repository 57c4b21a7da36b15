"""Milestones as an iCalendar feed (RFC 5545): one all-day event per milestone."""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from projects.models import Milestone


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    # Lines longer than 75 octets are folded with CRLF + space.
    out, raw = [], line.encode()
    while len(raw) > 75:
        cut = 75
        while cut and (raw[cut] & 0xC0) == 0x80:  # do not split a UTF-8 character
            cut -= 1
        out.append(raw[:cut].decode())
        raw = b" " + raw[cut:]
    out.append(raw.decode())
    return "\r\n".join(out)


def milestones_ics(milestones: Iterable[Milestone], *, name: str, host: str = "servicehub") -> str:
    """An iCalendar document of `milestones` (their project joined)."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Servicehub//Projects//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for m in milestones:
        state = "completed" if m.completed_on else "waived" if m.waived else "open"
        lines += [
            "BEGIN:VEVENT",
            f"UID:milestone-{m.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{m.due_date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{m.due_date + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'{m.project.code}: {m.name}')}",
            f"DESCRIPTION:{_escape(f'{m.project.name} milestone ({state})')}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
