"""The secure local broker (`sagaline up --secure`): SASL/SCRAM-SHA-512, one user per service,
and ACLs that let each service do only what the saga's topology declares of it.

Users: `admin` (the launcher's super user: topics, ACLs, the dashboard and tools) and one per
service, each with a random password kept in the stack dir (kafka-users.json, mode 0600).
Their SCRAM credentials are written at format time (`kafka-storage format --add-scram`, from
an argfile: never on a command line), so the broker never runs a moment without them; the
admin's is in each node's server.properties (0600, in a 0700 dir). The controller listener
authenticates `admin` with SASL/PLAIN from its own config (SCRAM lives in the metadata the
controller serves, so it cannot log itself in with it); no principal is a super user without
a password.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AclBinding,
    AclOperation,
    AclPermissionType,
    ResourcePatternType,
    ResourceType,
)

from sagaline.core.saga import Saga
from sagaline.devstack.errors import StackError
from sagaline.devstack.private import FILE_MODE, write_private
from sagaline.ops.kafka_admin import admin_client

ADMIN = "admin"
MECHANISM = "SCRAM-SHA-512"
FILE = "kafka-users.json"


def users(stack_dir: Path, services: list[str]) -> dict[str, str]:
    """Each user's password: made once per stack dir, then read back."""
    path = stack_dir / FILE
    if not path.exists():
        stack_dir.mkdir(parents=True, exist_ok=True)
        made = {name: secrets.token_hex(24) for name in [ADMIN, *services]}
        write_private(path, json.dumps(made, indent=2) + "\n")
    path.chmod(FILE_MODE)  # also one a hand (or a copy) opened since
    known: dict[str, str] = json.loads(path.read_text())
    return known


def client_config(user: str, password: str) -> dict[str, str]:
    """librdkafka properties (KAFKA_CLIENT_CONFIG) to log in as `user`."""
    return {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": MECHANISM,
            "sasl.username": user, "sasl.password": password}


def scram_arguments(passwords: dict[str, str]) -> list[str]:
    """`kafka-storage format` arguments that create every user's SCRAM credential."""
    return [arg for user, password in passwords.items()
            for arg in ("--add-scram", f"{MECHANISM}=[name={user},password={password}]")]


def broker_properties(host: str, port: int, controller_port: int,
                      admin_password: str) -> dict[str, str]:
    """What a secure node's server.properties replaces and adds."""
    scram = f'username="{ADMIN}" password="{admin_password}";'
    plain = f'username="{ADMIN}" password="{admin_password}" user_{ADMIN}="{admin_password}";'
    return {
        "listeners": f"SASL_PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"SASL_PLAINTEXT://{host}:{port}",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,"
                                          "CONTROLLER:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config":
            f"org.apache.kafka.common.security.scram.ScramLoginModule required {scram}",
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config":
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain}",
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{ADMIN}",
        "allow.everyone.if.no.acl.found": "false",
    }


def _allow(user: str, kind: ResourceType, name: str, operation: AclOperation) -> AclBinding:
    return AclBinding(kind, name, ResourcePatternType.LITERAL, f"User:{user}", "*",
                      operation, AclPermissionType.ALLOW)


def acl_bindings(topology: Saga) -> list[AclBinding]:
    """Each service: WRITE on the topics it produces and its dead-letter topic (which, since
    KIP-679, also allows its idempotent producer), READ on those it consumes, READ on its own
    consumer group. WRITE and READ imply DESCRIBE; nothing else is granted."""
    bindings = []
    for s in topology.services:
        bindings += [_allow(s.name, ResourceType.TOPIC, t, AclOperation.WRITE)
                     for t in (*s.produces, s.dead_letter_topic)]
        bindings += [_allow(s.name, ResourceType.TOPIC, t, AclOperation.READ)
                     for t in s.consumed_topics]
        bindings.append(_allow(s.name, ResourceType.GROUP, s.consumer_group, AclOperation.READ))
    return bindings


def grant(bootstrap: str, admin: dict[str, str], topology: Saga) -> None:
    """Create the topology's ACLs (creating one that exists changes nothing)."""
    client = admin_client(bootstrap, admin)  # kept: the futures die with their client
    futures = client.create_acls(acl_bindings(topology), request_timeout=15)
    for binding, future in futures.items():
        try:
            future.result()
        except Exception as exc:
            raise StackError(f"creating the Kafka ACL {binding} failed: {exc}") from exc
