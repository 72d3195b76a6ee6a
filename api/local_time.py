"""Times where the fleet is: `EXIF_DEFAULT_OFFSET` (-03:00) is its UTC offset
(`default_exif_timezone`). A time sent without an offset is read there (a photo's EXIF time
too), a date is that day there, and "what is due" is asked with the same dates everywhere
(`due_dates`: the due list, documents, reminders, reports)."""

import re
from datetime import UTC, date, datetime, timedelta, timezone

from api.config import Settings
from api.errors import Invalid

CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not "the future"
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_offset(value: str | None) -> timezone | None:
    """`-03:00` or `-0300` as a timezone; None for anything else."""
    match = _OFFSET.match((value or "").strip())
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def default_exif_timezone(settings: Settings) -> timezone:
    """The fleet's UTC offset (EXIF_DEFAULT_OFFSET)."""
    return parse_offset(settings.exif_default_offset) or UTC


def at_offset(moment: datetime | None, offset: timezone) -> datetime:
    """A time as stored: now when absent, at the fleet's offset when it carries none."""
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=offset)


def refuse_future(moment: datetime, name: str) -> None:
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise Invalid(f"{name} is in the future")


def local_date(moment: datetime, offset: timezone) -> date:
    return moment.astimezone(offset).date()


def offset_interval(offset: timezone) -> str:
    """`-03:00`: an interval PostgreSQL reads in hours (`AT TIME ZONE` would take the text
    `-03:00` as a POSIX zone, three hours east; a timedelta is sent as `-1 day +21:00`, which
    it refuses)."""
    minutes = int(offset.utcoffset(None).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


PACE_DAYS = 90  # a km limit is forecast at the vehicle's average km/day over this many days


def current_time() -> datetime:
    """Now, as /due asks it (a dependency: tests set the clock through the app's overrides)."""
    return datetime.now(UTC)


def due_dates(
    settings: Settings,
    *,
    within_days: int | None = None,
    within_km: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The dates every "what is due" question is asked with, bound by name: `today` where the
    fleet is, `soon_until` and `soon_km` (how far ahead "due soon" reaches: `DUE_SOON_DAYS`,
    `DUE_SOON_KM`), `now`, `pace_since`, and `offset` (as an interval: `-03:00`)."""
    now = now or datetime.now(UTC)
    offset = default_exif_timezone(settings)
    today = local_date(now, offset)
    days = settings.due_soon_days if within_days is None else within_days
    return {
        "today": today,
        "soon_until": today + timedelta(days=days),
        "soon_km": settings.due_soon_km if within_km is None else within_km,
        "now": now,
        "pace_since": now - timedelta(days=PACE_DAYS),
        "offset": offset_interval(offset),
    }
