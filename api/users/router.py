from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from api.db import SessionDep
from api.deps import AdminUser, PageDep
from api.pagination import Page, paginate
from api.users import service
from api.users.models import Role
from api.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserRead])
def list_users(
    request: Request,
    session: SessionDep,
    _: AdminUser,
    page: PageDep,
    role: Role | None = None,
    is_active: Annotated[bool | None, Query()] = None,
):
    """List users (admin), filtered by role and active flag."""
    rows, meta = paginate(session, service.list_users_query(role=role, is_active=is_active), page,
                          request)
    return {"items": rows, **meta}


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, _: AdminUser):
    """Create a user (admin). Passwords have at least 12 characters."""
    return service.create_user(session=session, data=data)


@router.get("/{user_id}", response_model=UserRead)
def get_user(user_id: int, session: SessionDep, _: AdminUser):
    """One user (admin)."""
    return service.get_user(session=session, user_id=user_id)


@router.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: int, data: UserUpdate, session: SessionDep, admin: AdminUser):
    """Change a user (admin); `is_active: false` deactivates and ends their tokens at once."""
    user = service.get_user(session=session, user_id=user_id)
    return service.update_user(session=session, user=user, data=data, acting=admin)
