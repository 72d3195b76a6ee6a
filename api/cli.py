"""`frota`: run the server and the maintenance jobs that need the models."""

import argparse
import logging
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from api.config import ConfigError, Settings, get_settings
from api.logging_setup import configure_logging

log = logging.getLogger("frota.cli")
ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def migrate(database_url: str | None = None) -> None:
    command.upgrade(alembic_config(database_url), "head")


def bootstrap_admin(settings: Settings) -> None:
    from api.auth.service import bootstrap_admin as create_first_admin
    from api.jobs import job_session

    with job_session(settings) as session, session.begin():
        generated = create_first_admin(session=session, settings=settings)
    if generated:
        email = (settings.admin_email or "admin@example.com").lower()
        # Printed once, to the operator's terminal only; it must be changed at first login.
        print(
            "\n" + "=" * 72 + f"\nFirst admin created: {email}\nPassword (shown only once, "
            f"must be changed at first login): {generated}\n" + "=" * 72 + "\n",
            flush=True,
        )


def prepare(settings: Settings) -> None:
    """Everything that runs once before the workers start: checks, migrations, first admin."""
    from api.db import check_pool_capacity, get_engine, wait_for_database
    from api.main import validate_settings

    validate_settings(settings)
    log.info("waiting for the database")
    wait_for_database(get_engine(), settings.db_start_timeout)
    check_pool_capacity(get_engine(), settings)
    get_engine().dispose()  # the parent serves no request: its workers open their own pools
    log.info("running migrations")
    migrate(settings.database_url)
    bootstrap_admin(settings)


def serve(settings: Settings, *, with_worker: bool = False) -> None:
    """The API's workers under Uvicorn's supervisor; with `with_worker` (`make run`) also
    `frota worker` beside them, started once the migrations have run, stopped with them."""
    import uvicorn

    from api.logging_setup import log_config
    from api.metrics_multiproc import prepare_multiproc_dir, start_dead_worker_reaper

    # Before anything imports prometheus_client: the workers write their samples there.
    metrics_dir, temporary = prepare_multiproc_dir()
    stop_reaper = start_dead_worker_reaper(metrics_dir)
    worker = None
    try:
        prepare(settings)
        if with_worker:
            worker = subprocess.Popen([sys.executable, "-m", "api.cli", "worker"])
        log.info(
            "serving on %s:%s with %s workers",
            settings.host,
            settings.port,
            settings.web_concurrency,
        )
        _run_uvicorn(uvicorn, settings, log_config(settings.log_level))
    finally:
        if worker is not None:
            worker.terminate()  # SIGTERM: the running jobs finish first
            try:
                worker.wait(settings.graceful_timeout + 5)
            except subprocess.TimeoutExpired:
                worker.kill()
        stop_reaper.set()
        if temporary:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _run_uvicorn(uvicorn, settings: Settings, logging_config: dict) -> None:
    options = dict(
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.web_concurrency,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        proxy_headers=True,
        timeout_graceful_shutdown=settings.graceful_timeout,
        limit_max_requests=settings.max_requests or None,
        limit_max_requests_jitter=settings.max_requests_jitter,
        log_level=settings.log_level.lower(),
        log_config=logging_config,
        access_log=False,  # ours (frota.access) has the route and no query string
    )
    # Uvicorn's own supervisor starts, pings and replaces the workers (`--workers`).
    uvicorn.run("api.main:create_app", **options)


def _embedded_database(data_dir: Path):
    """Start (or reuse) the embedded PostgreSQL under data_dir; it stops when we exit."""
    try:
        import pgserver
    except ImportError as exc:
        raise ConfigError(
            "DATABASE_URL is unset and pgserver is not installed: `pip install -e '.[embedded]'`"
        ) from exc
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    server.psql("SELECT 1")
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'frota'")
    if "1 row" not in exists:
        server.psql("CREATE DATABASE frota")
    return server, server.get_uri("frota")


def _dev_secret_key(data_dir: Path) -> str:
    """A random key kept in .data/, so that `make run` needs no configuration and shares no key."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def run_dev(settings: Settings, data_dir: Path) -> None:
    """`make run`: an embedded PostgreSQL when DATABASE_URL is unset, then `serve`."""
    server = None
    if not settings.database_url:
        log.info("DATABASE_URL unset: starting the embedded PostgreSQL in %s", data_dir / "pg")
        server, url = _embedded_database(data_dir / "pg")
        os.environ["DATABASE_URL"] = url
    if not settings.secret_key.get_secret_value():
        os.environ["SECRET_KEY"] = _dev_secret_key(data_dir)
    get_settings.cache_clear()
    try:
        serve(get_settings(), with_worker=True)
    finally:
        if server is not None:
            log.info("stopping the embedded PostgreSQL")
            server.cleanup()


def create_user(settings: Settings, args: argparse.Namespace) -> None:
    import getpass

    from api.jobs import job_session
    from api.users.schemas import UserCreate
    from api.users.service import create_user as create

    password = args.password or os.environ.get("FROTA_NEW_PASSWORD") or getpass.getpass()
    data = UserCreate(
        email=args.email,
        name=args.name,
        role=args.role,
        password=password,
        must_change_password=args.must_change_password,
    )
    with job_session(settings) as session, session.begin():
        user = create(session=session, data=data)
    print(f"created user {user.id} {user.email} ({user.role})")


def notify_digest(settings: Settings, *, now: bool) -> int:
    """The scheduled notifications: with `--now` every digest and driver warning at once
    (operators, tests), without it what the worker's hourly run would send now."""
    from datetime import UTC, datetime

    from api.notifications.service import run_scheduled

    summary = run_scheduled(settings, datetime.now(UTC), force=now)
    for name in ("digests", "driver_warnings", "fine_alerts"):
        counts = summary[name]
        print(f"notify: {name}: {counts['sent']} sent, {counts['failed']} failed", flush=True)
    print(f"notify: {summary['items']} items due, {summary['events']} due events", flush=True)
    return (
        1 if any(summary[n]["failed"] for n in ("digests", "driver_warnings", "fine_alerts")) else 0
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frota", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="development server (embedded PostgreSQL if no DATABASE_URL)")
    run.add_argument("--data-dir", type=Path, default=Path(".data"))
    sub.add_parser("serve", help="production server: checks, migrations, first admin, workers")
    sub.add_parser("migrate", help="apply database migrations")
    check = sub.add_parser("check-config", help="print the configuration, secrets masked; check it")
    check.add_argument("--offline", action="store_true", help="do not connect to PostgreSQL/Redis")
    sub.add_parser("bootstrap-admin", help="create the first admin if there is none")
    prune = sub.add_parser(
        "prune-photos",
        help="delete photo files older than N days (not on "
        "legal hold), keep their rows, remove orphan files; one run at a time",
    )
    prune.add_argument(
        "--older-than-days", type=int, default=None, help="default PHOTO_RETENTION_DAYS"
    )
    prune.add_argument("--dry-run", action="store_true", help="report, change nothing")
    sub.add_parser(
        "verify",
        help="check every photo row against its files (present, size, "
        "SHA-256) and every file against a row; exit 1 with the list when not",
    )
    worker = sub.add_parser(
        "worker",
        help="deliver the webhooks and notifications and run the periodic jobs (pruning, "
        "verify, digests), each once per cluster however many workers run",
    )
    worker.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the database is unreachable or the outbox is stale (healthcheck)",
    )
    notify = sub.add_parser("notify", help="notifications by hand").add_subparsers(
        dest="notify_command", required=True
    )
    digest = notify.add_parser(
        "digest",
        help="the scheduled notifications (managers' digests, drivers' own warnings, fines "
        "near their deadline); exit 1 when a delivery failed",
    )
    digest.add_argument(
        "--now", action="store_true", help="everyone's now, not only those whose digest hour it is"
    )
    user = sub.add_parser("create-user", help="create a user (password from the prompt)")
    user.add_argument("email")
    user.add_argument("--name", required=True)
    user.add_argument("--role", choices=["admin", "manager", "driver"], required=True)
    user.add_argument("--password")
    user.add_argument("--must-change-password", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in ("run", "serve"):
        # A job is not a worker: its metrics stay in its own process, never in the workers'
        # folder (which a fresh `docker compose run` container does not even have).
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    settings = get_settings()
    level = settings.log_level if settings.log_level in logging.getLevelNamesMapping() else "INFO"
    configure_logging(level)
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every command at INFO
    try:
        if args.command == "run":
            run_dev(settings, args.data_dir)
        elif args.command == "serve":
            serve(settings)
        elif args.command == "migrate":
            migrate(settings.database_url)
        elif args.command == "check-config":
            from api.config_report import check_config

            return check_config(settings, connect=not args.offline)
        elif args.command == "bootstrap-admin":
            bootstrap_admin(settings)
        elif args.command == "prune-photos":
            from api.jobs import prune_photos

            return prune_photos(settings, args.older_than_days, args.dry_run)
        elif args.command == "verify":
            from api.jobs import verify

            return verify(settings)
        elif args.command == "worker":
            from api import jobs

            if args.check:
                return jobs.check_worker(settings)
            jobs.run_worker(settings)
        elif args.command == "notify":
            return notify_digest(settings, now=args.now)
        elif args.command == "create-user":
            create_user(settings, args)
    except ConfigError as exc:
        print(f"frota: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
