"""Filling the templates: `[[name]]` placeholders in YAML text.

Not `str.format` or `string.Template`: the files are full of braces (flow mappings, Prometheus'
`{{ $value }}`) and dollars (compose's `${VAR:-default}`, `$$POSTGRES_USER`), which those
would take for their own syntax.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

PLACEHOLDER = re.compile(r"\[\[(\w+)\]\]")
_ALONE = re.compile(r"^( *)\[\[(\w+)\]\]$")  # a placeholder that is a whole line


def fill(template: str, **values: object) -> str:
    """`template` with each `[[name]]` replaced by `values[name]`.

    A placeholder alone on its line takes a block: every line of the value is indented as the
    placeholder is, and an empty value removes the line (an optional setting). Elsewhere the
    value must be one line. A placeholder without a value, or a value without a placeholder,
    is an error: a typo must not render a file quietly wrong."""
    used: set[str] = set()

    def value_of(name: str) -> str:
        if name not in values:
            raise KeyError(f"template placeholder [[{name}]] has no value")
        used.add(name)
        return str(values[name])

    def inline(match: re.Match[str]) -> str:
        text = value_of(match.group(1))
        if "\n" in text:
            raise ValueError(f"[[{match.group(1)}]] is inside a line; its value has several")
        return text

    lines: list[str] = []
    for line in template.splitlines():
        if alone := _ALONE.match(line):
            indent, block = alone.group(1), value_of(alone.group(2))
            lines.extend(indent + part if part else part for part in block.splitlines())
        else:
            lines.append(PLACEHOLDER.sub(inline, line))
    if unused := sorted(values.keys() - used):
        raise KeyError(f"values for no placeholder: {unused}")
    return "\n".join(lines) + "\n"


def quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value)


def flow_list(items: Iterable[object]) -> str:
    """A YAML flow sequence of plain scalars: `[a, b, c]`."""
    return "[" + ", ".join(str(i) for i in items) + "]"


def lines(blocks: Iterable[str], separator: str = "\n") -> str:
    """Blocks (each without its final newline) joined into one block."""
    return separator.join(b.rstrip("\n") for b in blocks)
