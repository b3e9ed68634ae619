"""Pure: the DDL and fingerprints of the things a table needs, and their psql-script form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from pgsnap.errors import SQLError
from pgsnap.model import Dependency
from pgsnap.naming import literal

COLLATION_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def collation_definition(c: dict[str, Any], name: str) -> tuple[str, str]:
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
    fingerprint = fingerprint_of(
        "collation", [provider, bool(c["collisdeterministic"]), [list(x) for x in locales]]
    )
    return f"CREATE COLLATION {name} ({', '.join(options)})", fingerprint


def fingerprint_of(kind: str, value: Any) -> str:
    return json.dumps([kind, value], sort_keys=True, separators=(",", ":"))


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def archive_schemas(tables: Iterable[Any], deps: Iterable[Dependency]) -> list[str]:
    """The schemas an archive's objects live in, without public (always there)."""
    tables = list(tables)
    names = [t.schema for t in tables] + [d.schema for d in deps]
    names += [s.schema for t in tables for s in t.owned.statistics]  # kept in their schema
    return [n for n in dict.fromkeys(names) if n != "public"]


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
