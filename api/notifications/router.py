"""Notification preferences (`/users/me/notifications`, an admin's `/users/{id}/notifications`)
and the test message. Under /users because they are the person's; the domain is its own."""

from fastapi import APIRouter

from api.db import SessionDep
from api.deps import AdminActor, CurrentActor, SettingsDep
from api.notifications import service
from api.notifications.schemas import (
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    NotificationTestResult,
)
from api.params import UserId

router = APIRouter(prefix="/users", tags=["notifications"])


@router.get("/me/notifications", response_model=NotificationPreferencesRead)
def my_preferences(actor: CurrentActor, session: SessionDep):
    """Your notification preferences (`push_urls` masked: they are write-only)."""
    return service.preferences_read(service.get_preferences(session=session, user_id=actor.id))


@router.patch("/me/notifications", response_model=NotificationPreferencesRead)
def update_my_preferences(
    data: NotificationPreferencesUpdate,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
):
    """Change your notification preferences; each push URL is checked (422 with the reason)."""
    preferences = service.update_preferences(
        session=session, settings=settings, user_id=actor.id, data=data
    )
    return service.preferences_read(preferences)


@router.post(
    "/me/notifications/test",
    response_model=NotificationTestResult,
    responses={
        502: {"description": "Every channel failed"},
        503: {"description": "No SMTP and no push URL"},
    },
)
def send_me_a_test(actor: CurrentActor, session: SessionDep, settings: SettingsDep):
    """Send yourself a test message now, by e-mail and to your push URLs: what was sent and
    what failed."""
    user = service.user_or_404(session=session, user_id=actor.id)
    return service.send_test(session=session, settings=settings, user=user)


@router.get("/{user_id}/notifications", response_model=NotificationPreferencesRead)
def user_preferences(user_id: UserId, _: AdminActor, session: SessionDep):
    """A user's notification preferences (admin)."""
    service.user_or_404(session=session, user_id=user_id)
    return service.preferences_read(service.get_preferences(session=session, user_id=user_id))


@router.patch("/{user_id}/notifications", response_model=NotificationPreferencesRead)
def update_user_preferences(
    user_id: UserId,
    data: NotificationPreferencesUpdate,
    _: AdminActor,
    session: SessionDep,
    settings: SettingsDep,
):
    """Change a user's notification preferences (admin)."""
    service.user_or_404(session=session, user_id=user_id)
    preferences = service.update_preferences(
        session=session, settings=settings, user_id=user_id, data=data
    )
    return service.preferences_read(preferences)
