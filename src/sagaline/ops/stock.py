"""Stock for the sagas the tools start: the seed's inventory step keeps it (under whatever
name a saga gives the step) and is stocked through its admin API, `POST /stock/{sku}`. A saga
without that step needs no stock here: its requests are its own business."""

from __future__ import annotations

import httpx

from sagaline.core.saga import Saga
from sagaline.ops import targets
from sagaline.settings import SystemSettings

STOCK_STEP = "sagaline.seed_saga.inventory"  # the step's package


def keepers(saga: Saga) -> tuple[str, ...]:
    """The services of `saga` that keep stock; none when it has no such step."""
    return tuple(s.name for s in saga.services if s.package == STOCK_STEP)


def sample_skus(saga: Saga) -> tuple[str, ...]:
    """The SKUs an ordinary saga's request asks for (none when its requests have no items)."""
    items = saga.sample_request("sample").get("items") or []
    return tuple(dict.fromkeys(str(item["sku"]) for item in items))


def _client(settings: SystemSettings, saga: Saga, keeper: str) -> httpx.Client:
    return httpx.Client(base_url=targets.base_url(settings, saga, keeper), timeout=10,
                        headers=settings.admin_headers())


def add(settings: SystemSettings, saga: Saga, sku: str, quantity: int) -> None:
    """`quantity` more of `sku` at every stock keeper."""
    for keeper in keepers(saga):
        with _client(settings, saga, keeper) as client:
            client.post(f"/stock/{sku}", json={"quantity": quantity}).raise_for_status()


def top_up(settings: SystemSettings, saga: Saga, sku: str, at_least: int) -> None:
    """At least `at_least` of `sku` on hand at every stock keeper."""
    for keeper in keepers(saga):
        with _client(settings, saga, keeper) as client:
            level = client.get(f"/stock/{sku}")
            on_hand = level.json()["onHand"] if level.status_code == 200 else 0
            if on_hand < at_least:
                client.post(f"/stock/{sku}",
                            json={"quantity": at_least - on_hand}).raise_for_status()
