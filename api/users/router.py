from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from api.actor import Role
from api.db import SessionDep
from api.deps import AdminActor
from api.lists import ListQuery, Page, PageDep, read_columns, read_page
from api.params import UserId
from api.users import service
from api.users.models import User
from api.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
LIST = ListQuery(service.list_users_query, read_columns(User.__table__, UserRead))


@router.get("", response_model=Page[UserRead])
async def list_users(
    request: Request,
    _: AdminActor,
    page: PageDep,
    role: Role | None = None,
    is_active: Annotated[bool | None, Query()] = None,
):
    """List users (admin), filtered by role and active flag."""
    values = service.list_users_filters(role=role, is_active=is_active)
    return await read_page(request, LIST, values, page)


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, _: AdminActor):
    """Create a user (admin). Passwords have at least 12 characters."""
    return service.create_user(session=session, data=data)


@router.get("/{user_id}", response_model=UserRead)
def get_user(user_id: UserId, session: SessionDep, _: AdminActor):
    """One user (admin)."""
    return service.get_user(session=session, user_id=user_id)


@router.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: UserId, data: UserUpdate, session: SessionDep, admin: AdminActor):
    """Change a user (admin); `is_active: false` deactivates and ends their tokens at once."""
    user = service.get_user(session=session, user_id=user_id)
    return service.update_user(session=session, user=user, data=data, acting=admin)
