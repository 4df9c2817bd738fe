"""docker-compose.yml's environments as compose gives them to a container: `${VAR}`,
`${VAR:-default}` and `${VAR:?message}` taken from a given shell, `$$` as a dollar."""

from __future__ import annotations

import re
from collections.abc import Mapping

_REFERENCE = re.compile(r"\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}")


class MissingVariable(KeyError):
    """A `${VAR:?message}` the shell leaves unset: compose refuses to start with `message`."""


def interpolated(value: object, shell: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, kind, rest = match.groups()
        given = shell.get(name, "")
        if given or kind is None:  # `:-` and `:?` treat an empty value as unset
            return given
        if kind == "?":
            raise MissingVariable(f"{name}: {rest}")
        return rest

    return _REFERENCE.sub(one, str(value))


def environment(spec: Mapping[str, object], shell: Mapping[str, str]) -> dict[str, str]:
    """A service's `environment` mapping as its container sees it."""
    return {key: interpolated(value, shell) for key, value in spec.items()}
