"""`/inspection-templates`, `/inspections` (drivers their own) and `/defects`."""

from fastapi import APIRouter, status
from sqlalchemy import select

from api.actor import own_rows
from api.db import SessionDep
from api.deps import CurrentActor, FleetManager
from api.inspections import service
from api.inspections.models import InspectionTemplate
from api.inspections.schemas import (
    DefectCreate,
    DefectRead,
    DefectUpdate,
    InspectionCreate,
    InspectionRead,
    TemplateCreate,
    TemplateRead,
)
from api.lists import ListQuery, Page
from api.params import DefectId, InspectionId, TemplateId

router = APIRouter(tags=["inspections"])
INSPECTIONS = ListQuery(
    service.inspections_query,
    service.InspectionFilters,
    InspectionRead,
    visible=service.visible_to,
)
DEFECTS = ListQuery(service.defects_query, service.DefectFilters, DefectRead)


@router.get("/inspection-templates", response_model=list[TemplateRead])
def list_templates(_: CurrentActor, session: SessionDep):
    """Every checklist (a driver picks one before leaving)."""
    return (
        session.execute(select(InspectionTemplate).order_by(InspectionTemplate.name))
        .scalars()
        .all()
    )


@router.post(
    "/inspection-templates", response_model=TemplateRead, status_code=status.HTTP_201_CREATED
)
def create_template(data: TemplateCreate, _: FleetManager, session: SessionDep):
    """A checklist: items `{key, label, critical}`; `required_at_check_out` makes a check-out
    wait for an inspection with it (of the last 12 hours)."""
    return service.create_template(session=session, data=data)


@router.get("/inspection-templates/{template_id}", response_model=TemplateRead)
def get_template(template_id: TemplateId, _: CurrentActor, session: SessionDep):
    return service.get_template(session, template_id)


@router.post("/inspections", response_model=InspectionRead, status_code=status.HTTP_201_CREATED)
def create_inspection(data: InspectionCreate, actor: CurrentActor, session: SessionDep):
    """An inspection, immutable once made: each failed item opens a defect; a failed critical
    item puts the vehicle in maintenance."""
    inspection = service.create_inspection(session=session, actor=actor, data=data)
    return service.read_inspection(session, inspection.id, actor)


@router.get("/inspections", response_model=Page[InspectionRead])
async def list_inspections(actor: CurrentActor, asked: INSPECTIONS.Asked):
    """Inspections, newest first; drivers see theirs."""
    return await asked.answer(own_rows(actor))


@router.get("/inspections/{inspection_id}", response_model=InspectionRead)
def get_inspection(inspection_id: InspectionId, actor: CurrentActor, session: SessionDep):
    return service.read_inspection(session, inspection_id, actor)


@router.get("/defects", response_model=Page[DefectRead])
async def list_defects(_: CurrentActor, asked: DEFECTS.Asked):
    """Defects, unresolved and critical first (every role: a driver checks a vehicle's)."""
    return await asked.answer()


@router.post("/defects", response_model=DefectRead, status_code=status.HTTP_201_CREATED)
def create_defect(data: DefectCreate, actor: CurrentActor, session: SessionDep):
    """Report a defect by hand; a critical one puts the vehicle in maintenance."""
    return service.create_defect(session=session, actor=actor, data=data)


@router.get("/defects/{defect_id}", response_model=DefectRead)
def get_defect(defect_id: DefectId, _: CurrentActor, session: SessionDep):
    return service.get_defect(session, defect_id)


@router.patch("/defects/{defect_id}", response_model=DefectRead)
def update_defect(defect_id: DefectId, data: DefectUpdate, _: FleetManager, session: SessionDep):
    """Managers move a defect along (`in_repair`, `resolved`, `dismissed`)."""
    defect = service.get_defect(session, defect_id, for_update=True)
    return service.update_defect(session=session, defect=defect, data=data)
