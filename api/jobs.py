"""The jobs, and `frota worker` that runs them: procrastinate (PostgreSQL-backed, psycopg 3) runs
each periodic job once per cluster however many workers there are, and re-runs a job whose worker
died. Every 5 s the worker dispatches the outbox (api/events): each new event is handed to those
who want it (the webhook endpoints, the notifications) and marked dispatched in one transaction,
so a crash before the commit dispatches it again and one after it never twice. The maintenance
jobs (photo pruning, verify) also run here; `frota prune-photos` and `frota verify` run them
at once. Cron keeps only the backup (backup_db.sh)."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import procrastinate
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.config import ConfigError, Settings, get_settings
from api.db import NO_DATABASE_URL, libpq_url, session_options
from api.events.models import Event
from api.events.service import outbox_problem, outbox_status
from api.notifications.service import on_events as notify_people
from api.notifications.service import run_scheduled
from api.webhooks.service import enqueue as enqueue_webhooks
from api.webhooks.service import send_due as send_webhooks

log = logging.getLogger("frota.jobs")

# Each tick dispatches at most this many events (the next tick takes the rest).
DISPATCH_BATCH = 500


@contextmanager
def job_session(settings: Settings) -> Iterator[Session]:
    """A session for a job, with the CLI's own time-outs (api/db.py); its engine is disposed
    afterwards, so that `frota serve`'s parent keeps no connection open. Its writes are in the
    audit log and make their events, as the app's do."""
    from api.audit import recorder
    from api.db import make_cli_engine
    from api.events import recorder as event_recorder

    recorder.install()
    event_recorder.install()
    engine = make_cli_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


# ---- the maintenance jobs ----------------------------------------------------------------------


def prune_photos(settings: Settings, older_than_days: int | None, dry_run: bool) -> int:
    """Photo files older than the retention (not on legal hold) and expired resumable uploads;
    an advisory lock keeps runs from overlapping."""
    from api.photos.pruning import ORPHAN_GRACE_SECONDS
    from api.photos.pruning import prune_photos as prune
    from api.photos.service import get_storage
    from api.uploads.service import remove_expired

    days = settings.photo_retention_days if older_than_days is None else older_than_days
    if days < 1:
        raise ConfigError("--older-than-days must be at least 1")
    storage = get_storage(settings)
    with job_session(settings) as session:
        report = prune(session=session, storage=storage, older_than_days=days, dry_run=dry_run)
        if not report.locked_out:  # the resumable uploads' share, under the same lock
            report.uploads_expired, report.upload_bytes = remove_expired(
                storage, dry_run=dry_run, grace_seconds=ORPHAN_GRACE_SECONDS
            )
        if dry_run:
            session.rollback()
        else:
            session.commit()
    prefix = "prune-photos (dry run): " if dry_run else "prune-photos: "
    for line in report.lines():
        print(prefix + line, flush=True)
    return 0


def verify(settings: Settings) -> int:
    """Every photo row against its files and every file against a row; 1 when anything is off."""
    from api.photos.service import get_storage
    from api.photos.verify import verify_photos

    with job_session(settings) as session:
        report = verify_photos(session=session, storage=get_storage(settings))
        session.commit()
    for line in report.lines():
        print("verify: " + line, flush=True)
    return 1 if report.problems else 0


# ---- the outbox --------------------------------------------------------------------------------


def dispatch(session: Session, settings: Settings) -> int:
    """Hand the oldest undispatched events to the webhooks and the notifications and mark them,
    in one transaction.
    `SKIP LOCKED`: two workers never take the same event."""
    events = list(
        session.scalars(
            select(Event)
            .where(Event.dispatched_at.is_(None))
            .order_by(Event.id)
            .limit(DISPATCH_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    if not events:
        session.rollback()
        return 0
    # Webhooks first: their rows are only inserts. The immediate messages send e-mail and push,
    # each in its own savepoint, and record what they sent; neither raises for a failed delivery.
    enqueue_webhooks(session, events)
    notify_people(session, settings, events)
    session.execute(
        update(Event).where(Event.id.in_([e.id for e in events])).values(dispatched_at=func.now())
    )
    session.commit()
    return len(events)


def tick(settings: Settings) -> int:
    """One turn of the worker: dispatch until the outbox is empty, then send what is due."""
    dispatched = 0
    with job_session(settings) as session:
        while n := dispatch(session, settings):
            dispatched += n
    send_webhooks(settings)
    return dispatched


def check_worker(settings: Settings) -> int:
    """`frota worker --check` (the compose healthcheck): 1 when the database is unreachable or
    an event has waited over STALE_SECONDS (no worker is dispatching)."""
    try:
        with job_session(settings) as session:
            status = outbox_status(session)
    except Exception as exc:  # noqa: BLE001 - any failure to ask is unhealthy
        print(f"worker: database unreachable: {exc}", flush=True)
        return 1
    problem = outbox_problem(status)
    if problem:
        print(f"worker: outbox stale: {problem} {status}", flush=True)
        return 1
    print(f"worker: ok {status}", flush=True)
    return 0


# ---- procrastinate -----------------------------------------------------------------------------

blueprint = procrastinate.Blueprint()


# A queueing lock: a tick waits in the queue at most once, so that a slow one never piles more up.
@blueprint.periodic(cron="* * * * * */5")
@blueprint.task(name="deliver", queueing_lock="deliver")
def deliver(timestamp: int) -> None:
    tick(get_settings())


# Every 15 minutes: the managers' digests from their digest hour, the drivers' own warnings, a
# fine near its identification deadline, the due.soon/due.overdue events. Each is claimed in
# sent_notifications first, so running it again sends nothing twice (`frota notify digest`).
@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="notify", queueing_lock="notify")
def notify_scheduled(timestamp: int) -> None:
    run_scheduled(get_settings(), datetime.fromtimestamp(timestamp, UTC))


# 03:30 and Sunday 04:00 at UTC-3 (procrastinate's cron is in UTC), as the cron lines were.
@blueprint.periodic(cron="30 6 * * *")
@blueprint.task(name="prune_photos", queueing_lock="prune_photos")
def prune_photos_daily(timestamp: int) -> None:
    settings = get_settings()
    wait_for_backup(settings)
    prune_photos(settings, None, dry_run=False)


def backup_running(settings: Settings) -> bool:
    """backup_db.sh copies the photos into a `.frota_backup_*.partial` folder until it is done."""
    folder = settings.backup_dir
    return folder.is_dir() and any(folder.glob(".frota_backup_*.partial"))


def wait_for_backup(settings: Settings, timeout: float = 7200, every: float = 30) -> None:
    """Pruning deletes files a backup may be copying: wait for a running one (up to 2 h, as
    scripts/cron.sh did), then prune anyway; a backup left half-done for longer is dead."""
    deadline = time.monotonic() + timeout
    while backup_running(settings) and time.monotonic() < deadline:
        log.info("prune-photos waits for the backup in %s to finish", settings.backup_dir)
        time.sleep(every)


@blueprint.periodic(cron="0 7 * * 0")
@blueprint.task(name="verify", queueing_lock="verify")
def verify_weekly(timestamp: int) -> None:
    verify(get_settings())


@blueprint.periodic(cron="*/10 * * * *")
@blueprint.task(name="retry_stalled", queueing_lock="retry_stalled", pass_context=True)
async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
    """A job whose worker died (no heartbeat) runs again elsewhere (procrastinate's own recipe);
    jobs that ended are kept three days."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs():
        await manager.retry_job(job)
    await manager.delete_old_jobs(nb_hours=72, include_failed=True)


def make_app(settings: Settings) -> procrastinate.App:
    if not settings.database_url:
        raise ConfigError(NO_DATABASE_URL)
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(settings.database_url),
        min_size=1,
        max_size=4,
        kwargs={
            "application_name": f"{settings.db_application_name}-worker",
            "options": session_options(
                statement_timeout_ms=settings.db_cli_statement_timeout_ms,
                lock_timeout_ms=settings.db_cli_lock_timeout_ms,
            ),
        },
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(blueprint, namespace="frota")
    return app


def run_worker(settings: Settings) -> None:
    """`frota worker`: runs until SIGTERM or SIGINT, then lets the running jobs finish."""
    log.info("worker starting (deliveries: %s at once)", settings.worker_concurrency)
    # Two jobs at once: a long pruning run never holds the deliveries back.
    make_app(settings).run_worker(
        concurrency=2,
        shutdown_graceful_timeout=settings.graceful_timeout,
        name="frota-worker",
    )
