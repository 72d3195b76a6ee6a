from datetime import datetime

from pydantic import BaseModel


class AuditRead(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: int | None
    changes: dict
    request_id: str | None
