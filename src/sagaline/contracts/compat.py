"""Does a new event schema break a reader of the old one? `breaking(old, new)` names each way
it does, over the subset of JSON Schema the event models generate (types, `anyOf`, `enum`,
`const`, properties, `required`, `items`, string, number and array bounds, `pattern`,
`format`, `additionalProperties`). The rules (docs/contracts.md says why no library does it):

- a value the old schema accepted that the new one refuses (a reader of the new major would
  dead-letter an old message): a type narrowed, an enum value removed, a const, pattern or
  format added or changed, a bound narrowed or added, a field made required, additional
  properties closed;
- a field old readers require that a new writer may leave out: a required field removed,
  renamed or made optional.

Anything else passes: an optional field added or removed, a bound widened, a title or a
description changed.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems")  # raising one narrows
UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")  # lowering one narrows
EXACT = ("pattern", "format", "multipleOf")  # adding or changing one narrows


def breaking(old: Schema, new: Schema, path: str = "") -> list[str]:
    """Why `new` breaks a reader or a writer of `old`, one line each; [] when it does not."""
    where = path or "the value"
    found = _narrowed_types(old, new, where)
    if _is_union(old) or _is_union(new):  # each old branch against the new one reading it
        for old_branch in _branches(old):
            new_branch = _counterpart(old_branch, new)
            if new_branch is not None:
                found += breaking(old_branch, new_branch, path)
        return found
    found += _constraints(old, new, where)
    found += _objects(old, new, path)
    if "items" in old and "items" in new:
        found += breaking(old["items"], new["items"], f"{path}[]")
    return found


def _is_union(schema: Schema) -> bool:
    return "anyOf" in schema or "oneOf" in schema


def _branches(schema: Schema) -> list[Schema]:
    return list(schema.get("anyOf") or schema.get("oneOf") or [schema])


def accepted_types(schema: Schema) -> set[str]:
    """The JSON types a schema accepts (`any` when it names none)."""
    named: set[str] = set()
    for branch in _branches(schema):
        kind = branch.get("type", "any")
        named |= set(kind) if isinstance(kind, list) else {kind}
    return named


def _counterpart(branch: Schema, new: Schema) -> Schema | None:
    """The branch of `new` that reads what `branch` of the old schema accepted."""
    wanted = accepted_types(branch)
    return next((b for b in _branches(new) if accepts(accepted_types(b), wanted)), None)


def accepts(reader: set[str], values: set[str]) -> bool:
    """Whether a schema of the `reader` types reads values of the `values` types."""
    widened = reader | ({"integer"} if "number" in reader else set())
    return "any" in reader or values <= widened


def _narrowed_types(old: Schema, new: Schema, where: str) -> list[str]:
    now = accepted_types(new)
    lost = {t for t in accepted_types(old) if not accepts(now, {t})}
    return [f"{where}: type narrowed, {t} no longer accepted" for t in sorted(lost)]


def _constraints(old: Schema, new: Schema, where: str) -> list[str]:
    found = []
    was, now = _allowed(old), _allowed(new)
    if was is not None and now is not None:
        found += [f"{where}: enum value {v!r} removed" for v in was if v not in now]
    elif now is not None:
        found.append(f"{where}: now only {now!r}")
    for key in LOWER:
        if key in new and (key not in old or new[key] > old[key]):
            found.append(f"{where}: {key} narrowed to {new[key]}")
    for key in UPPER:
        if key in new and (key not in old or new[key] < old[key]):
            found.append(f"{where}: {key} narrowed to {new[key]}")
    for key in EXACT:
        if key in new and new[key] != old.get(key):
            found.append(f"{where}: {key} is now {new[key]!r}")
    return found


def _allowed(schema: Schema) -> list[Any] | None:
    """The values an `enum` or a `const` allows; None: any."""
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def _objects(old: Schema, new: Schema, path: str) -> list[str]:
    if "properties" not in old and "properties" not in new:
        return []
    was, now = old.get("properties", {}), new.get("properties", {})
    required_was, required_now = set(old.get("required", ())), set(new.get("required", ()))
    found = [f"{path}.{name}: made required" if name in was
             else f"{path}.{name}: a new required field" for name in
             sorted(required_now - required_was)]
    for name in sorted(required_was - required_now):
        found.append(f"{path}.{name}: required field " +
                     ("made optional" if name in now else "removed (or renamed)"))
    for name in sorted(was.keys() & now.keys()):
        found += breaking(was[name], now[name], f"{path}.{name}")
    if new.get("additionalProperties") is False and old.get("additionalProperties") is not False:
        found.append(f"{path or 'the value'}: additional properties closed")
    return [line.lstrip(".") for line in found]
