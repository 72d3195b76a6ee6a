from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import service
from api.auth.schemas import Me, PasswordChange, Token
from api.db import SessionDep
from api.deps import CurrentUser, SettingsDep, UserAwaitingPasswordChange
from api.ratelimit import LoginAttempts

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=Token, dependencies=[LoginAttempts])
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
):
    """Exchange e-mail (`username`) and password for a bearer token."""
    user = service.authenticate(session=session, email=form.username, password=form.password)
    return service.issue_token(user=user, settings=settings)


@router.get("/me", response_model=Me)
def me(user: CurrentUser, session: SessionDep):
    """The logged-in user, with the driver record linked to it, if any."""
    return Me.model_validate(user, from_attributes=True).model_copy(
        update={"driver_id": service.driver_id_of(session=session, user=user)}
    )


@router.post("/password", response_model=Token)
def change_password(
    data: PasswordChange, user: UserAwaitingPasswordChange, session: SessionDep,
    settings: SettingsDep,
):
    """Change your password; older tokens stop working and a new one is returned."""
    service.change_password(
        session=session, user=user, current=data.current_password, new=data.new_password
    )
    return service.issue_token(user=user, settings=settings)
