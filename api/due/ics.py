"""The due list as an iCalendar feed (RFC 5545) for a manager's calendar app: one all-day event
per item, on its date (today for something overdue without one), with a stable UID so that a
calendar updates an event instead of adding another."""

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

STATUS_WORDS = {"overdue": "VENCIDO / overdue", "due_soon": "a vencer / due soon"}


def feed(items: list[dict], *, today: date, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Frota//due//PT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Frota")
    for item in items:
        day = date.fromisoformat(item["due_on"]) if item["due_on"] else today
        event = Event()
        event.add("uid", f"{item['kind']}{item['ref'].replace('/', '-')}@frota")
        event.add("dtstamp", now)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", item["title"])
        lines = [STATUS_WORDS[item["status"]]]
        if item["due_km"] is not None:
            lines.append(f"{item['due_km']} km")
        if item["estimated"]:
            lines.append(f"estimativa / estimated (calendário de {item['calendar_year']})")
        lines.append(item["ref"])
        event.add("description", "\n".join(lines))
        event.add("categories", [item["kind"]])
        calendar.add_component(event)
    return calendar.to_ical()
