from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.audit.recorder import log_login
from api.auth import service
from api.auth.schemas import Me, PasswordChange, Token
from api.db import SessionDep
from api.deps import ActorAwaitingPasswordChange, CurrentActor, SettingsDep
from api.ratelimit import LoginAttempts
from api.users.service import get_user

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=Token, dependencies=[LoginAttempts])
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
):
    """Exchange e-mail (`username`) and password for a bearer token."""
    user = service.authenticate(session=session, email=form.username, password=form.password)
    log_login(session, user.id)
    return service.issue_token(user=user, settings=settings)


@router.get("/me", response_model=Me)
def me(actor: CurrentActor, session: SessionDep):
    """The logged-in user, with the driver record linked to it, if any."""
    user = get_user(session=session, user_id=actor.id)
    return Me.model_validate(user, from_attributes=True).model_copy(
        update={"driver_id": actor.driver_id}
    )


@router.post("/password", response_model=Token)
def change_password(
    data: PasswordChange,
    actor: ActorAwaitingPasswordChange,
    session: SessionDep,
    settings: SettingsDep,
):
    """Change your password; older tokens stop working and a new one is returned."""
    user = get_user(session=session, user_id=actor.id)
    service.change_password(
        session=session, user=user, current=data.current_password, new=data.new_password
    )
    return service.issue_token(user=user, settings=settings)
