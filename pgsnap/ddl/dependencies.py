"""Pure: the DDL and fingerprints of the things a table needs, and their psql-script form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pgsnap.catalog.values import (
    Attribute,
    CollationRow,
    DomainConstraint,
    ExtensionRow,
    FunctionRow,
    SequenceRow,
    TypeRow,
)
from pgsnap.errors import SQLError
from pgsnap.model import Dependency
from pgsnap.naming import ident, literal

COLLATION_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def collation_definition(c: CollationRow, name: str) -> tuple[str, str]:
    """(CREATE COLLATION as pg_dump writes it, fingerprint): provider, determinism, locales
    and ICU rules."""
    provider = COLLATION_PROVIDERS.get(c.provider, c.provider)
    options = [f"provider = {provider}"]
    if not c.deterministic:
        options.append("deterministic = false")
    if provider == "libc":
        locales: list[tuple[str, str | None]] = (
            [("locale", c.collate)]
            if c.collate == c.ctype
            else [("lc_collate", c.collate), ("lc_ctype", c.ctype)]
        )
    else:  # icu and builtin: the locale (PG15/16 colliculocale, PG17+ colllocale)
        locales = [("locale", c.locale)]
        if c.rules is not None:
            locales.append(("rules", c.rules))
    options += [f"{key} = {literal(value or '')}" for key, value in locales]
    fingerprint = fingerprint_of(
        "collation", [provider, bool(c.deterministic), [list(x) for x in locales]]
    )
    return f"CREATE COLLATION {name} ({', '.join(options)})", fingerprint


def enum_definition(name: str, labels: Sequence[str]) -> tuple[str, str]:
    return (
        f"CREATE TYPE {name} AS ENUM ({', '.join(literal(x) for x in labels)})",
        fingerprint_of("enum", list(labels)),
    )


def composite_definition(name: str, attrs: Sequence[Attribute]) -> tuple[str, str]:
    body = ", ".join(
        f"{ident(a.name)} {a.type}" + (f" COLLATE {a.collation}" if a.collation else "")
        for a in attrs
    )
    # an attribute without a collation of its own keeps the identity it had before they were
    # rendered, so an archive's type still matches the same type on the target
    shape = [[a.name, a.type, *([a.collation] if a.collation else [])] for a in attrs]
    return f"CREATE TYPE {name} AS ({body})", fingerprint_of("composite", shape)


def range_definition(name: str, t: TypeRow) -> tuple[str, str]:
    options = [f"SUBTYPE = {t.subtype}"]
    for key, value in (
        ("SUBTYPE_OPCLASS", t.subtype_opclass),
        ("COLLATION", t.collation),
        ("CANONICAL", t.canonical),
        ("SUBTYPE_DIFF", t.subtype_diff),
    ):
        if value:
            options.append(f"{key} = {value}")
    return f"CREATE TYPE {name} AS RANGE ({', '.join(options)})", fingerprint_of("range", options)


def domain_definition(
    name: str, t: TypeRow, constraints: Sequence[DomainConstraint]
) -> tuple[str, str]:
    parts = [f"CREATE DOMAIN {name} AS {t.basetype}"]
    if t.collation:
        parts.append(f"COLLATE {t.collation}")
    if t.default is not None:
        parts.append(f"DEFAULT {t.default}")
    named_not_null = [c for c in constraints if c.type == "n"]
    if named_not_null:
        parts.append(f"CONSTRAINT {ident(named_not_null[0].name)} NOT NULL")
    elif t.not_null:
        parts.append("NOT NULL")
    checks = [c for c in constraints if c.type == "c"]
    parts += [f"CONSTRAINT {ident(c.name)} {c.definition}" for c in checks]
    # names of NOT NULL constraints differ between server versions: not part of the identity
    identity = [
        t.basetype,
        t.collation,
        t.default,
        bool(named_not_null or t.not_null),
        sorted(c.definition for c in checks),
    ]
    return " ".join(parts), fingerprint_of("domain", identity)


def function_dependency(f: FunctionRow, definition: str) -> Dependency:
    fingerprint = function_fingerprint(definition)
    return Dependency("function", f.schema, f.name, f.signature, definition.strip(), fingerprint)


def function_fingerprint(definition: str) -> str:
    return fingerprint_of("function", normalize(definition))


def extension_dependency(e: ExtensionRow) -> Dependency:
    ddl = f"CREATE EXTENSION IF NOT EXISTS {ident(e.name)} WITH SCHEMA {ident(e.schema)}"
    return Dependency("extension", e.schema, e.name, e.name, ddl, e.name)


def sequence_dependency(s: SequenceRow) -> Dependency:
    """CREATE SEQUENCE with every option (never OWNED BY: it is not the table's), and the
    setval that gives it the dumped value; the fingerprint is the options."""
    name = ident(s.schema, s.name)
    cycle = "CYCLE" if s.cycle else "NO CYCLE"
    unlogged = "UNLOGGED " if s.unlogged else ""
    ddl = (
        f"CREATE {unlogged}SEQUENCE {name} AS {s.type} START WITH {s.start} "
        f"INCREMENT BY {s.increment} MINVALUE {s.min} MAXVALUE {s.max} CACHE {s.cache} {cycle}"
    )
    setval = (
        f"SELECT pg_catalog.setval({literal(name)}, {s.last_value}, "
        f"{'true' if s.is_called else 'false'})"
    )
    fingerprint = sequence_fingerprint(s)
    return Dependency("sequence", s.schema, s.name, name, ddl, fingerprint, setval)


def sequence_fingerprint(s: SequenceRow) -> str:
    """What a sequence of the same name must match: its options, not its value."""
    shape = [s.type, s.start, s.increment, s.min, s.max, s.cache, bool(s.cycle)]
    return fingerprint_of("sequence", shape)


def fingerprint_of(kind: str, value: Any) -> str:
    return json.dumps([kind, value], sort_keys=True, separators=(",", ":"))


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def archive_schemas(tables: Iterable[Any], deps: Iterable[Dependency]) -> list[str]:
    """The schemas an archive's objects live in, without public (always there)."""
    tables = list(tables)
    names = [t.schema for t in tables] + [d.schema for d in deps]
    names += [s.schema for t in tables for s in t.owned.statistics]  # kept in their schema
    names += [p.schema for t in tables for p in t.partition_names()]  # partitions' own schemas
    return [n for n in dict.fromkeys(names) if n != "public"]


def psql_guarded(dep: Dependency) -> str:
    """The statement for the psql script: created only when missing, so a re-run works."""
    if dep.kind == "extension":
        return dep.ddl
    check = {
        "type": "to_regtype",
        "collation": "to_regcollation",
        "sequence": "to_regclass",
    }.get(dep.kind, "to_regprocedure")
    tag = "$pgsnap_dep$"
    if tag in dep.ddl or tag in dep.setval:
        raise SQLError(f"{dep.display()}: its definition contains {tag}")
    # a sequence's value is set only where this script creates it: an existing one may be
    # shared by other tables
    value = f" EXECUTE {_dollar(dep.setval)};" if dep.setval else ""
    return (
        f"DO {tag}BEGIN IF pg_catalog.{check}({literal(dep.identity)}) IS NULL THEN "
        f"EXECUTE {_dollar(dep.ddl)};{value} END IF; END{tag}"
    )


def _dollar(text: str) -> str:
    tag = "$pgsnap_ddl$"
    n = 0
    while tag in text:
        n += 1
        tag = f"$pgsnap_ddl{n}$"
    return f"{tag}{text}{tag}"
