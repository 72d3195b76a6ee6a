"""The dates every "what is due" question is asked with: today where the fleet is
(`EXIF_DEFAULT_OFFSET`), and how far ahead "due soon" reaches (`DUE_SOON_DAYS`, `DUE_SOON_KM`)."""

from datetime import UTC, datetime, timedelta, timezone

from api.config import Settings
from api.photos.service import default_exif_timezone

PACE_DAYS = 90  # a km limit is forecast at the vehicle's average km/day over this many days


def due_dates(
    settings: Settings,
    *,
    within_days: int | None = None,
    within_km: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Bound values by name: `today`, `soon_until`, `soon_km`, `now`, `pace_since`, and
    `offset` (where the fleet is, as an interval: `-03:00`)."""
    now = now or datetime.now(UTC)
    today = now.astimezone(default_exif_timezone(settings)).date()
    days = settings.due_soon_days if within_days is None else within_days
    return {
        "today": today,
        "soon_until": today + timedelta(days=days),
        "soon_km": settings.due_soon_km if within_km is None else within_km,
        "now": now,
        "pace_since": now - timedelta(days=PACE_DAYS),
        "offset": offset_interval(default_exif_timezone(settings)),
    }


def offset_interval(offset: timezone) -> str:
    """`-03:00`: an interval PostgreSQL reads in hours (`AT TIME ZONE` would take the text
    `-03:00` as a POSIX zone, three hours east; a timedelta is sent as `-1 day +21:00`, which
    it refuses)."""
    minutes = int(offset.utcoffset(None).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
