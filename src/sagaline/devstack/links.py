"""The faulty stack's wiring (`sagaline up --faulty`): each service's link to its database and
to Kafka goes through a Toxiproxy proxy of its own, named `<service>.db` and `<service>.kafka`,
so a fault on one link leaves every other link alone.

Ports, counted up from Toxiproxy's API port (TOXIPROXY_PORT) in the declaration's order: for
service i, its database proxy at api + 1 + 3i, its Kafka proxy at api + 2 + 3i, and the
broker's listener for it at api + 3 + 3i. A Kafka client connects where the broker advertises,
not where it bootstrapped: so the broker has a listener per service (`SVC_<NAME>`), each
advertising that service's proxy; the launcher and the tools keep the direct links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg.conninfo import make_conninfo

from sagaline.devstack import pgconfig
from sagaline.settings import StackSettings, env_prefix

HOST = "127.0.0.1"
PORTS_PER_SERVICE = 3


@dataclass(frozen=True)
class Link:
    """One proxy: `name` ("payment.db"), listening on `listen`, forwarding to `upstream`."""

    name: str
    listen: int
    upstream: str

    def as_proxy(self) -> dict[str, object]:
        """As Toxiproxy's config file and /populate want it."""
        return {"name": self.name, "listen": f"{HOST}:{self.listen}",
                "upstream": self.upstream, "enabled": True}


@dataclass(frozen=True)
class Listener:
    """A broker listener for one service: bound on `port`, advertised at its proxy's port."""

    name: str
    port: int
    advertised: int


def db_link(service: str) -> str:
    return f"{service}.db"


def kafka_link(service: str) -> str:
    return f"{service}.kafka"


def _base(api_port: int, index: int) -> int:
    return api_port + 1 + PORTS_PER_SERVICE * index


def listeners(names: Sequence[str], api_port: int) -> list[Listener]:
    """The broker's listener for each service, in the declaration's order."""
    return [Listener(f"SVC_{env_prefix(name)}", _base(api_port, i) + 2, _base(api_port, i) + 1)
            for i, name in enumerate(names)]


def links(settings: StackSettings, names: Sequence[str]) -> list[Link]:
    """Every service's database link, then its Kafka link (to its own broker listener)."""
    api = settings.toxiproxy_port
    out = []
    for i, name in enumerate(names):
        target = pgconfig.parse_dsn(settings.dsn(name))
        out.append(Link(db_link(name), _base(api, i), f"{target.host}:{target.port}"))
        out.append(Link(kafka_link(name), _base(api, i) + 1, f"{HOST}:{_base(api, i) + 2}"))
    return out


def through_proxies(settings: StackSettings, names: Sequence[str], name: str) -> StackSettings:
    """`settings` as service `name` sees them on the faulty stack: its database and Kafka at
    its own proxies."""
    base = _base(settings.toxiproxy_port, list(names).index(name))
    proxied_dsn = make_conninfo(settings.dsn(name), host=HOST, port=str(base))
    bootstrap = f"{HOST}:{base + 1}"
    return settings.with_services(dsns={name: proxied_dsn}).model_copy(
        update={"kafka_bootstrap_servers": bootstrap})


def broker_properties(host: str, port: int, controller_port: int,
                      extra: Sequence[Listener]) -> dict[str, str]:
    """server.properties entries adding `extra` listeners beside PLAINTEXT and CONTROLLER."""
    bound = [f"PLAINTEXT://{host}:{port}", f"CONTROLLER://{host}:{controller_port}",
             *(f"{x.name}://{host}:{x.port}" for x in extra)]
    advertised = [f"PLAINTEXT://{host}:{port}",
                  *(f"{x.name}://{HOST}:{x.advertised}" for x in extra)]
    protocols = ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT",
                 *(f"{x.name}:PLAINTEXT" for x in extra)]
    return {"listeners": ",".join(bound), "advertised.listeners": ",".join(advertised),
            "listener.security.protocol.map": ",".join(protocols)}
