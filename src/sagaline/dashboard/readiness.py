"""Does each service answer GET /ready? (The stuck analysis names a service that does not.)"""

from __future__ import annotations

from collections.abc import Mapping

import httpx


def ready(urls: Mapping[str, str], client: httpx.Client) -> dict[str, bool]:
    found = {}
    for service, url in urls.items():
        try:
            found[service] = client.get(f"{url}/ready").status_code == 200
        except httpx.HTTPError:
            found[service] = False
    return found
