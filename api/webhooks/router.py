"""`/webhooks` (admins): endpoints that receive the fleet's events, signed (Standard Webhooks),
and their deliveries with every attempt."""

from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.db import SessionDep
from api.deps import AdminActor, SettingsDep
from api.lists import ListQuery, Page
from api.params import DeliveryId, WebhookId
from api.webhooks import service
from api.webhooks.models import WebhookEndpoint
from api.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
LIST = ListQuery(service.endpoints_query, service.WebhookFilters, WebhookRead)
DELIVERIES = ListQuery(service.deliveries_query, service.DeliveryFilters, DeliveryRead)


def endpoint_or_404(_: AdminActor, webhook_id: WebhookId, session: SessionDep) -> WebhookEndpoint:
    """The endpoint (admins only: the role is checked before its existence)."""
    return service.get_endpoint(session, webhook_id)


def locked_endpoint(_: AdminActor, webhook_id: WebhookId, session: SessionDep) -> WebhookEndpoint:
    """The endpoint, locked for the change that follows."""
    return service.get_endpoint(session, webhook_id, for_update=True)


Endpoint = Annotated[WebhookEndpoint, Depends(endpoint_or_404)]
LockedEndpoint = Annotated[WebhookEndpoint, Depends(locked_endpoint)]


@router.get("", response_model=Page[WebhookRead])
async def list_webhooks(_: AdminActor, asked: LIST.Asked):
    """The endpoints, in the order they were made (the secret is never shown again)."""
    return await asked.answer()


@router.post("", response_model=WebhookWithSecret, status_code=status.HTTP_201_CREATED)
def create_webhook(data: WebhookCreate, _: AdminActor, session: SessionDep, settings: SettingsDep):
    """An endpoint for the events named; `secret` is in this answer only. A URL that reaches a
    loopback, private, link-local or metadata address is a 422 (unless WEBHOOK_ALLOW_PRIVATE)."""
    return service.create_endpoint(session=session, data=data, settings=settings)


@router.get("/{webhook_id}", response_model=WebhookRead)
def get_webhook(endpoint: Endpoint):
    """One endpoint."""
    return endpoint


@router.patch("/{webhook_id}", response_model=WebhookRead)
def update_webhook(
    endpoint: LockedEndpoint, data: WebhookUpdate, session: SessionDep, settings: SettingsDep
):
    """Change the URL, events, description; `active: true` turns a disabled endpoint back on."""
    return service.update_endpoint(session=session, endpoint=endpoint, data=data, settings=settings)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(endpoint: LockedEndpoint, session: SessionDep):
    """The endpoint and its deliveries."""
    service.delete_endpoint(session=session, endpoint=endpoint)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookWithSecret)
def rotate_secret(endpoint: LockedEndpoint, session: SessionDep):
    """A new secret, in this answer only; the old one signs nothing more."""
    return service.rotate_secret(session=session, endpoint=endpoint)


@router.post(
    "/{webhook_id}/test", response_model=DeliveryRead, status_code=status.HTTP_202_ACCEPTED
)
def test_webhook(endpoint: Endpoint, session: SessionDep):
    """A `webhook.test` event for this endpoint only, sent by the worker within seconds."""
    delivery = service.send_test(session=session, endpoint=endpoint)
    return service.delivery_read(session, delivery)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
async def list_deliveries(webhook_id: WebhookId, _: AdminActor, asked: DELIVERIES.Asked):
    """The endpoint's deliveries, newest first, each with its attempts."""
    await service.endpoint_exists(asked.request, webhook_id)
    return await asked.answer({"endpoint_id": webhook_id})


@router.post("/{webhook_id}/deliveries/{delivery_id}/retry", response_model=DeliveryRead)
def retry_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, _: AdminActor, session: SessionDep
):
    """Send a pending, failed or dead delivery again at the worker's next round (also one still
    waiting for its next attempt)."""
    endpoint = service.get_endpoint(session, webhook_id)
    delivery = service.retry_delivery(session=session, endpoint=endpoint, delivery_id=delivery_id)
    return service.delivery_read(session, delivery)
