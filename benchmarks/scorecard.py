"""The suite's verdicts: every figure issue 13 names, its target, and whether it is met.

Pure: it reads the JSON-line records of a run (dicts, as `run.py`'s `_Bench` writes them,
with the suite's `server`, `group` and `size` keys) and a Plan, and returns rows and markdown.
No database and no third-party import: tests/test_bench_suite.py runs it on given records.

A speedup is the reference's median wall time divided by pgsnap's: above 1 is faster (the
issue's "1.4x faster").  The scaling fit is least squares of seconds against rows.
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Record = Mapping[str, Any]
MB = 1_000_000

# the groups of cases (a record's "group") and the case keys the verdicts read
PAPERS, TOAST, MEMORY, MANY, STATS = "papers", "toast", "memory", "many", "stats"
LOAD_J1, LOAD_J2, LOAD_J4 = "pgsnap_load_j1", "pgsnap_load_j2", "pgsnap_load_j4"
DUMP_J2, DUMP_J4 = "pgsnap_zstd_j2", "pgsnap_zstd_j4"
PG_RESTORE, ZCAT_PSQL = "pg_restore_j2", "zcat_psql"
PG_DUMP_FC, PG_DUMP_FC_Z1, PG_DUMP_GZIP = "pg_dump_fc", "pg_dump_fc_z1", "pg_dump_gzip1"
TOAST_J1, TOAST_J2 = "toast_dump_j1", "toast_dump_j2"
MANY_DUMP, MANY_PG_DUMP = "pgsnap_dump_all", "pg_dump_fc_all"
MANY_LOAD, MANY_PG_RESTORE = "pgsnap_load_all", "pg_restore_all"
STATS_LOAD, STATS_ANALYZE = "load_statistics", "load_analyze"

# the targets (issue 13, points 2-5)
RESTORE_SPEEDUP = 1.4  # load -j 2 against pg_restore -j 2, at 1M and 7M rows
PSQL_SPEEDUP = 1.0  # load against zcat | psql on the 300k demo table: never slower
TOAST_SPEEDUP = 1.6  # TOAST-heavy dump: -j 2 against -j 1
DUMP_J2_LIMIT_MB, DUMP_J4_LIMIT_MB, LOAD_J4_LIMIT_MB = 150, 250, 250
MANY_SPEEDUP = 1.0  # 2,000 tables: no longer than pg_dump -Fc / pg_restore
DUMP_FC_Z1_SPEEDUP = 1.0  # notes/baseline.md: dump -j 2 below pg_dump -Fc -Z1
LINEAR_R2 = 0.98  # a cost that grows linearly in rows fits a line at least this well

# (label, case key) of the scaling series: time against rows, per tool
SCALING_TOOLS = (
    ("pgsnap dump -j 2", DUMP_J2),
    ("pgsnap load -j 2", LOAD_J2),
    ("pg_dump -Fc", PG_DUMP_FC),
    ("pg_dump | gzip -1", PG_DUMP_GZIP),
    ("pg_restore -j 2", PG_RESTORE),
    ("zcat | psql", ZCAT_PSQL),
)
MET, NOT_MET, INFO = "met", "not met", "info"


@dataclass(frozen=True, slots=True)
class Plan:
    """The sizes of one mode of the suite."""

    mode: str  # "quick" | "full"
    papers_sizes: tuple[int, ...]  # rows of papers, built incrementally, smallest first
    restore_sizes: tuple[int, ...]  # where load -j 2 vs pg_restore -j 2 is judged
    demo_rows: int  # the demo table: load vs zcat | psql
    toast_mb: int  # size of the TOAST-heavy table
    many_tables: int  # the many-objects database
    many_small: int  # a smaller one: the catalog query count must not grow from it to the other
    full_case_sizes: tuple[int, ...] = ()  # sizes that run every case of run.py

    @property
    def largest(self) -> int:
        return max(self.papers_sizes)


QUICK = Plan("quick", (100_000, 300_000), (100_000, 300_000), 300_000, 100, 200, 20)
FULL = Plan(
    "full",
    (100_000, 300_000, 1_000_000, 3_000_000, 7_000_000),
    (1_000_000, 7_000_000),
    300_000,
    2_000,
    2_000,
    20,
    full_case_sizes=(1_000_000, 7_000_000),
)
PLANS = {p.mode: p for p in (QUICK, FULL)}

COPY_RE = re.compile(r"^\s*copy\s", re.IGNORECASE)
# a catalog read names a pg_* relation (pg_class, pg_catalog.pg_index…); a pg_* name followed
# by "(" is a function call (setval, set_config, pg_get_serial_sequence…), which DDL and
# session setup send per object or per connection
CATALOG_RE = re.compile(r"\bpg_(?!catalog\b)\w+\b(?!\s*\()", re.IGNORECASE)
# only queries read the catalog: DDL may name a role such as pg_database_owner
# (after the leading comments that pg_stat_statements keeps before PostgreSQL 16 or so)
QUERY_RE = re.compile(r"^(\s*(--[^\n]*\n|/\*.*?\*/))*\s*(select|with)\b", re.IGNORECASE | re.DOTALL)
# the load's index-build watcher polls this view by the clock while builds run (every
# restore/watch.WATCH_INTERVAL_S), so its count follows the time the builds take, not the tables
PROGRESS_RE = re.compile(r"\bpg_stat_progress_\w+", re.IGNORECASE)
TOP_STATEMENTS = 5  # the most-called statements each many-objects case keeps, for diagnosis
TOP_CHARS = 120


def with_sizes(plan: Plan, sizes: Sequence[int]) -> Plan:
    """plan with other papers sizes: restores judged at its restore sizes among them (else at
    the largest), all of run.py's cases at its full-case sizes among them."""
    ordered = tuple(sorted(set(sizes)))
    restore = tuple(s for s in ordered if s in plan.restore_sizes) or (ordered[-1],)
    full = tuple(s for s in ordered if s in plan.full_case_sizes)
    return dataclasses.replace(
        plan, papers_sizes=ordered, restore_sizes=restore, full_case_sizes=full
    )


def statement_counts(calls: Iterable[tuple[str, int]]) -> dict[str, Any]:
    """From (statement text, calls) as pg_stat_statements gives them for one database: the
    statements but COPY, those of them that read the catalog, and the most called."""
    kept = [(q, c) for q, c in calls if not COPY_RE.match(q)]
    top = sorted(kept, key=lambda qc: -qc[1])[:TOP_STATEMENTS]
    polls = [c for q, c in kept if PROGRESS_RE.search(q)]
    reads = [
        c
        for q, c in kept
        if QUERY_RE.match(q) and CATALOG_RE.search(q) and not PROGRESS_RE.search(q)
    ]
    return {
        "statements": sum(c for _, c in kept),
        "catalog_statements": sum(reads),
        "progress_polls": sum(polls),
        "top_statements": [[c, " ".join(q.split())[:TOP_CHARS]] for q, c in top],
    }


@dataclass(frozen=True, slots=True)
class Verdict:
    what: str
    value: str
    target: str
    status: str  # MET, NOT_MET, INFO, "not measured…" or "skipped: why"


@dataclass(frozen=True, slots=True)
class Fit:
    """seconds = intercept_s + slope_s_per_row * rows, least squares over n points."""

    slope_s_per_row: float
    intercept_s: float
    r2: float
    n: int


class Figures:
    """The records of one server, looked up by (group, size, case)."""

    def __init__(self, records: Iterable[Record], server: str) -> None:
        self.records = [r for r in records if r.get("server") == server and "group" in r]

    def _runs(self, group: str, size: int, case: str) -> list[Record]:
        return [
            r
            for r in self.records
            if r["group"] == group and r.get("size") == size and r.get("case") == case
        ]

    def ok(self, group: str, size: int, case: str) -> list[Record]:
        return [r for r in self._runs(group, size, case) if r.get("ok") and not r.get("skipped")]

    def skipped(self, group: str, size: int, case: str) -> str | None:
        return next(
            (str(r["skipped"]) for r in self._runs(group, size, case) if "skipped" in r), None
        )

    def wall(self, group: str, size: int, case: str) -> float | None:
        runs = self.ok(group, size, case)
        return statistics.median(float(r["wall_s"]) for r in runs) if runs else None

    def peak(self, group: str, size: int, case: str, field: str) -> int | None:
        values = [int(r[field]) for r in self.ok(group, size, case) if r.get(field) is not None]
        return max(values) if values else None

    def count(self, group: str, size: int, case: str, field: str) -> int | None:
        """A count that does not vary between repetitions (the last run's)."""
        values = [int(r[field]) for r in self.ok(group, size, case) if r.get(field) is not None]
        return values[-1] if values else None


def verdicts(plan: Plan, records: Iterable[Record], server: str) -> list[Verdict]:
    """Every figure of issue 13 for one server of one run, in the issue's order."""
    f = Figures(records, server)
    out = [_restore_vs_pg_restore(f, plan, size) for size in plan.restore_sizes]
    out.append(_speedup(f, (PAPERS, plan.demo_rows), LOAD_J1, ZCAT_PSQL, PSQL_SPEEDUP, _demo(plan)))
    what = f"`pgsnap dump -j 2` vs `pg_dump -Fc -Z1`, papers {_rows(plan.largest)}"
    out.append(
        _speedup(f, (PAPERS, plan.largest), DUMP_J2, PG_DUMP_FC_Z1, DUMP_FC_Z1_SPEEDUP, what)
    )
    what = f"TOAST-heavy table ({plan.toast_mb:,} MB): `dump -j 2` vs `dump -j 1`"
    out.append(_speedup(f, (TOAST, plan.toast_mb), TOAST_J2, TOAST_J1, TOAST_SPEEDUP, what))
    out += _memory(f, plan)
    out += _many(f, plan)
    out.append(_statistics(f, plan))
    out += _linearity(f, plan)
    return out


def _restore_vs_pg_restore(f: Figures, plan: Plan, size: int) -> Verdict:
    what = f"`pgsnap load -j 2` vs `pg_restore -j 2`, papers {_rows(size)}"
    if plan.mode == "quick":
        what += " (quick: stands in for 1M / 7M)"
    return _speedup(f, (PAPERS, size), LOAD_J2, PG_RESTORE, RESTORE_SPEEDUP, what)


def _demo(plan: Plan) -> str:
    return f"`pgsnap load` (-j 1) vs `zcat | psql`, demo table {_rows(plan.demo_rows)}"


def _speedup(
    f: Figures, where: tuple[str, int], ours: str, ref: str, minimum: float, what: str
) -> Verdict:
    """ref's median wall / ours's; met when at least `minimum`."""
    target = f"≥ {minimum:.2f}x"
    missing = _missing(f, where, (ours, ref))
    if missing:
        return Verdict(what, "—", target, missing)
    mine, theirs = f.wall(*where, ours), f.wall(*where, ref)
    assert mine is not None and theirs is not None
    speedup = theirs / mine
    value = f"{speedup:.2f}x ({mine:.2f} s vs {theirs:.2f} s)"
    return Verdict(what, value, target, MET if speedup >= minimum else NOT_MET)


def _missing(f: Figures, where: tuple[str, int], keys: Sequence[str]) -> str | None:
    """Why a verdict has no figure: a case skipped, or with no successful run."""
    for key in keys:
        why = f.skipped(*where, key)
        if why is not None:
            return f"skipped: {why}"
    absent = [k for k in keys if not f.ok(*where, k)]
    return f"not measured ({', '.join(absent)}: no successful run)" if absent else None


def _memory(f: Figures, plan: Plan) -> list[Verdict]:
    papers = f"papers {_rows(plan.largest)}"
    cases = (
        (DUMP_J2, "`pgsnap dump -j 2`", DUMP_J2_LIMIT_MB, (MEMORY, plan.largest), papers),
        (DUMP_J4, "`pgsnap dump -j 4`", DUMP_J4_LIMIT_MB, (MEMORY, plan.largest), papers),
        (LOAD_J4, "`pgsnap load -j 4`", LOAD_J4_LIMIT_MB, (MEMORY, plan.largest), papers),
        # "at any table size": the TOAST table's rows are the largest
        (TOAST_J2, "`pgsnap dump -j 2`", DUMP_J2_LIMIT_MB, (TOAST, plan.toast_mb), "TOAST table"),
    )
    out = []
    for key, title, limit, where, table in cases:
        what = f"{title}: peak RSS of the process tree (PSS), {table}"
        missing = _missing(f, where, (key,))
        if missing:
            out.append(Verdict(what, "—", f"< {limit} MB", missing))
            continue
        rss = f.peak(*where, key, "peak_rss_bytes")
        pss = f.peak(*where, key, "peak_pss_bytes")
        assert rss is not None
        value = f"{rss / MB:.1f} MB (PSS {_mb(pss)})"
        out.append(Verdict(what, value, f"< {limit} MB", MET if rss < limit * MB else NOT_MET))
    return out


def _many(f: Figures, plan: Plan) -> list[Verdict]:
    n = plan.many_tables
    out = [
        _speedup(
            f,
            (MANY, n),
            MANY_DUMP,
            MANY_PG_DUMP,
            MANY_SPEEDUP,
            f"{n:,} tables: `dump --all` vs `pg_dump -Fc`",
        ),
        _speedup(
            f,
            (MANY, n),
            MANY_LOAD,
            MANY_PG_RESTORE,
            MANY_SPEEDUP,
            f"{n:,} tables: `load` vs `pg_restore`",
        ),
    ]
    for key, title in ((MANY_DUMP, "dump --all"), (MANY_LOAD, "load")):
        out.append(_fixed_count(f, plan, key, title))
    return out


def _fixed_count(f: Figures, plan: Plan, key: str, title: str) -> Verdict:
    """The catalog queries of `key` must be as many at many_tables as at many_small."""
    big, small = plan.many_tables, plan.many_small
    what = f"`{title}`: catalog queries (statements reading a pg_* relation), "
    what += f"{small} vs {big:,} tables"
    target = f"as many at {big:,} as at {small}"
    at_big = f.count(MANY, big, key, "catalog_statements")
    at_small = f.count(MANY, small, key, "catalog_statements")
    if at_big is None or at_small is None:
        return Verdict(what, "—", target, _missing(f, (MANY, big), (key,)) or "not measured")
    total = f.count(MANY, big, key, "statements")
    polls = f.count(MANY, big, key, "progress_polls") or 0
    value = f"{at_small} → {at_big} (all non-COPY statements at {big:,}: {total}"
    value += f"; progress polls by the clock: {polls})" if polls else ")"
    return Verdict(what, value, target, MET if at_big <= at_small else NOT_MET)


def _statistics(f: Figures, plan: Plan) -> Verdict:
    what = f"load with the archive's statistics vs `load --analyze`, papers {_rows(plan.largest)}"
    where = (STATS, plan.largest)
    missing = _missing(f, where, (STATS_LOAD, STATS_ANALYZE))
    if missing:
        return Verdict(what, "—", "—", missing)
    mine, theirs = f.wall(*where, STATS_LOAD), f.wall(*where, STATS_ANALYZE)
    assert mine is not None and theirs is not None
    return Verdict(what, f"{theirs / mine:.2f}x ({mine:.2f} s vs {theirs:.2f} s)", "—", INFO)


def _linearity(f: Figures, plan: Plan) -> list[Verdict]:
    out = []
    for label, points in scaling_series(f, plan.papers_sizes).items():
        what = f"{label}: linear fit of seconds against rows, R²"
        target = f"R² ≥ {LINEAR_R2}"
        if len(points) < 3:
            why = f"not measured: {len(points)} size(s); a line through 2 points fits exactly"
            out.append(Verdict(what, "—", target, why))
            continue
        fit = linear_fit(points)
        value = f"{fit.r2:.4f} ({fit.slope_s_per_row * 1e6:.2f} s per 1M rows, {fit.n} sizes)"
        out.append(Verdict(what, value, target, MET if fit.r2 >= LINEAR_R2 else NOT_MET))
    return out


def scaling_series(f: Figures, sizes: Sequence[int]) -> dict[str, list[tuple[int, float]]]:
    """(rows, median wall seconds) per tool, for the sizes where it ran; what the plot draws."""
    series: dict[str, list[tuple[int, float]]] = {}
    for label, key in SCALING_TOOLS:
        points = [(size, f.wall(PAPERS, size, key)) for size in sizes]
        series[label] = [(size, wall) for size, wall in points if wall is not None]
    return series


def linear_fit(points: Sequence[tuple[float, float]]) -> Fit:
    """Least-squares line through (x, y) points and its R² (1 when y does not vary)."""
    if len(points) < 2:
        raise ValueError("a line needs at least 2 points")
    xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a line needs at least 2 different x values")
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - my) ** 2 for y in ys)
    r2 = 1.0 if ss_tot == 0 else 1.0 - ss_res / ss_tot
    return Fit(slope, intercept, r2, len(points))


def verdict_table(rows: Sequence[Verdict]) -> list[str]:
    lines = ["| figure | measured | target | verdict |", "|---|---:|---:|---|"]
    for v in rows:
        status = f"**{v.status}**" if v.status in (MET, NOT_MET) else v.status
        lines.append(
            f"| {_cell(v.what)} | {_cell(v.value)} | {_cell(v.target)} | {_cell(status)} |"
        )
    return lines


def scaling_table(
    series: Mapping[str, Sequence[tuple[int, float]]], sizes: Sequence[int]
) -> list[str]:
    """Seconds per tool and size, then the fit (slope, intercept, R²) where 2+ sizes ran."""
    head = ["tool", *(_rows(s) for s in sizes), "s per 1M rows", "intercept s", "R²"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for label, points in series.items():
        by_size = dict(points)
        cells = [f"{by_size[s]:.2f}" if s in by_size else "—" for s in sizes]
        fit = _fit_cells(points)
        lines.append("| " + " | ".join([_cell(label), *cells, *fit]) + " |")
    return lines


def _fit_cells(points: Sequence[tuple[int, float]]) -> list[str]:
    if len({x for x, _ in points}) < 2:
        return ["—", "—", "—"]
    fit = linear_fit(points)
    r2 = f"{fit.r2:.4f}" if fit.n >= 3 else "1 (2 points)"
    return [f"{fit.slope_s_per_row * 1e6:.2f}", f"{fit.intercept_s:.2f}", r2]


def summary(rows: Sequence[Verdict]) -> str:
    judged = [v for v in rows if v.status in (MET, NOT_MET)]
    met = sum(1 for v in judged if v.status == MET)
    return (
        f"{met} of {len(judged)} targets met; {len(rows) - len(judged)} figures without a verdict."
    )


def _rows(n: int) -> str:
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g}M"
    return f"{n / 1000:g}k" if n >= 1000 and n % 1000 == 0 else f"{n:,}"


def _mb(n: int | None) -> str:
    return "—" if n is None else f"{n / MB:.1f} MB"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
