"""Strict JSON <-> frozen dataclasses, for the archive's header and manifest (docs/format.md).

decode() accepts a JSON value only if it has exactly the shape of the dataclass: an object
with no unknown key and every field that has no default, each value of the field's type
(str, int, bool, None, tuple[X, ...] as a JSON list, nested dataclasses), and within the
bounds its field metadata gives (`choices`, `minimum`, `identifier`).  Any difference is a
ShapeError naming the path of the value: ``tables[0].columns[2]: unknown key "nmae"``.
A dataclass's __post_init__ may raise ValueError for rules between fields; that becomes a
ShapeError too.  encode() is the inverse.

Every string must be valid Unicode with no NUL (PostgreSQL text holds neither a lone
surrogate nor a NUL, and either would break the code that encodes or sends it), and every
integer must fit in 64 bits (sizes, counts, offsets and sequence values all do).

loads() is json.loads bounded in nesting: a value nested a thousand levels deep is refused
with a ShapeError, not a RecursionError.  It takes time linear in the text.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

MAX_DEPTH = 16  # the manifest nests 6 levels (tables[i].owned.constraints[j]); room to spare
MAX_IDENT_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1: no catalog name is longer
INT_RANGE = (-(1 << 63), (1 << 63) - 1)  # a bigint: every integer the manifest holds fits


class ShapeError(ValueError):
    """A JSON value that does not have the shape of its dataclass; `path` locates it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def choices(*values: object) -> dict[str, Any]:
    """Field metadata: the value must be one of `values`."""
    return {"choices": values}


def minimum(low: int) -> dict[str, Any]:
    """Field metadata: an integer of at least `low`."""
    return {"minimum": low}


IDENTIFIER: dict[str, Any] = {"identifier": True}  # metadata: a 1 to 63-byte SQL name
# metadata: encode() leaves the field out while it holds its default, so that archives that
# do not use a newer field stay readable by the pgsnap versions that came before it
OMITTED_IF_DEFAULT: dict[str, Any] = {"omitted_if_default": True}


def loads(text: str, limit: int = MAX_DEPTH) -> Any:
    """json.loads(text), refused (ShapeError) when it nests objects and arrays deeper than
    `limit`; other bad JSON raises ValueError as json.loads does.

    The nesting is counted on the value json.loads made, with no recursion: a reading of the
    text that skipped its strings took 0.2 s of a 2,000-table header (issue 13).  Text nested
    deeper than json.loads can follow (RecursionError) is refused the same way."""
    too_deep = ShapeError("", f"it nests more than {limit} levels deep")
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep from None
    level: list[Any] = [value] if isinstance(value, dict | list) else []
    depth = 1
    while level:
        if depth > limit:
            raise too_deep
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        depth += 1
    return value


def decode(cls: type[T], value: object, path: str = "") -> T:
    """`value` as an instance of the dataclass `cls`; ShapeError when it has another shape.

    A fast pass first, which builds no paths (a manifest of 2,000 tables holds some 200,000
    values: issue 13); anything it does not accept is decoded again by the checked pass,
    which raises the ShapeError that names the value."""
    try:
        return _fast_decode(cls, value)
    except _Slow:
        return _checked_decode(cls, value, path)


class _Slow(Exception):
    """The fast pass met a value it does not accept: the checked pass says why."""


def _fast_decode(cls: type[T], value: object) -> T:
    if not isinstance(value, dict):
        raise _Slow
    known, required = _fast_fields(cls)  # type: ignore[arg-type]  # a class is hashable
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        field = known.get(key)
        if field is None:
            raise _Slow
        decoder, meta = field
        kwargs[key] = got = decoder(item)
        if meta and got is not None and not _meta_ok(got, meta):
            raise _Slow
    if not required <= kwargs.keys():
        raise _Slow
    try:
        return cls(**kwargs)
    except ValueError:
        raise _Slow from None


@cache
def _fast_fields(
    cls: type,
) -> tuple[dict[str, tuple[Any, Mapping[str, Any]]], frozenset[str]]:
    """name -> (decoder, metadata), and the required names, of the dataclass `cls`."""
    known = _fields(cls)
    fields = {name: (_decoder(hint), meta) for name, (hint, meta, _) in known.items()}
    return fields, frozenset(name for name, (_, _, required) in known.items() if required)


@cache
def _decoder(hint: Any) -> Any:
    """A function that decodes a value of type `hint` without paths, or raises _Slow."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        (inner,) = [o for o in options if o is not type(None)]
        return _optional(_decoder(inner)) if type(None) in options else _decoder(inner)
    if origin is tuple:
        return _sequence(_decoder(typing.get_args(hint)[0]))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return lambda value: _fast_decode(hint, value)
    return _FAST_SCALARS[hint]


def _optional(inner: Any) -> Any:
    return lambda value: None if value is None else inner(value)


def _sequence(item: Any) -> Any:
    def decoded(value: object) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _Slow
        return tuple(map(item, value))

    return decoded


def _fast_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Slow
    return value


def _fast_int(value: object) -> int:
    if type(value) is not int or not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise _Slow
    return value


def _fast_str(value: object) -> str:
    if not isinstance(value, str) or "\x00" in value or not (value.isascii() or _encodes(value)):
        raise _Slow
    return value


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_FAST_SCALARS: dict[Any, Any] = {bool: _fast_bool, int: _fast_int, str: _fast_str}


def _meta_ok(value: Any, meta: Mapping[str, Any]) -> bool:
    """What _check_meta accepts, as a yes or no."""
    if "choices" in meta and value not in meta["choices"]:
        return False
    if "minimum" in meta and value < meta["minimum"]:
        return False
    return not meta.get("identifier") or 0 < len(value.encode("utf-8")) <= MAX_IDENT_BYTES


def _checked_decode(cls: type[T], value: object, path: str = "") -> T:
    if not isinstance(value, dict):
        raise ShapeError(path, f"expected an object, not {_kind(value)}")
    known = _fields(cls)  # type: ignore[arg-type]  # a class is hashable
    for key in value:
        if key not in known:
            raise ShapeError(path, f"unknown key {_shown(key)}")
    kwargs: dict[str, Any] = {}
    for name, (hint, meta, required) in known.items():
        where = f"{path}.{name}" if path else name
        if name not in value:
            if required:
                raise ShapeError(path, f'missing key "{name}"')
            continue
        kwargs[name] = _check_meta(_value(hint, value[name], where), meta, where)
    try:
        return cls(**kwargs)
    except ValueError as exc:  # a rule between fields, from __post_init__
        raise ShapeError(path, str(exc)) from None


_PLAIN = frozenset((str, int, float, bool, type(None)))


def encode(value: object) -> Any:
    """A dataclass (or tuple, or plain value) as JSON values: objects, lists, scalars."""
    kind = type(value)  # by exact type first: a header of 2,000 tables is 190,000 values
    if kind in _PLAIN:
        return value
    if kind is tuple or kind is list:
        return [encode(v) for v in value]  # type: ignore[attr-defined]  # a tuple or list
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for name, omit, default in _encoded_fields(type(value)):
            item = getattr(value, name)
            if not (omit and item == default):
                out[name] = encode(item)
        return out
    return value


@cache
def _encoded_fields(cls: type) -> tuple[tuple[str, bool, Any], ...]:
    """(name, omitted when default, default) of each field, in order: read once per class."""
    return tuple(
        (f.name, bool(f.metadata.get("omitted_if_default")), f.default)
        for f in dataclasses.fields(cls)
    )


@cache
def _fields(cls: type) -> dict[str, tuple[Any, Mapping[str, Any], bool]]:
    """name -> (type hint, metadata, required) for the dataclass `cls`."""
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[Any, Mapping[str, Any], bool]] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = (hints[f.name], f.metadata, required)
    return out


def _value(hint: Any, value: object, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return _value(inner, value, path)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ShapeError(path, f"expected a list, not {_kind(value)}")
        return tuple(_value(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _checked_decode(hint, value, path)
    return _scalar(hint, value, path)


def _scalar(hint: Any, value: object, path: str) -> Any:
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is str:
        ok = isinstance(value, str)
    else:  # pragma: no cover - a field type this module does not know is a programming error
        raise TypeError(f"{path}: cannot decode {hint!r}")
    if not ok:
        raise ShapeError(path, f"expected {_NAMES[hint]}, not {_kind(value)}")
    if isinstance(value, str):
        _check_text(value, path)
    elif isinstance(value, int) and not INT_RANGE[0] <= value <= INT_RANGE[1]:
        raise ShapeError(path, "expected an integer that fits in 64 bits")
    return value


def _check_text(value: str, path: str) -> None:
    """A string PostgreSQL could have produced: valid UTF-8 once encoded, no NUL."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ShapeError(path, "expected valid unicode, not a lone surrogate") from None
    if "\x00" in value:
        raise ShapeError(path, "expected a string without NUL characters")


_NAMES = {bool: "true or false", int: "an integer", str: "a string"}


def _check_meta(value: Any, meta: Mapping[str, Any], path: str) -> Any:
    if value is None:
        return value
    if "choices" in meta and value not in meta["choices"]:
        allowed = ", ".join(_shown(c) for c in meta["choices"])
        raise ShapeError(path, f"expected one of {allowed}, not {_shown(value)}")
    if "minimum" in meta and value < meta["minimum"]:
        raise ShapeError(path, f"expected at least {meta['minimum']}, not {value}")
    if meta.get("identifier") and not 0 < len(value.encode("utf-8")) <= MAX_IDENT_BYTES:
        raise ShapeError(path, f"expected a name of 1 to {MAX_IDENT_BYTES} bytes")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {_shown(value)}"
    return f"the number {value}" if isinstance(value, int | float) else type(value).__name__


def printable(text: str) -> str:
    """`text` for a one-line message: control characters, line separators and lone
    surrogates escaped (``\\x0a``), so that a name read from a file cannot break the line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _shown(value: object, limit: int = 40) -> str:
    """A value for a message: short, on one line, printable (escapes for the rest)."""
    text = value if isinstance(value, str) else repr(value)
    text = printable(text if len(text) <= limit else text[: limit - 3] + "...")
    return '"' + text.replace('"', '\\"') + '"' if isinstance(value, str) else text


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
