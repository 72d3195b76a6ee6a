"""The dates every "what is due" question is asked with: today where the fleet is
(`EXIF_DEFAULT_OFFSET`), and how far ahead "due soon" reaches (`DUE_SOON_DAYS`, `DUE_SOON_KM`)."""

from datetime import UTC, datetime, timedelta

from api.config import Settings
from api.local_time import local_date, offset_interval
from api.photos.service import default_exif_timezone

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
    """Bound values by name: `today`, `soon_until`, `soon_km`, `now`, `pace_since`, and
    `offset` (where the fleet is, as an interval: `-03:00`)."""
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
