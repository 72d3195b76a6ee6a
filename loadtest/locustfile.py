"""A fleet's rush hour against a running Frota, for `locust --headless` (not a project
dependency: `pip install locust pillow`).

Drivers (3 in 4 users) check a vehicle out, upload photos of the odometer and the outside, read
their own trips, and check the vehicle back in; managers (1 in 4) list and filter vehicles,
trips and photos and open thumbnails through the signed links, as the web panel does.

    locust -f loadtest/locustfile.py --headless -u 40 -r 4 -t 5m --host http://127.0.0.1:8000

Accounts come from the environment: FROTA_MANAGER_EMAIL, FROTA_DRIVER_EMAILS (comma-separated,
or a pattern with `{n}` and FROTA_DRIVER_COUNT) and FROTA_PASSWORD (one password for all, as
seeded by `bench/run_bench.py --serve`). Expected refusals (a vehicle someone else just took,
an expired licence) count as successes: they are the API doing its job.
"""

import io
import itertools
import os
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, task
from PIL import Image

API = "/api/v1"
PASSWORD = os.environ.get("FROTA_PASSWORD", "")
MANAGER_EMAIL = os.environ.get("FROTA_MANAGER_EMAIL", "bench-manager@example.com")
_pattern = os.environ.get("FROTA_DRIVER_EMAILS", "driver{n}@bench.example.com")
if "{n}" in _pattern:
    DRIVER_EMAILS = [
        _pattern.format(n=n) for n in range(int(os.environ.get("FROTA_DRIVER_COUNT", "300")))
    ]
else:
    DRIVER_EMAILS = [e.strip() for e in _pattern.split(",") if e.strip()]
_next_driver = itertools.cycle(DRIVER_EMAILS)
_lock = threading.Lock()


def _photo_bytes() -> bytes:
    """A 2 MP phone-like JPEG, different bytes for every upload (so none is a duplicate)."""
    image = Image.effect_noise((1600, 1200), random.randint(8, 40)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class FrotaUser(HttpUser):
    abstract = True
    email = ""

    def on_start(self) -> None:
        response = self.client.post(
            f"{API}/auth/login",
            data={"username": self.email, "password": PASSWORD},
            name="POST /auth/login",
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


class Driver(FrotaUser):
    """On a phone: check out, photograph, drive, check in."""

    weight = 3
    wait_time = between(2, 8)

    def on_start(self) -> None:
        with _lock:
            self.email = next(_next_driver)
        super().on_start()
        self.trip: dict | None = None

    @task(3)
    def my_trips(self) -> None:
        self.client.get(f"{API}/trips?limit=20", name="GET /trips (own)")

    @task(2)
    def drive(self) -> None:
        if self.trip is None:
            self._check_out()
        else:
            self._upload("exterior")
            self._check_in()

    def _check_out(self) -> None:
        vehicles = self.client.get(
            f"{API}/vehicles?status=available&limit=50", name="GET /vehicles?status=available"
        ).json()["items"]
        if not vehicles:
            return
        vehicle = random.choice(vehicles)
        with self.client.post(
            f"{API}/trips",
            json={"vehicle_id": vehicle["id"], "start_odometer_km": vehicle["odometer_km"]},
            name="POST /trips (check out)",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.trip = response.json()
                self._upload("odometer")
            elif response.status_code in (403, 409, 422):
                response.success()  # taken meanwhile, licence expired, already on a trip

    def _upload(self, kind: str) -> None:
        assert self.trip is not None
        key = str(uuid.uuid4())
        photo = _photo_bytes()
        fields = {
            "vehicle_id": str(self.trip["vehicle_id"]),
            "trip_id": str(self.trip["id"]),
            "kind": kind,
        }
        for attempt in range(2):  # a retry with the same key must return the same photo
            response = self.client.post(
                f"{API}/photos",
                data=fields,
                files={"file": ("photo.jpg", photo, "image/jpeg")},
                headers={"Idempotency-Key": key},
                name="POST /photos" if attempt == 0 else "POST /photos (retry)",
            )
            if response.status_code < 500 and random.random() > 0.05:
                break

    def _check_in(self) -> None:
        assert self.trip is not None
        end = self.trip["start_odometer_km"] + random.randint(3, 250)
        with self.client.post(
            f"{API}/trips/{self.trip['id']}/finish",
            json={"end_odometer_km": end, "notes": "ok"},
            name="POST /trips/{id}/finish (check in)",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 409):
                response.success()
        self.trip = None


class Manager(FrotaUser):
    """On the web panel: lists, filters, galleries."""

    weight = 1
    wait_time = between(1, 4)
    email = MANAGER_EMAIL

    def on_start(self) -> None:
        super().on_start()
        first = self.client.get(f"{API}/vehicles?limit=200", name="GET /vehicles?limit=200")
        self.vehicle_ids = [v["id"] for v in first.json()["items"]] or [1]

    @task(4)
    def vehicles(self) -> None:
        status = random.choice(["", "&status=available", "&status=in_use", "&status=maintenance"])
        offset = random.choice([0, 0, 0, 50, 100])
        self.client.get(f"{API}/vehicles?limit=50&offset={offset}{status}", name="GET /vehicles")

    @task(4)
    def trips_of_a_vehicle(self) -> None:
        vehicle_id = random.choice(self.vehicle_ids)
        self.client.get(
            f"{API}/trips?limit=50&vehicle_id={vehicle_id}", name="GET /trips?vehicle_id="
        )

    @task(2)
    def trips_this_month(self) -> None:
        since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        state = random.choice(["", "&state=open", "&state=finished"])
        self.client.get(
            f"{API}/trips?limit=50&started_from={since}{state}", name="GET /trips?started_from="
        )

    @task(3)
    def gallery(self) -> None:
        vehicle_id = random.choice(self.vehicle_ids)
        photos = self.client.get(
            f"{API}/photos?vehicle_id={vehicle_id}&limit=24", name="GET /photos?vehicle_id="
        )
        if photos.status_code != 200:
            return
        for photo in photos.json()["items"][:6]:
            if photo.get("thumbnail_url"):
                # An <img>: no bearer token, only the signed link.
                self.client.get(
                    photo["thumbnail_url"],
                    headers={"Authorization": None},  # requests drops a None header
                    name="GET /photos/{id}/thumbnail (signed)",
                )

    @task(1)
    def expiring_licences(self) -> None:
        self.client.get(
            f"{API}/drivers?license_expiring_within_days=30", name="GET /drivers?expiring"
        )
