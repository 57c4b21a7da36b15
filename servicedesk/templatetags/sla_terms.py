"""How SLA terms read on the pages: target durations, wall-clock times, weekly hours, and
whether the user may see or change them (sla_actions' rule, asked without a query)."""

from django import template

from servicedesk import sla_actions
from servicedesk.choices import Priority
from servicedesk.sla_forms import WEEKDAYS, target_duration, wall_time

register = template.Library()
SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
assert len(SHORT_DAYS) == len(WEEKDAYS)


@register.filter
def duration(minutes) -> str:
    """Business minutes as a target reads: 45 → "45 min", 240 → "4 h", 270 → "4 h 30 min"."""
    if minutes is None or minutes == "":
        return "—"
    return target_duration(minutes)


@register.filter
def priority_name(priority) -> str:
    """1 → "Critical" (the label without its number)."""
    try:
        return Priority(int(priority)).label.split(" - ", 1)[-1]
    except (TypeError, ValueError):
        return str(priority)


@register.filter
def clock(minutes: int) -> str:
    """Minutes after local midnight: 570 → "09:30"."""
    return wall_time(minutes)


@register.filter
def may_read_sla(user) -> bool:
    return sla_actions.sla_may_read(user)


@register.filter
def may_write_sla(user) -> bool:
    return sla_actions.sla_may_write(user)


def weekly_summary(intervals) -> list[str]:
    """A calendar's week in a few lines: days with the same hours side by side are one line
    ("Mon–Fri 09:00–12:30, 13:30–17:30"); days without hours are left out."""
    by_day: dict[int, list] = {}
    for interval in intervals:
        by_day.setdefault(interval.weekday, []).append((interval.start_minute, interval.end_minute))
    lines, day = [], 0
    while day < len(SHORT_DAYS):
        hours = sorted(by_day.get(day, []))
        last = day
        while last + 1 < len(SHORT_DAYS) and sorted(by_day.get(last + 1, [])) == hours:
            last += 1
        if hours:
            days = SHORT_DAYS[day] if last == day else f"{SHORT_DAYS[day]}–{SHORT_DAYS[last]}"
            stretches = ", ".join(f"{wall_time(s)}–{wall_time(e)}" for s, e in hours)
            lines.append(f"{days} {stretches}")
        day = last + 1
    return lines


def week_minutes(intervals) -> int:
    return sum(i.end_minute - i.start_minute for i in intervals)
