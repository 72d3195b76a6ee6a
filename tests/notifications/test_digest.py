"""The scheduled notifications against a real SMTP server: the managers' digest (once, in
their language, naming and linking the vehicle), the weekly repeat of what is still overdue,
the drivers' own warnings, a fine near its identification deadline at once, and the due
events once per item and state."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from api.documents.models import Document
from api.events.models import Event
from api.fines.models import Fine
from api.maintenance.models import Reminder
from api.notifications.models import NotificationPreferences, SentNotification
from api.notifications.service import run_scheduled
from tests.notifications.conftest import html_of, mail_settings, text_of, to_of

# 07:00 of 8 December 2026 where the fleet is (-03:00): the default digest hour.
MORNING = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 8)


def fresh_fleet(make):
    """An overdue reminder, an insurance expiring in 12 days, and this year's licensing due
    (plate ending 0: 31 December in SP) on one vehicle."""
    car = make.vehicle(plate="ABC1D20", odometer_km=31_000)
    make._save(
        Reminder(vehicle_id=car.id, title="Troca de óleo", every_km=10_000, last_done_km=20_000)
    )
    make._save(
        Document(
            vehicle_id=car.id, kind="insurance", expires_on=TODAY + timedelta(days=12), photo_ids=[]
        )
    )
    return car


def test_a_manager_who_set_nothing_gets_one_portuguese_digest_and_the_second_run_nothing(
    make, manager, smtp_server, settings
):
    car = fresh_fleet(make)
    summary = run_scheduled(settings, MORNING)
    (mail,) = smtp_server.wait_for(1)
    assert to_of(mail) == manager.email
    assert str(mail_subject(mail)) == "Frota: 3 item(ns) a vencer ou vencidos"
    text = text_of(mail)
    assert "Vencido · Manutenção: Troca de óleo ABC1D20" in text
    assert "Vence em breve · Documento: insurance ABC1D20 — em 20/12/2026" in text
    assert "Vence em breve · Licenciamento: CRLV ABC1D20 — em 31/12/2026" in text
    link = f"https://frota.example.com/panel/#/vehicles/{car.id}"
    assert text.count(link) == 3
    assert f'<a href="{link}">' in html_of(mail) and "ABC1D20" in html_of(mail)
    assert summary["digests"] == {"sent": 1, "failed": 0}

    smtp_server.clear()
    again = run_scheduled(settings, MORNING + timedelta(minutes=30))
    assert again["digests"] == {"sent": 0, "failed": 0}
    forced = run_scheduled(settings, MORNING + timedelta(hours=1), force=True)
    assert forced["digests"] == {"sent": 0, "failed": 0}  # nothing new: no empty digest
    assert smtp_server.messages == []


def test_the_digest_waits_for_the_digest_hour_and_speaks_english_when_asked(
    make, manager, session, smtp_server, settings
):
    fresh_fleet(make)
    make._save(NotificationPreferences(user_id=manager.id, language="en", digest_hour=9))
    run_scheduled(settings, MORNING)  # 07:00 there: too early for 09:00
    assert smtp_server.messages == []
    run_scheduled(settings, MORNING + timedelta(hours=2, minutes=5))
    (mail,) = smtp_server.wait_for(1)
    text = text_of(mail)
    assert "Overdue · Maintenance: Troca de óleo ABC1D20" in text
    assert "Due soon · Licensing: CRLV ABC1D20 — on 2026-12-31" in text
    assert "Vencido" not in text


def test_email_off_sends_no_digest_and_new_items_come_in_the_next_one(
    make, manager, admin, session, smtp_server, settings
):
    car = fresh_fleet(make)
    make._save(NotificationPreferences(user_id=admin.id, email=False))
    run_scheduled(settings, MORNING)
    (mail,) = smtp_server.wait_for(1)
    assert to_of(mail) == manager.email
    smtp_server.clear()
    make._save(
        Document(vehicle_id=car.id, kind="ipva", expires_on=TODAY + timedelta(days=3), photo_ids=[])
    )
    run_scheduled(settings, MORNING + timedelta(days=1))
    (mail,) = smtp_server.wait_for(1)
    text = text_of(mail)
    assert "ipva ABC1D20" in text and "Troca de óleo" not in text  # only what is new
    assert "1 item(ns)" in str(mail_subject(mail))


def mail_subject(mail):
    return getattr(mail, "message", mail)["Subject"]


def test_what_is_still_overdue_repeats_once_a_week(make, manager, smtp_server, settings):
    fresh_fleet(make)
    run_scheduled(settings, MORNING)  # Tuesday of ISO week 50
    smtp_server.clear()
    for day in range(1, 6):  # to Sunday: nothing new, nothing repeated
        run_scheduled(settings, MORNING + timedelta(days=day))
    assert smtp_server.messages == []
    run_scheduled(settings, MORNING + timedelta(days=6))  # Monday of week 51
    (mail,) = smtp_server.wait_for(1)
    text = text_of(mail)
    assert "Troca de óleo ABC1D20" in text and "(ainda vencido)" in text
    assert "insurance" not in text  # due soon, unchanged: told once
    smtp_server.clear()
    run_scheduled(settings, MORNING + timedelta(days=7))
    assert smtp_server.messages == []


def test_a_driver_gets_only_their_own_cnh_warning(make, manager, session, smtp_server, settings):
    user, mine = make.driver_login(license_expiry=TODAY + timedelta(days=5))
    make.driver_login(license_expiry=TODAY + timedelta(days=6))  # another driver's
    make.driver(license_expiry=TODAY + timedelta(days=20))  # a driver with no login
    run_scheduled(settings, MORNING)
    mails = smtp_server.wait_for(3)
    assert sorted(to_of(m) for m in mails) == sorted(
        [manager.email, user.email, mails_to_other(mails, manager.email, user.email)]
    )
    (own,) = [m for m in mails if to_of(m) == user.email]
    assert str(mail_subject(own)) == "Frota: sua CNH vence em 5 dia(s)"
    assert "13/12/2026" in text_of(own)
    assert mine.name not in text_of(own) and "Driver" not in text_of(own)
    smtp_server.clear()
    run_scheduled(settings, MORNING + timedelta(days=1))  # 4 days: still the 7-day warning
    assert smtp_server.messages == []
    run_scheduled(settings, MORNING + timedelta(days=4))  # 1 day left: the last warning
    (last,) = smtp_server.wait_for(1)
    assert to_of(last) == user.email and "1 dia(s)" in str(mail_subject(last))


def mails_to_other(mails, *known):
    (other,) = [to_of(m) for m in mails if to_of(m) not in known]
    return other


def test_a_fine_near_its_deadline_with_no_driver_goes_to_managers_at_once(
    make, manager, session, smtp_server, settings
):
    car = make.vehicle(plate="FIN1E23")
    make._save(
        Fine(
            vehicle_id=car.id,
            occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
            amount=195.23,
            identification="no_trip",
            notice_received_on=TODAY + timedelta(days=5 - 30),  # the deadline in 5 days
            candidate_driver_ids=[],
        )
    )
    make._save(NotificationPreferences(user_id=manager.id, digest_hour=18))
    noon = MORNING + timedelta(hours=5)  # 12:00 there, long before the 18:00 digest
    run_scheduled(settings, noon)
    (mail,) = smtp_server.wait_for(1)
    assert "FIN1E23" in str(mail_subject(mail)) and "13/12/2026" in str(mail_subject(mail))
    assert "https://frota.example.com/panel/#/fines/" in text_of(mail)
    smtp_server.clear()
    run_scheduled(settings, noon + timedelta(hours=1))
    assert smtp_server.messages == []
    run_scheduled(settings, noon + timedelta(hours=7))  # the digest: the fine told already
    (digest,) = smtp_server.wait_for(1)
    assert "CRLV FIN1E23" in text_of(digest)
    assert "Multa: indicar o condutor" not in text_of(digest)


def test_due_events_are_emitted_once_per_item_and_state(make, manager, session, settings):
    fresh_fleet(make)
    run_scheduled(settings, MORNING)
    run_scheduled(settings, MORNING + timedelta(hours=1))
    session.rollback()
    types = list(session.scalars(select(Event.type).where(Event.type.like("due.%"))))
    assert sorted(types) == ["due.overdue", "due.soon", "due.soon"]
    event = session.scalar(select(Event).where(Event.type == "due.overdue"))
    assert event.entity == "reminder" and event.data["kind"] == "reminder"
    assert event.data["title"] == "Troca de óleo ABC1D20"


def test_smtp_down_sends_nothing_records_the_failure_and_the_next_digest_retries(
    make, manager, session, smtp_server
):
    from tests.notifications.conftest import closed_port

    fresh_fleet(make)
    down = mail_settings(smtp_server, smtp_port=closed_port())
    summary = run_scheduled(down, MORNING)
    assert summary["digests"] == {"sent": 0, "failed": 1}
    session.rollback()
    failure = session.scalar(select(SentNotification).where(SentNotification.error.is_not(None)))
    assert failure.user_id == manager.id and "127.0.0.1" in failure.error
    run_scheduled(mail_settings(smtp_server), MORNING + timedelta(days=1))
    (mail,) = smtp_server.wait_for(1)
    assert "Troca de óleo" in text_of(mail)


def test_no_smtp_configured_is_not_a_failure(make, manager, session, smtp_server):
    fresh_fleet(make)
    summary = run_scheduled(mail_settings(smtp_server, smtp_host=None), MORNING)
    assert summary["digests"] == {"sent": 0, "failed": 0}
    session.rollback()
    emails = session.scalar(
        select(func.count())
        .select_from(SentNotification)
        .where(SentNotification.channel == "email")
    )
    assert emails == 0


def test_frota_notify_digest_now_sends_the_digest_from_the_command_line(
    make, manager, database_url, smtp_server
):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    car = fresh_fleet(make)
    make._save(NotificationPreferences(user_id=manager.id, digest_hour=23))  # not due yet
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_server.port),
        "SMTP_SECURITY": "none",
        "PUBLIC_URL": "https://frota.example.com",
    }
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "notify", "digest", "--now"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "notify: digests: 1 sent, 0 failed" in done.stdout
    (mail,) = smtp_server.wait_for(1)
    assert f"https://frota.example.com/panel/#/vehicles/{car.id}" in text_of(mail)
