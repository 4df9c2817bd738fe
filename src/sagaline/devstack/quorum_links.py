"""The faulty cluster's wiring (`sagaline up --faulty --brokers 3`): every link between two
Kafka nodes goes through a Toxiproxy proxy of its own, one per direction, so one node can be
cut off from the others while the services still reach it (their links stay direct).

A node connects to another where that one advertises its inter-broker listener, and to a
controller where its own `controller.quorum.voters` says. So node s uses a listener of its
own name, `IB_FROM_<s>`, which every node n binds and advertises at the proxy `kafka-s.to.
kafka-n` (its own, s = n, directly); and node s's voters list names each other node m at the
proxy `kafka-s.to.kafka-m.controller`.

Ports, from Toxiproxy's API port up: the nodes' `IB_FROM_*` listeners (nodes x nodes), then
the inter-broker proxies, then the controller proxies (one per ordered pair each).
"""

from __future__ import annotations

from dataclasses import dataclass

from sagaline.devstack.kafka_config import Node
from sagaline.devstack.links import HOST, Link


def broker_link(source: int, target: int) -> str:
    return f"kafka-{source}.to.kafka-{target}"


def controller_link(source: int, target: int) -> str:
    return f"{broker_link(source, target)}.controller"


def links_of(node: int, nodes: int) -> list[str]:
    """Every link to or from `node`, both kinds: blackholed, it is cut off."""
    return [name for s, t in _pairs(nodes) if node in (s, t)
            for name in (broker_link(s, t), controller_link(s, t))]


def controller_links(nodes: int) -> list[str]:
    return [controller_link(s, t) for s, t in _pairs(nodes)]


def _pairs(nodes: int) -> list[tuple[int, int]]:
    return [(s, t) for s in range(1, nodes + 1) for t in range(1, nodes + 1) if s != t]


@dataclass(frozen=True)
class QuorumLinks:
    """The ports of a faulty quorum of `len(voters)` nodes, from `api_port` up."""

    api_port: int
    voters: tuple[Node, ...]

    @property
    def count(self) -> int:
        return len(self.voters)

    def bound(self, node: int, source: int) -> int:
        """Node `node`'s IB_FROM_<source> listener."""
        return self.api_port + 1 + self.count * (node - 1) + (source - 1)

    def _proxy(self, source: int, target: int, kind: int) -> int:
        index = _pairs(self.count).index((source, target))
        return self.api_port + 1 + self.count ** 2 + kind * len(_pairs(self.count)) + index

    def links(self) -> list[Link]:
        out = []
        for s, t in _pairs(self.count):
            target = self.voters[t - 1]
            out.append(Link(broker_link(s, t), self._proxy(s, t, 0),
                            f"{target.host}:{self.bound(t, s)}"))
            out.append(Link(controller_link(s, t), self._proxy(s, t, 1),
                            f"{target.host}:{target.controller_port}"))
        return out

    def ports(self, node: int) -> tuple[int, ...]:
        return tuple(self.bound(node, s) for s in range(1, self.count + 1))

    def properties(self, node: Node) -> dict[str, str]:
        """server.properties entries of `node` for this wiring."""
        n, sources = node.node_id, range(1, self.count + 1)
        def advertised(s: int) -> int:
            return self.bound(n, s) if s == n else self._proxy(s, n, 0)

        def voter(m: Node) -> str:
            port = m.controller_port if m.node_id == n else self._proxy(n, m.node_id, 1)
            host = m.host if m.node_id == n else HOST
            return f"{m.node_id}@{host}:{port}"

        return {
            "listeners": ",".join([f"PLAINTEXT://{node.host}:{node.port}",
                                   f"CONTROLLER://{node.host}:{node.controller_port}",
                                   *(f"IB_FROM_{s}://{node.host}:{self.bound(n, s)}"
                                     for s in sources)]),
            "advertised.listeners": ",".join([f"PLAINTEXT://{node.host}:{node.port}",
                                              *(f"IB_FROM_{s}://{HOST}:{advertised(s)}"
                                                for s in sources)]),
            "listener.security.protocol.map": ",".join(
                ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT",
                 *(f"IB_FROM_{s}:PLAINTEXT" for s in sources)]),
            "inter.broker.listener.name": f"IB_FROM_{n}",
            "controller.quorum.voters": ",".join(voter(m) for m in self.voters),
        }
