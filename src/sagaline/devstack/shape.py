"""The stack's shape: how many Kafka nodes, how many replicas of each service, and which
saga's services they are.

`sagaline up --brokers 3 --replicas 2 --saga m:SAGA` records it in the stack dir, so later
commands (`status`, `down`, the test fixtures) see every node, service and replica that `up`
started, without being told again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sagaline import saga_choice
from sagaline.devstack import kafka_config
from sagaline.devstack.errors import StackError

FILE = "shape.json"
REPLICA_PORT_STEP = 10  # replica r of a service on port 4001 listens on 4001 + 10 * (r - 1)
NODE_PORT_STEP = 2  # node n listens on base + 2 * (n - 1), its controller one port above


@dataclass(frozen=True)
class Shape:
    brokers: int = 1
    replicas: int = 1
    # Replicas name themselves (REPLICA_ID) for static group membership; False: dynamic.
    static_membership: bool = True
    # SASL/SCRAM and ACLs on the broker, one Kafka user per service (stack/kafka_secure.py).
    secure: bool = False
    # The saga (module:attribute) whose services run: the one chosen when `up` ran.
    saga: str = field(default_factory=saga_choice.reference)
    # Each service's database and Kafka links through Toxiproxy (devstack/links.py).
    faulty: bool = False

    def __post_init__(self) -> None:
        if self.brokers not in (1, 3):
            raise StackError("--brokers is 1 (one node) or 3 (a KRaft quorum of three)")
        if not 1 <= self.replicas <= 9:
            raise StackError("--replicas is 1 to 9")
        if self.faulty and (self.secure or self.replicas > 1):
            # Not yet: the proxies are per service or between nodes, over PLAINTEXT.
            raise StackError("--faulty runs one replica of each service, without --secure")

    @property
    def cluster(self) -> bool:
        return self.brokers > 1

    def save(self, stack_dir: Path) -> None:
        stack_dir.mkdir(parents=True, exist_ok=True)
        (stack_dir / FILE).write_text(json.dumps(asdict(self)) + "\n")

    @classmethod
    def load(cls, stack_dir: Path) -> Shape:
        """What `up` recorded, or one node and one replica of the chosen saga."""
        try:
            return cls(**json.loads((stack_dir / FILE).read_text()))
        except FileNotFoundError:
            return cls()


def node_addresses(bootstrap: str, brokers: int) -> list[tuple[str, int]]:
    """(host, port) of each node: the bootstrap list's own entries when it names as many,
    else ports counted up from its first entry."""
    listed = kafka_config.parse_bootstrap_list(bootstrap)
    if len(listed) >= brokers:
        return listed[:brokers]
    host, port = listed[0]
    return [(host, port + NODE_PORT_STEP * n) for n in range(brokers)]


def replica_port(base: int, replica: int) -> int:
    return base + REPLICA_PORT_STEP * (replica - 1)
