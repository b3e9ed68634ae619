"""The benchmark suite's pure parts: verdicts, the scaling series and fit, the tables.

benchmarks/scorecard.py reads the JSON-line records of a run; here it reads records made up
for each case, so every verdict is checked on both sides of its target.  No server and no
matplotlib: the plot draws scorecard.scaling_series and linear_fit, which are checked here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
# benchmarks/ is not a package: its scripts import each other by module name
import scorecard

SERVER = "pg18"
QUICK = scorecard.QUICK


def rec(group: str, size: int, case: str) -> dict[str, Any]:
    """One successful measurement, as suite.py writes it."""
    return {"server": SERVER, "group": group, "size": size, "case": case, "ok": True}


def run_of(group: str, size: int, case: str, wall: float, **extra: Any) -> dict[str, Any]:
    return {**rec(group, size, case), "wall_s": wall, **extra}


def by_what(rows: list[scorecard.Verdict], start: str) -> list[scorecard.Verdict]:
    found = [v for v in rows if v.what.startswith(start)]
    assert found, f"no verdict starting with {start!r} in {[v.what for v in rows]}"
    return found


def restore_records(ours: float, theirs: float) -> list[dict[str, Any]]:
    return [
        run_of(scorecard.PAPERS, size, key, wall)
        for size in QUICK.restore_sizes
        for key, wall in ((scorecard.LOAD_J2, ours), (scorecard.PG_RESTORE, theirs))
    ]


@pytest.mark.parametrize(("ours", "theirs"), [(2.0, 3.0), (2.0, 2.6)])
def test_restore_speedup_is_judged_against_its_target(ours: float, theirs: float) -> None:
    rows = scorecard.verdicts(QUICK, restore_records(ours, theirs), SERVER)
    judged = by_what(rows, "`pgsnap load -j 2` vs `pg_restore -j 2`")
    assert len(judged) == len(QUICK.restore_sizes)
    expected = scorecard.MET if theirs / ours >= scorecard.RESTORE_SPEEDUP else scorecard.NOT_MET
    assert {v.status for v in judged} == {expected}
    assert all(f"{theirs / ours:.2f}x" in v.value for v in judged)


def test_median_of_repetitions_and_failed_runs_left_out() -> None:
    size = QUICK.demo_rows
    records = [run_of(scorecard.PAPERS, size, scorecard.ZCAT_PSQL, w) for w in (4.0, 9.0, 5.0)]
    records += [run_of(scorecard.PAPERS, size, scorecard.LOAD_J1, w) for w in (4.5, 4.9)]
    failed = run_of(scorecard.PAPERS, size, scorecard.LOAD_J1, 0.1)
    records.append({**failed, "ok": False})
    (demo,) = by_what(scorecard.verdicts(QUICK, records, SERVER), "`pgsnap load` (-j 1)")
    # zcat median 5.0, pgsnap median of the successful runs 4.7
    assert demo.value.startswith(f"{5.0 / 4.7:.2f}x")
    assert demo.status == scorecard.MET


def test_other_servers_records_are_not_mixed_in() -> None:
    records = restore_records(2.0, 4.0)
    records += [{**r, "server": "pg15", "wall_s": 100.0} for r in restore_records(2.0, 4.0)]
    judged = by_what(scorecard.verdicts(QUICK, records, SERVER), "`pgsnap load -j 2`")
    assert all(v.value.startswith("2.00x") for v in judged)


def test_skipped_and_missing_cases_have_no_verdict() -> None:
    size = QUICK.largest
    records = [
        {**rec(scorecard.STATS, size, key), "skipped": "no --analyze here"}
        for key in (scorecard.STATS_LOAD, scorecard.STATS_ANALYZE)
    ]
    rows = scorecard.verdicts(QUICK, records, SERVER)
    (stats,) = by_what(rows, "load with the archive's statistics")
    assert stats.status == "skipped: no --analyze here"
    (toast,) = by_what(rows, "TOAST-heavy")
    assert toast.status.startswith("not measured")
    assert scorecard.summary(rows).startswith("0 of 0 targets met")


@pytest.mark.parametrize("mb", [120, 160, 260])
def test_memory_limits_judge_rss_and_show_pss(mb: int) -> None:
    size = QUICK.largest
    keys = (scorecard.DUMP_J2, scorecard.DUMP_J4, scorecard.LOAD_J4)
    peaks = {"peak_rss_bytes": mb * 10**6, "peak_pss_bytes": 10**7}
    records = [run_of(scorecard.MEMORY, size, key, 1.0, **peaks) for key in keys]
    records.append(run_of(scorecard.TOAST, QUICK.toast_mb, scorecard.TOAST_J2, 1.0, **peaks))
    rows = scorecard.verdicts(QUICK, records, SERVER)
    # dump -j 2, dump -j 4, load -j 4 of papers, then the TOAST table's dump -j 2
    limits = (
        scorecard.DUMP_J2_LIMIT_MB,
        scorecard.DUMP_J4_LIMIT_MB,
        scorecard.LOAD_J4_LIMIT_MB,
        scorecard.DUMP_J2_LIMIT_MB,
    )
    memory = [v for v in rows if "peak RSS" in v.what]
    for verdict, limit in zip(memory, limits, strict=True):
        assert verdict.status == (scorecard.MET if mb < limit else scorecard.NOT_MET)
        assert "PSS 10.0 MB" in verdict.value


@pytest.mark.parametrize(("small", "big"), [(60, 60), (60, 600)])
def test_catalog_query_count_must_not_grow_with_tables(small: int, big: int) -> None:
    records = [
        run_of(scorecard.MANY, n, scorecard.MANY_DUMP, 1.0, catalog_statements=c, statements=c)
        for n, c in ((QUICK.many_small, small), (QUICK.many_tables, big))
    ]
    (count,) = by_what(scorecard.verdicts(QUICK, records, SERVER), "`dump --all`: catalog")
    assert count.status == (scorecard.MET if big <= small else scorecard.NOT_MET)
    assert f"{small} → {big}" in count.value


def test_linear_fit_recovers_a_line_and_scores_a_curve_lower() -> None:
    line = [(x, 0.5 + 2e-6 * x) for x in (100_000, 300_000, 1_000_000, 3_000_000)]
    fit = scorecard.linear_fit(line)
    assert fit.slope_s_per_row == pytest.approx(2e-6)
    assert fit.intercept_s == pytest.approx(0.5)
    assert fit.r2 == pytest.approx(1.0)
    # (1,1) (2,3) (3,2): correlation 0.5, so R² = 0.25
    assert scorecard.linear_fit([(1, 1), (2, 3), (3, 2)]).r2 == pytest.approx(0.25)
    curve = [(x, float(x * x)) for x in range(1, 8)]
    assert scorecard.linear_fit(curve).r2 < scorecard.linear_fit(line).r2
    with pytest.raises(ValueError):
        scorecard.linear_fit([(1, 1.0)])


def test_scaling_series_is_what_the_plot_draws() -> None:
    plan = scorecard.FULL
    records = [
        run_of(scorecard.PAPERS, size, scorecard.DUMP_J2, 1.0 + size / 1e6)
        for size in plan.papers_sizes
    ]
    # pg_restore only at two sizes, and one failed run that must not appear
    records += [
        run_of(scorecard.PAPERS, s, scorecard.PG_RESTORE, s / 1e5) for s in (100_000, 10**6)
    ]
    records.append({**run_of(scorecard.PAPERS, 3_000_000, scorecard.PG_RESTORE, 1.0), "ok": False})
    series = scorecard.scaling_series(scorecard.Figures(records, SERVER), plan.papers_sizes)
    assert [label for label, _ in scorecard.SCALING_TOOLS] == list(series)
    assert series["pgsnap dump -j 2"] == [(s, 1.0 + s / 1e6) for s in plan.papers_sizes]
    assert series["pg_restore -j 2"] == [(100_000, 1.0), (1_000_000, 10.0)]
    assert series["zcat | psql"] == []
    rows = scorecard.verdicts(plan, records, SERVER)
    (dump_fit,) = by_what(rows, "pgsnap dump -j 2: linear fit")
    assert dump_fit.status == scorecard.MET
    (restore_fit,) = by_what(rows, "pg_restore -j 2: linear fit")
    assert restore_fit.status.startswith("not measured: 2 size(s)")
    table = scorecard.scaling_table(series, plan.papers_sizes)
    assert len(table) == 2 + len(series)
    assert "| pg_restore -j 2 | 1.00 | — | 10.00 | — | — |" in "\n".join(table)


def test_verdict_table_has_a_row_per_verdict_and_escapes_pipes() -> None:
    rows = scorecard.verdicts(QUICK, restore_records(2.0, 3.0), SERVER)
    table = scorecard.verdict_table(rows)
    assert len(table) == 2 + len(rows)
    assert any("`zcat \\| psql`" in line for line in table)
    assert all(line.count(" | ") == 3 for line in table[2:])


def test_statement_counts_leave_out_copy_and_tell_catalog_reads_from_calls() -> None:
    # texts as pg_stat_statements keeps them (constants normalised to $n)
    calls = [
        ("COPY public.t1 (id, name) FROM STDIN", 200),
        ("  copy papers TO STDOUT", 3),
        ("SELECT c.oid, c.relname FROM pg_catalog.pg_class c JOIN pg_namespace n ON true", 1),
        ("-- the tables\n-- of a schema\nSELECT c.oid FROM pg_catalog.pg_class c", 1),  # pg15
        ("/* x */ WITH t AS (SELECT 1) SELECT FROM pg_catalog.pg_class, t", 1),
        ("SELECT EXISTS (SELECT FROM pg_catalog.pg_class WHERE oid = $1)", 40),
        ("SELECT pg_catalog.setval($1, $2, $3)", 40),
        ("SELECT pg_catalog.set_config($1, $2, $3)", 2),
        ("CREATE TABLE public.t1 (id integer NOT NULL)", 1),
        ('ALTER SCHEMA "public" OWNER TO "pg_database_owner"', 1),  # DDL, no catalog read
        ("SELECT p.phase FROM pg_catalog.pg_stat_progress_create_index p", 3),  # by the clock
    ]
    counts = scorecard.statement_counts(calls)
    assert counts["statements"] == 1 + 1 + 1 + 40 + 40 + 2 + 1 + 1 + 3
    assert counts["catalog_statements"] == 1 + 1 + 1 + 40
    assert counts["progress_polls"] == 3
    assert counts["top_statements"][0][0] == 40
    assert len(counts["top_statements"]) == min(len(calls) - 2, scorecard.TOP_STATEMENTS)


def test_other_sizes_keep_the_plans_judged_sizes_that_remain() -> None:
    plan = scorecard.with_sizes(scorecard.FULL, [3_000_000, 100_000, 1_000_000, 100_000])
    assert plan.papers_sizes == (100_000, 1_000_000, 3_000_000)
    assert plan.restore_sizes == (1_000_000,)
    assert plan.full_case_sizes == (1_000_000,)
    assert plan.largest == 3_000_000
    small = scorecard.with_sizes(scorecard.QUICK, [50_000, 20_000])
    assert small.restore_sizes == (50_000,)  # none of the plan's: the largest
    assert small.full_case_sizes == ()
