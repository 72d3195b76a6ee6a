"""The naive baseline for `make bench`: the FastAPI tutorial way over Frota's own tables.

SQLAlchemy ORM objects, a pydantic `response_model`, one session per request, the user loaded
by id from the JWT on every request (the same rule Frota keeps), `count()` and the page as two
queries. It is what a first version of Frota would look like; it is not used by the API.

Run: DATABASE_URL=... SECRET_KEY=... uvicorn bench.naive_app:app --workers 4 --port 8402
"""

import hashlib
import hmac
import os
import time
from datetime import datetime
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, DateTime, Integer, String, Table, create_engine, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


def _url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


engine = create_engine(_url(os.environ["DATABASE_URL"]))
SessionLocal = sessionmaker(bind=engine)
SECRET_KEY = os.environ["SECRET_KEY"]


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String)
    is_active: Mapped[bool] = mapped_column(Boolean)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String)
    make: Mapped[str] = mapped_column(String)
    model: Mapped[str] = mapped_column(String)
    year: Mapped[int] = mapped_column(Integer)
    odometer_km: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String)


class Trip(Base):
    __tablename__ = "trips"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(Integer)
    driver_id: Mapped[int] = mapped_column(Integer)
    start_odometer_km: Mapped[int] = mapped_column(Integer)
    end_odometer_km: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purpose: Mapped[str | None] = mapped_column(String)
    notes: Mapped[str | None] = mapped_column(String)


if os.environ.get("NAIVE_PHOTOS"):
    # Reflected: the photos table belongs to another part of Frota (the bench sets NAIVE_PHOTOS
    # only when it exists).
    class Photo(Base):
        __table__ = Table("photos", Base.metadata, autoload_with=engine)


class VehicleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plate: str
    make: str
    model: str
    year: int
    odometer_km: int
    status: str


class TripOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    vehicle_id: int
    driver_id: int
    start_odometer_km: int
    end_odometer_km: int | None
    started_at: datetime
    finished_at: datetime | None
    purpose: str | None
    notes: str | None


class PhotoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    vehicle_id: int
    trip_id: int | None
    kind: str
    sha256: str
    size_bytes: int
    width: int | None
    height: int | None
    content_type: str
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    legal_hold: bool
    url: str
    thumbnail_url: str | None


class VehicleList(BaseModel):
    items: list[VehicleOut]
    total: int
    limit: int
    offset: int
    next: str | None
    previous: str | None


class TripList(VehicleList):
    items: list[TripOut]


class PhotoList(VehicleList):
    items: list[PhotoOut]


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/login")
DB = Annotated[Session, Depends(get_db)]


def current_user(db: DB, token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    try:
        claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    except JWTError as exc:
        raise HTTPException(401, "Invalid token") from exc
    user = db.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise HTTPException(401, "Inactive user")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
app = FastAPI(title="naive baseline")


def _links(request: Request, limit: int, offset: int, total: int) -> dict:
    nxt = prev = None
    if offset + limit < total:
        nxt = str(request.url.include_query_params(offset=offset + limit))
    if offset > 0:
        prev = str(request.url.include_query_params(offset=max(offset - limit, 0)))
    return {"total": total, "limit": limit, "offset": offset, "next": nxt, "previous": prev}


@app.get("/health")
def health(db: DB):
    db.execute(text("SELECT 1"))
    return {"status": "ok"}


@app.get("/api/v1/vehicles", response_model=VehicleList)
def list_vehicles(request: Request, db: DB, user: CurrentUser, limit: int = 50, offset: int = 0):
    query = select(Vehicle).order_by(Vehicle.id)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    items = db.scalars(query.limit(limit).offset(offset)).all()
    return {"items": items, **_links(request, limit, offset, total)}


@app.get("/api/v1/trips", response_model=TripList)
def list_trips(
    request: Request,
    db: DB,
    user: CurrentUser,
    limit: int = 50,
    offset: int = 0,
    vehicle_id: int | None = None,
):
    query = select(Trip).order_by(Trip.started_at.desc(), Trip.id.desc())
    if vehicle_id is not None:
        query = query.where(Trip.vehicle_id == vehicle_id)
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    items = db.scalars(query.limit(limit).offset(offset)).all()
    return {"items": items, **_links(request, limit, offset, total)}


def _signed(path: str) -> str:
    expires = int(time.time()) + 900
    sig = hmac.new(SECRET_KEY.encode(), f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{path}?expires={expires}&signature={sig}"


if os.environ.get("NAIVE_PHOTOS"):

    @app.get("/api/v1/photos", response_model=PhotoList)
    def list_photos(
        request: Request,
        db: DB,
        user: CurrentUser,
        vehicle_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ):
        query = select(Photo).order_by(Photo.id.desc())
        if vehicle_id is not None:
            query = query.where(Photo.vehicle_id == vehicle_id)
        total = db.scalar(select(func.count()).select_from(query.subquery()))
        photos = db.scalars(query.limit(limit).offset(offset)).all()
        items = []
        for photo in photos:
            item = PhotoOut.model_validate(
                {
                    **{c: getattr(photo, c, None) for c in PhotoOut.model_fields},
                    "url": _signed(f"/api/v1/photos/{photo.id}/file"),
                    "thumbnail_url": _signed(f"/api/v1/photos/{photo.id}/thumbnail"),
                }
            )
            items.append(item)
        return {"items": items, **_links(request, limit, offset, total)}
