from fastapi import APIRouter, status

from api.db import SessionDep
from api.deps import AdminActor
from api.lists import ListQuery, Page
from api.params import UserId
from api.users import service
from api.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
LIST = ListQuery(service.list_users_query, service.UserFilters, UserRead)


@router.get("", response_model=Page[UserRead])
async def list_users(_: AdminActor, asked: LIST.Asked):
    """List users (admin), filtered by role and active flag."""
    return await asked.answer()


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
