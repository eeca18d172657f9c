"""Issue ids: which period (day, ISO week or month) a date falls in (SPEC 1.4)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\Z")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})\Z")
_MONTH = re.compile(r"^(\d{4})-(\d{2})\Z")


@dataclass(frozen=True, order=True)
class IssueKey:
    """An issue's period: its first and last day, and its id (``2024-W12``)."""

    start: dt.date
    end: dt.date
    id: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@functools.lru_cache(maxsize=1 << 16)  # a site has a few papers a day: each date is asked often
def issue_key(day: dt.date, period: str) -> IssueKey:
    """The issue that a paper dated ``day`` belongs to."""
    if period == "day":
        return IssueKey(day, day, day.isoformat())
    if period == "week":
        year, week, weekday = day.isocalendar()
        start = day - dt.timedelta(days=weekday - 1)
        return IssueKey(start, start + dt.timedelta(days=6), f"{year}-W{week:02d}")
    if period == "month":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return IssueKey(start, following - dt.timedelta(days=1), f"{day:%Y-%m}")
    raise ValueError(f"unknown issue period {period!r}")


def parse_issue_id(issue_id: str, period: str) -> IssueKey | None:
    """The period an issue id names, or None when it is not an id of that period."""
    try:
        if period == "day" and _DAY.match(issue_id):
            return issue_key(dt.date.fromisoformat(issue_id), period)
        if period == "week" and (m := _WEEK.match(issue_id)):
            return issue_key(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1), period)
        if period == "month" and (m := _MONTH.match(issue_id)):
            return issue_key(dt.date(int(m[1]), int(m[2]), 1), period)
    except ValueError:
        return None
    return None
