"""The scheduled notifications' cost: a digest run for 1,000 vehicles and 20 managers.

On a fresh database (embedded PostgreSQL, or a new one on BENCH_DATABASE_URL's server, dropped
afterwards) it seeds 1,000 vehicles, each with an overdue reminder, an insurance expiring in
10 days and this year's licensing, and 100 drivers with a login whose CNH expires within 30
days; then runs `run_scheduled(force=True)` against a real SMTP server (aiosmtpd on 127.0.0.1)
twice, and prints for each run its time, its SQL statements and the e-mails received.

    .venv/bin/python bench/notify_digest.py [--vehicles 1000] [--managers 20]
"""

import argparse
import os
import secrets
import socket
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_hex(24))
os.environ.setdefault("LOG_LEVEL", "WARNING")

from run_bench import _plate, fresh_database, migrate, say  # noqa: E402


def seed(url: str, vehicles: int, managers: int, drivers: int) -> None:
    from sqlalchemy import create_engine, insert

    from api.db import sqlalchemy_url
    from api.documents.models import Document
    from api.drivers.models import Driver
    from api.maintenance.models import Reminder
    from api.security import hash_password
    from api.users.models import User
    from api.vehicles.models import Vehicle

    today = date.today()
    engine = create_engine(sqlalchemy_url(url))
    password = hash_password("bench notify password")
    with engine.begin() as conn:
        ids = conn.execute(
            insert(Vehicle).returning(Vehicle.id),
            [
                {"plate": _plate(i), "make": "Fiat", "model": "Strada", "year": 2022,
                 "odometer_km": 31_000}
                for i in range(vehicles)
            ],
        ).scalars().all()  # fmt: skip
        conn.execute(
            insert(Reminder),
            [{"vehicle_id": v, "title": "Troca de óleo", "every_km": 10_000,
              "last_done_km": 20_000} for v in ids],
        )  # fmt: skip
        conn.execute(
            insert(Document),
            [{"vehicle_id": v, "kind": "insurance", "expires_on": today + timedelta(days=10),
              "photo_ids": []} for v in ids],
        )  # fmt: skip
        users = [
            {"email": f"manager{i}@bench.example.com", "name": f"Manager {i}", "role": "manager",
             "password_hash": password} for i in range(managers)
        ] + [
            {"email": f"driver{i}@bench.example.com", "name": f"Driver {i}", "role": "driver",
             "password_hash": password} for i in range(drivers)
        ]  # fmt: skip
        user_ids = conn.execute(insert(User).returning(User.id), users).scalars().all()
        conn.execute(
            insert(Driver),
            [{"name": f"Driver {i}", "license_number": f"{i:011d}", "license_category": "B",
              "license_expiry": today + timedelta(days=1 + i % 30), "user_id": uid}
             for i, uid in enumerate(user_ids[managers:])],
        )  # fmt: skip
    engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=1000)
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--drivers", type=int, default=100)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    url, drop = fresh_database()
    try:
        migrate(url)
        os.environ["DATABASE_URL"] = url
        say(f"seeding {args.vehicles} vehicles, {args.managers} managers, {args.drivers} drivers")
        seed(url, args.vehicles, args.managers, args.drivers)

        class Sink:
            received = 0

            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                Sink.received += 1
                return "250 OK"

        port = free_port()
        smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
        smtp.start()
        from api.config import get_settings
        from api.notifications.service import run_scheduled

        settings = get_settings().model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
        )
        statements = [0]

        @event.listens_for(Engine, "before_cursor_execute")
        def count(*_args):
            statements[0] += 1

        for run in ("first run", "second run"):
            statements[0], Sink.received = 0, 0
            started = time.perf_counter()
            summary = run_scheduled(settings, datetime.now(UTC), force=True)
            elapsed = time.perf_counter() - started
            say(
                f"{run}: {elapsed:.2f} s, {statements[0]} SQL statements, "
                f"{Sink.received} e-mails received; {summary}"
            )
        smtp.stop()
    finally:
        drop()


if __name__ == "__main__":
    main()
