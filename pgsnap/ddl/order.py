"""Pure: the order of a whole-database archive, from pg_depend (design §9).

Every object and every table is a node; a pg_depend edge between two catalog rows is an edge
between the nodes they stand for (queries/objects_nodes.sql: a view's rule is the view, a
default its table…).  Nodes come out in a topological order, ties broken by kind as pg_dump
sorts them (schemas, extensions, types, functions, tables, views…) and then by the order
they were read, so the same database always gives the same archive.

An object that needs a table's post-data (a view grouping by a primary key) goes after every
table's rows and post-data, and so does what needs it.  A dependency loop is broken as
pg_dump breaks it: a view in the loop is created first as a stand-in with its columns and no
query, and replaced by its real definition once what it needs exists.  A loop with no view
in it is refused by name.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pgsnap.catalog.values import DependRow, NodeRow, ObjectRow
from pgsnap.errors import UsageError
from pgsnap.model import DbObject, TableSpec

Key = tuple[str, int]  # (catalog, oid)
KIND_RANK = {
    "schema": 1,
    "extension": 2,
    "collation": 3,
    "type": 4,
    "domain": 4,
    "function": 5,
    "procedure": 5,
    "aggregate": 6,
    "language": 6,  # after functions: it needs its handler
    "access method": 7,
    "operator": 7,
    "operator family": 8,
    "operator class": 9,
    "cast": 10,
    "transform": 10,
    "conversion": 10,
    "text search parser": 11,
    "text search template": 11,
    "text search dictionary": 12,
    "text search configuration": 13,
    "sequence": 14,
    "foreign data wrapper": 14,
    "server": 14,
    "user mapping": 14,
    "table": 15,
    "foreign table": 15,
    "view": 16,
    "materialized view": 17,
    "large object": 18,
    "publication": 20,
    "default privileges": 28,  # after every object, or they would change the objects' ACLs
    "event trigger": 29,  # last: they must not fire while the restore runs its DDL
}
# kinds always created after every table's rows and post-data, as pg_dump's post-data
POST_KINDS = ("publication", "default privileges", "event trigger")
LAST_RANK = 30
MAX_HOPS = 8  # index -> partition -> root: chains are short


@dataclass(frozen=True, slots=True)
class Facts:
    """What catalog/objects.py read: the objects, and the ordering facts."""

    objects: tuple[ObjectRow, ...] = ()
    nodes: tuple[NodeRow, ...] = ()
    depends: tuple[DependRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Ordered:
    objects: tuple[DbObject, ...]
    tables: tuple[TableSpec, ...]


@dataclass
class _Graph:
    keys: list[Key]  # node index -> key
    rank: list[tuple[int, int]]
    needs: list[set[int]] = field(default_factory=list)
    post: set[int] = field(default_factory=set)
    after_rows: dict[int, set[int]] = field(default_factory=dict)  # what post-data needs


def order(
    facts: Facts,
    tables: Sequence[tuple[int, TableSpec]],
    *,
    late_checks: frozenset[int] = frozenset(),
) -> Ordered:
    """The archive's objects and tables (given with their pg_class oids, parents first), in
    creation order; the CHECKs of `late_checks` (loop_checks) come after the rows."""
    rows = list(facts.objects)
    keys = [("pg_class", oid) for oid, _ in tables] + [(r.cls, r.oid) for r in rows]
    kinds = ["table"] * len(tables) + [r.kind for r in rows]
    rank = [(KIND_RANK.get(k, LAST_RANK), i) for i, k in enumerate(kinds)]
    graph = _Graph(keys, rank, [set() for _ in keys])
    post_kinds = {i for i, k in enumerate(kinds) if k in POST_KINDS}
    _add_edges(graph, facts, post_kinds, late_checks)
    pre = [i for i in range(len(keys)) if i not in graph.post]
    shells = {len(tables) + i for i, r in enumerate(rows) if r.shell is not None}
    sequence = _sorted(graph, pre, shells, rows, len(tables))
    sequence += [(i, False) for i, _ in _sorted(graph, sorted(graph.post), set(), rows, 0)]
    return _assemble(sequence, graph, rows, tables)


def _parents(facts: Facts) -> dict[Key, tuple[Key, bool]]:
    return {(n.cls, n.oid): ((n.node_cls, n.node_oid), n.post) for n in facts.nodes}


def _edges(facts: Facts) -> Iterator[tuple[DependRow, Key, bool, Key, bool]]:
    """Each pg_depend row with the nodes its two sides stand for, and whether each side is
    a table's post-data part."""
    parent = _parents(facts)
    for d in facts.depends:
        a, a_post = _resolve((d.cls, d.oid), parent)
        b, b_post = _resolve((d.ref_cls, d.ref_oid), parent)
        yield d, a, a_post, b, b_post


def _add_edges(g: _Graph, facts: Facts, post_parts: set[int], late: frozenset[int]) -> None:
    """The edges between nodes; `post_parts` (post-data kinds) and what needs a table's
    post-data go after it, with what needs them; a CHECK of `late` is post-data."""
    index = {k: i for i, k in enumerate(g.keys)}
    for d, a, a_post, b, b_post in _edges(facts):
        if d.cls == "pg_constraint" and d.oid in late:
            continue  # added with its table's post-data
        ia, ib = index.get(a), index.get(b)
        if ia is None or ib is None or ia == ib:
            continue
        if a_post:  # a table's post-data runs after every pre-data object anyway, but a load
            g.after_rows.setdefault(ia, set()).add(ib)  # of that table needs it (an opclass)
            continue
        g.needs[ia].add(ib)
        if b_post and g.rank[ia][0] != KIND_RANK["table"]:
            post_parts.add(ia)  # it needs a key or an index: after the post-data
    _spread_post(g, post_parts)


def loop_checks(facts: Facts, table_oids: Sequence[int]) -> frozenset[int]:
    """The CHECK constraints (oids) of the tables that call a function which needs the table
    back (a SQL-standard body that reads it): pg_dump adds such a CHECK apart, after the
    function; pgsnap adds it after the rows."""
    tables = {("pg_class", oid) for oid in table_oids}
    needs: dict[Key, set[Key]] = {}
    checks: list[tuple[int, Key, Key]] = []
    for d, a, a_post, b, _ in _edges(facts):
        if a == b or a_post:
            continue
        needs.setdefault(a, set()).add(b)
        if d.cls == "pg_constraint" and a in tables and b not in tables:
            checks.append((d.oid, a, b))
    return frozenset(c for c, table, start in checks if _reaches(needs, start, table))


def _reaches(needs: dict[Key, set[Key]], start: Key, goal: Key) -> bool:
    seen, pending = {start}, [start]
    while pending:
        for n in needs.get(pending.pop(), ()):
            if n == goal:
                return True
            if n not in seen:
                seen.add(n)
                pending.append(n)
    return False


def _resolve(key: Key, parent: dict[Key, tuple[Key, bool]]) -> tuple[Key, bool]:
    post = False
    for _ in range(MAX_HOPS):
        step = parent.get(key)
        if step is None or step[0] == key:
            break
        key, post = step[0], post or step[1]
    return key, post


def _spread_post(g: _Graph, start: set[int]) -> None:
    """What needs a post-data object is post-data too."""
    g.post = set(start)
    changed = True
    while changed:
        changed = False
        for i, needs in enumerate(g.needs):
            if i not in g.post and needs & g.post:
                g.post.add(i)
                changed = True


def _sorted(
    g: _Graph, members: list[int], shells: set[int], rows: list[ObjectRow], offset: int
) -> list[tuple[int, bool]]:
    """Kahn's algorithm over `members`: (node, as a shell) in creation order."""
    chosen = set(members)
    waiting = {i: {n for n in g.needs[i] if n in chosen} for i in members}
    users: dict[int, list[int]] = {i: [] for i in members}
    for i, needs in waiting.items():
        for n in needs:
            users[n].append(i)
    ready = [g.rank[i] for i in members if not waiting[i]]
    heapq.heapify(ready)
    out: list[tuple[int, bool]] = []
    released: set[int] = set()
    while waiting:
        if not ready:
            node = _loop_breaker(g, waiting, shells, released, rows, offset)
            out.append((node, True))
            released.add(node)
            _release(node, users, waiting, ready, g, shell=True)
            continue
        node = heapq.heappop(ready)[1]
        out.append((node, False))
        del waiting[node]
        _release(node, users, waiting, ready, g)  # (what its shell did not release)
    return out


def _release(
    node: int,
    users: dict[int, list[int]],
    waiting: dict[int, set[int]],
    ready: list[tuple[int, int]],
    g: _Graph,
    *,
    shell: bool = False,
) -> None:
    """What waited only for `node` is ready.  A base type's shell stands in for it only in
    functions (its I/O functions take and return it); a view's stand-in has its columns."""
    only_functions = shell and g.rank[node][0] == KIND_RANK["type"]
    for user in users[node]:
        needs = waiting.get(user)
        if needs is None or node not in needs:
            continue
        if only_functions and g.rank[user][0] != KIND_RANK["function"]:
            continue
        needs.discard(node)
        if not needs:
            heapq.heappush(ready, g.rank[user])


def _loop_breaker(
    g: _Graph,
    waiting: dict[int, set[int]],
    shells: set[int],
    released: set[int],
    rows: list[ObjectRow],
    offset: int,
) -> int:
    stuck = sorted(waiting, key=lambda i: g.rank[i])
    for node in stuck:
        if node in shells and node not in released:
            return node
    names = [_name(g, rows, i, offset) for i in stuck[:5]]
    raise UsageError(
        "cannot order the database's objects: a dependency loop among " + ", ".join(names)
    )


def _name(g: _Graph, rows: list[ObjectRow], node: int, offset: int) -> str:
    if node < offset or node - offset >= len(rows):
        return f"table with oid {g.keys[node][1]}"
    return f"{rows[node - offset].kind} {rows[node - offset].identity}"


def _assemble(
    sequence: list[tuple[int, bool]],
    g: _Graph,
    rows: list[ObjectRow],
    tables: Sequence[tuple[int, TableSpec]],
) -> Ordered:
    n_tables = len(tables)
    table_at: dict[int, int] = {}
    object_at: dict[int, int] = {}
    entries: list[tuple[int, bool, int]] = []  # node, shell, tables before it
    for node, shell in sequence:
        if node < n_tables:
            table_at[node] = len(table_at)
            continue
        if not shell:
            object_at[node] = len(entries)
        entries.append((node, shell, len(table_at)))
    users: dict[int, set[int]] = {}
    for t in range(n_tables):
        for n in g.needs[t] | g.after_rows.get(t, set()):
            users.setdefault(n, set()).add(table_at[t])
    shelled = {node for node, shell in sequence if shell}
    objects = []
    for node, shell, before in entries:
        row = rows[node - n_tables]
        needs = tuple(sorted({object_at[n] for n in g.needs[node] if n in object_at}))
        used_by = tuple(sorted(users.get(node, ())))
        post = node in g.post
        objects.append(_entry(row, shell, node in shelled, before, needs, used_by, post))
    specs = tuple(tables[i][1] for i in sorted(table_at, key=table_at.__getitem__))
    return Ordered(tuple(objects), specs)


def _entry(
    row: ObjectRow,
    shell: bool,
    replaces: bool,
    before: int,
    needs: tuple[int, ...],
    users: tuple[int, ...],
    post: bool,
) -> DbObject:
    if shell:
        assert row.shell is not None
        return DbObject(row.kind, row.schema, row.name, row.identity, row.shell, (), "pre", before)
    ddl = row.ddl
    if replaces and ddl and ddl[0].startswith("CREATE VIEW "):
        ddl = ("CREATE OR REPLACE VIEW " + ddl[0][len("CREATE VIEW ") :], *ddl[1:])
    section = "post" if post else "pre"
    return DbObject(
        row.kind, row.schema, row.name, row.identity, ddl, row.post, section, before, needs, users
    )


def pre_data(tables: Sequence[TableSpec], objects: Sequence[DbObject]) -> list[str]:
    """Every pre-data statement in archive order: each table's after the objects it needs."""
    return interleaved(objects, dict(enumerate(tables)), len(tables))


def interleaved(
    objects: Sequence[DbObject], tables: Mapping[int, TableSpec], n_tables: int
) -> list[str]:
    """The objects' pre-data among the pre-data of `tables` (archive index: spec, some or
    all of the archive's `n_tables`), in archive order."""
    before: dict[int, list[DbObject]] = {}
    for o in objects:
        if o.section == "pre":
            before.setdefault(min(o.after_tables, n_tables), []).append(o)
    out: list[str] = []
    for i in range(n_tables + 1):
        out += [s for o in before.get(i, ()) for s in o.ddl]
        if i in tables:
            out += tables[i].pre_data
    return out


REFRESH = "REFRESH MATERIALIZED VIEW "


def objects_post(objects: Sequence[DbObject], *, with_data: bool = True) -> list[str]:
    """What runs after every table's post-data: the post-data objects, and each object's
    own after-data statements (without a materialized view's REFRESH when there is no data)."""
    out: list[str] = []
    for o in objects:
        stmts = (*o.ddl, *o.post) if o.section == "post" else o.post
        out += [s for s in stmts if with_data or not s.startswith(REFRESH)]
    return out


def without_excluded(facts: Facts, excluded: frozenset[int]) -> tuple[Facts, tuple[str, ...]]:
    """The facts without the objects that need a table left out of the dump (`-T`: its
    views, the functions that return its rows…), and those objects' names: an archive must
    not hold what its load cannot create."""
    if not excluded:
        return facts, ()
    bad = {("pg_class", oid) for oid in excluded}
    needs: dict[Key, set[Key]] = {}
    for _, a, _, b, _ in _edges(facts):
        if a != b:
            needs.setdefault(a, set()).add(b)
    changed = True
    while changed:
        changed = False
        for a, wanted in needs.items():
            if a not in bad and wanted & bad:
                bad.add(a)
                changed = True
    kept = tuple(r for r in facts.objects if (r.cls, r.oid) not in bad)
    left = tuple(f"{r.kind} {r.identity}" for r in facts.objects if (r.cls, r.oid) in bad)
    return replace(facts, objects=kept), left
