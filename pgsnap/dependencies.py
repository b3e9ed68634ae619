"""The extensions, collations, types and functions a table needs, read from the catalog, and
their DDL.

`pg_dump -t` leaves these out, so its restore fails on a fresh database.  pgsnap carries
them in the archive and, on load, creates the missing ones, refuses an existing one whose
definition differs, and runs CREATE EXTENSION IF NOT EXISTS (design notes/anchors.md §1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import psycopg

from pgsnap.catalog import fetch
from pgsnap.connection import run, statement_errors
from pgsnap.ddl import ident, literal
from pgsnap.errors import PgsnapError, SQLError
from pgsnap.model import Dependency

Conn = psycopg.Connection[Any]
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
RECREATABLE_TYPES = {"e": "enum", "d": "domain", "c": "composite", "r": "range"}


class DependencyError(PgsnapError):
    """A dependency exists with another definition, or an extension is not available."""

    exit_code = 8


# -- reading (inside the dump's snapshot) -------------------------------------------------


def read_dependencies(conn: Conn, table_oid: int) -> list[Dependency]:
    """Extensions first, then types and functions, each after what it is built from.  A
    partitioned table's partitions count: each has its own triggers, defaults and indexes."""
    walker = _Walker(conn)
    relations = fetch(conn, "dep_relations", oid=table_oid)
    oids = [int(r["oid"]) for r in relations]
    for rel in relations:
        walker.visit_type(int(rel["reloftype"]))
    for (type_oid,) in conn.execute(
        "SELECT atttypid FROM pg_catalog.pg_attribute "
        "WHERE attrelid = ANY (%s::pg_catalog.oid[]) AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attrelid <> %s, attrelid, attnum",
        (oids, table_oid),
    ).fetchall():
        walker.visit_type(int(type_oid))
    for c in fetch(conn, "dep_table_collations", oids=oids):
        walker.visit_collation(int(c["oid"]))
    for f in fetch(conn, "dep_functions", oids=oids):
        walker.visit_function(f)
    walker.extensions.update(r["extname"] for r in fetch(conn, "dep_index_extensions", oids=oids))
    return [_extension(conn, name) for name in sorted(walker.extensions)] + walker.ordered


class _Walker:
    """Depth-first over types and functions, recording each after the things it needs."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.seen: set[tuple[str, int]] = set()
        self.ordered: list[Dependency] = []
        self.extensions: set[str] = set()

    def visit_type(self, oid: int) -> None:
        if ("t", oid) in self.seen or oid == 0:
            return
        self.seen.add(("t", oid))
        rows = fetch(self.conn, "dep_types", oid=oid)
        if not rows:
            return
        t = rows[0]
        if t["extension"]:
            self.extensions.add(t["extension"])
            return
        if t["typcategory"] == "A" and t["typelem"]:
            self.visit_type(int(t["typelem"]))  # an array comes with its element type
            return
        if t["nspname"] in SYSTEM_SCHEMAS or t["typtype"] not in RECREATABLE_TYPES:
            return
        self._visit_type_parts(t)
        for c in fetch(self.conn, "dep_type_collations", oid=oid):
            self.visit_collation(int(c["oid"]))
        self.ordered.append(_type(self.conn, t))

    def _visit_type_parts(self, t: dict[str, Any]) -> None:
        if t["typtype"] == "d":
            self.visit_type(int(t["typbasetype"]))
            for f in fetch(self.conn, "dep_domain_functions", oid=t["oid"]):
                self.visit_function(f)
        elif t["typtype"] == "r":
            self.visit_type(int(t["rngsubtype"]))
        elif t["typtype"] == "c":
            for a in fetch(self.conn, "dep_composite_attributes", relid=t["typrelid"]):
                self.visit_type(int(a["atttypid"]))

    def visit_function(self, f: dict[str, Any]) -> None:
        if ("f", f["oid"]) in self.seen:
            return
        self.seen.add(("f", f["oid"]))
        if f["extension"]:
            self.extensions.add(f["extension"])
            return
        for t in [f["prorettype"], *f["argtypes"]]:
            self.visit_type(int(t))
        self.ordered.append(_function(self.conn, f))

    def visit_collation(self, oid: int) -> None:
        if ("c", oid) in self.seen:
            return
        self.seen.add(("c", oid))
        rows = fetch(self.conn, "dep_collation", oid=oid)
        if not rows or rows[0]["nspname"] in SYSTEM_SCHEMAS:
            return
        if rows[0]["extension"]:
            self.extensions.add(rows[0]["extension"])
            return
        self.ordered.append(_collation(rows[0]))


def _extension(conn: Conn, name: str) -> Dependency:
    row = fetch(conn, "dep_extension", name=name)[0]
    ddl = f"CREATE EXTENSION IF NOT EXISTS {ident(name)} WITH SCHEMA {ident(row['nspname'])}"
    return Dependency("extension", row["nspname"], name, name, ddl, name)


def _type(conn: Conn, t: dict[str, Any]) -> Dependency:
    name = ident(t["nspname"], t["typname"])
    ddl, fingerprint = _type_definition(conn, t, name)
    return Dependency("type", t["nspname"], t["typname"], name, ddl, fingerprint)


def _type_definition(conn: Conn, t: dict[str, Any], name: str) -> tuple[str, str]:
    """(CREATE statement, fingerprint) of an enum, domain, composite or range type."""
    kind = t["typtype"]
    if kind == "e":
        labels = [r["enumlabel"] for r in fetch(conn, "dep_enum_labels", oid=t["oid"])]
        return (
            f"CREATE TYPE {name} AS ENUM ({', '.join(literal(x) for x in labels)})",
            _fp("enum", labels),
        )
    if kind == "d":
        return _domain(conn, t, name)
    if kind == "c":
        attrs = [
            (a["attname"], a["type"])
            for a in fetch(conn, "dep_composite_attributes", relid=t["typrelid"])
        ]
        body = ", ".join(f"{ident(a)} {ty}" for a, ty in attrs)
        return f"CREATE TYPE {name} AS ({body})", _fp("composite", attrs)
    options = [f"SUBTYPE = {t['subtype']}"]
    for key, column in (
        ("SUBTYPE_OPCLASS", "subtype_opclass"),
        ("COLLATION", "collation"),
        ("CANONICAL", "canonical"),
        ("SUBTYPE_DIFF", "subtype_diff"),
    ):
        if t[column]:
            options.append(f"{key} = {t[column]}")
    return f"CREATE TYPE {name} AS RANGE ({', '.join(options)})", _fp("range", options)


def _domain(conn: Conn, t: dict[str, Any], name: str) -> tuple[str, str]:
    constraints = fetch(conn, "dep_domain_constraints", oid=t["oid"])
    parts = [f"CREATE DOMAIN {name} AS {t['basetype']}"]
    if t["collation"]:
        parts.append(f"COLLATE {t['collation']}")
    if t["typdefault"] is not None:
        parts.append(f"DEFAULT {t['typdefault']}")
    named_not_null = [c for c in constraints if c["contype"] == "n"]
    if named_not_null:
        parts.append(f"CONSTRAINT {ident(named_not_null[0]['conname'])} NOT NULL")
    elif t["typnotnull"]:
        parts.append("NOT NULL")
    checks = [c for c in constraints if c["contype"] == "c"]
    parts += [f"CONSTRAINT {ident(c['conname'])} {c['def']}" for c in checks]
    # names of NOT NULL constraints differ between server versions: not part of the identity
    fingerprint = _fp(
        "domain",
        [
            t["basetype"],
            t["collation"],
            t["typdefault"],
            bool(named_not_null or t["typnotnull"]),
            sorted(c["def"] for c in checks),
        ],
    )
    return " ".join(parts), fingerprint


def _collation(c: dict[str, Any]) -> Dependency:
    name = ident(c["nspname"], c["collname"])
    ddl, fingerprint = _collation_definition(c, name)
    return Dependency("collation", c["nspname"], c["collname"], name, ddl, fingerprint)


COLLATION_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def _collation_definition(c: dict[str, Any], name: str) -> tuple[str, str]:
    """(CREATE COLLATION as pg_dump writes it, fingerprint): provider, determinism, locales
    and ICU rules."""
    provider = COLLATION_PROVIDERS.get(c["collprovider"], c["collprovider"])
    options = [f"provider = {provider}"]
    if not c["collisdeterministic"]:
        options.append("deterministic = false")
    if provider == "libc":
        locales: list[tuple[str, str | None]] = (
            [("locale", c["collcollate"])]
            if c["collcollate"] == c["collctype"]
            else [("lc_collate", c["collcollate"]), ("lc_ctype", c["collctype"])]
        )
    else:  # icu and builtin: the locale (PG15/16 colliculocale, PG17+ colllocale)
        locales = [("locale", c["locale"])]
        if c["rules"] is not None:
            locales.append(("rules", c["rules"]))
    options += [f"{key} = {literal(value or '')}" for key, value in locales]
    fingerprint = _fp(
        "collation", [provider, bool(c["collisdeterministic"]), [list(x) for x in locales]]
    )
    return f"CREATE COLLATION {name} ({', '.join(options)})", fingerprint


def _function(conn: Conn, f: dict[str, Any]) -> Dependency:
    definition = fetch(conn, "dep_function_def", oid=f["oid"])[0]["def"]
    ident_text = f["signature"]
    return Dependency(
        "function",
        f["nspname"],
        f["proname"],
        ident_text,
        definition.strip(),
        _fp("function", _normalize(definition)),
    )


def _fp(kind: str, value: Any) -> str:
    return json.dumps([kind, value], sort_keys=True, separators=(",", ":"))


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- applying (on load, inside the restore's transaction) -----------------------------------


def ensure_schemas(conn: Conn, schemas: Iterable[str]) -> list[str]:
    """Create the archive's schemas that the database lacks (restoring into a fresh database);
    return those created."""
    created = []
    for schema in dict.fromkeys(schemas):
        row = conn.execute(
            "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
        if row is None:
            run(conn, f"CREATE SCHEMA {ident(schema)}")
            created.append(schema)
    return created


def archive_schemas(tables: Iterable[Any], deps: Iterable[Dependency]) -> list[str]:
    """The schemas an archive's objects live in, without public (always there)."""
    tables = list(tables)
    names = [t.schema for t in tables] + [d.schema for d in deps]
    names += [s.schema for t in tables for s in t.owned.statistics]  # kept in their schema
    return [n for n in dict.fromkeys(names) if n != "public"]


def ensure(conn: Conn, deps: Iterable[Dependency]) -> list[Dependency]:
    """Create what is missing; return what was created.  An existing object with another
    definition, or an extension the server does not have, raises DependencyError first."""
    deps = list(deps)
    _check_extensions_available(conn, [d for d in deps if d.kind == "extension"])
    created = []
    for dep in deps:
        if dep.kind == "extension":
            if not _extension_installed(conn, dep.name):
                run(conn, dep.ddl)
                created.append(dep)
            continue
        current = target_fingerprint(conn, dep)
        if current is None:
            run(conn, dep.ddl)
            created.append(dep)
        elif current != dep.fingerprint:
            raise DependencyError(
                f"{dep.display()} exists with a different definition; the archive's is: {dep.ddl}"
            )
    return created


def _check_extensions_available(conn: Conn, extensions: list[Dependency]) -> None:
    if not extensions:
        return
    names = [d.name for d in extensions]
    rows = conn.execute(
        "SELECT name FROM pg_catalog.pg_available_extensions WHERE name = ANY(%s)", (names,)
    ).fetchall()
    missing = sorted(set(names) - {r[0] for r in rows})
    if missing:
        raise DependencyError(
            "the server lacks the extension(s) the table needs: " + ", ".join(missing)
        )


def _extension_installed(conn: Conn, name: str) -> bool:
    return bool(fetch(conn, "dep_extension", name=name))


def target_fingerprint(conn: Conn, dep: Dependency) -> str | None:
    """The fingerprint of the object named like `dep` on this server, or None if missing."""
    with statement_errors():
        if dep.kind == "collation":
            return _collation_fingerprint(conn, dep)
        if dep.kind == "type":
            row = conn.execute("SELECT pg_catalog.to_regtype(%s)::oid", (dep.identity,)).fetchone()
            if not row or row[0] is None:
                return None
            t = fetch(conn, "dep_types", oid=row[0])[0]
            if t["typtype"] not in RECREATABLE_TYPES:
                return "not-recreatable"
            return _type_definition(conn, t, dep.identity)[1]
        row = conn.execute("SELECT pg_catalog.to_regprocedure(%s)::oid", (dep.identity,)).fetchone()
        if not row or row[0] is None:
            return None
        definition = fetch(conn, "dep_function_def", oid=row[0])[0]["def"]
        return _fp("function", _normalize(definition))


def _collation_fingerprint(conn: Conn, dep: Dependency) -> str | None:
    row = conn.execute("SELECT pg_catalog.to_regcollation(%s)::oid", (dep.identity,)).fetchone()
    if not row or row[0] is None:
        return None
    c = fetch(conn, "dep_collation", oid=row[0])[0]
    return _collation_definition(c, dep.identity)[1]


def drop_created(conn: Conn, created: list[Dependency]) -> None:
    """Undo ensure() outside a transaction (the parallel load's failure path)."""
    for dep in reversed(created):
        kind = {
            "extension": "EXTENSION",
            "type": "TYPE",
            "function": "FUNCTION",
            "collation": "COLLATION",
        }[dep.kind]
        target = ident(dep.name) if dep.kind == "extension" else dep.identity
        try:
            conn.execute(f"DROP {kind} IF EXISTS {target}".encode())
        except psycopg.Error:
            continue


def psql_guarded(dep: Dependency) -> str:
    """The statement for the psql script: created only when missing, so a re-run works."""
    if dep.kind == "extension":
        return dep.ddl
    check = {"type": "to_regtype", "collation": "to_regcollation"}.get(dep.kind, "to_regprocedure")
    tag = "$pgsnap_dep$"
    if tag in dep.ddl:
        raise SQLError(f"{dep.display()}: its definition contains {tag}")
    return (
        f"DO {tag}BEGIN IF pg_catalog.{check}({literal(dep.identity)}) IS NULL THEN "
        f"EXECUTE {_dollar(dep.ddl)}; END IF; END{tag}"
    )


def _dollar(text: str) -> str:
    tag = "$pgsnap_ddl$"
    n = 0
    while tag in text:
        n += 1
        tag = f"$pgsnap_ddl{n}$"
    return f"{tag}{text}{tag}"
