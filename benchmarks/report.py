"""The markdown report: one header for the machine, then per server a dump and a restore table.

Each row summarizes a case over its repetitions: median wall and CPU seconds, the largest
peak RSS, the last file size.  Ratios divide the case's median wall by a reference case's:
below 1 means faster than the reference.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cases import (
    FLOOR,
    PG_DUMP_FC,
    PG_DUMP_FC_Z1,
    PG_DUMP_GZIP,
    PG_RESTORE,
    PSQL_RESTORE,
    Case,
)

Record = dict[str, Any]
MB = 1_000_000
DASH = "—"
ERROR_CHARS = 300  # of a failure's one-line reason; the JSON lines keep the stderr

DUMP_REFS = (
    (FLOOR, "vs floor"),
    (PG_DUMP_GZIP, "vs `pg_dump \\| gzip -1`"),
    (PG_DUMP_FC_Z1, "vs `pg_dump -Fc -Z1`"),
    (PG_DUMP_FC, "vs `pg_dump -Fc`"),
)
COST_HEADS = ("client CPU s", "server CPU s", "peak RSS MB")
# A run keeps about 2 processes busy (client and server): a load average above cores + 1
# before a case means somebody else was using the machine too.
BUSY_EXTRA_LOAD = 1.0
RESTORE_REFS = ((PG_RESTORE, "vs `pg_restore -j2`"), (PSQL_RESTORE, "vs `zcat \\| psql`"))


@dataclass(frozen=True, slots=True)
class Section:
    """The results of one server."""

    label: str
    server: str  # version and how it was started
    dataset: str  # rows and sizes, one line
    clients: str  # which client binaries, one line
    dump_cases: Sequence[Case]
    restore_cases: Sequence[Case]
    records: Sequence[Record]
    notes: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Summary:
    runs: int
    ok: int
    wall_s: float | None  # median over the successful runs
    cpu_s: float | None
    server_cpu_s: float | None
    peak_rss: int | None  # max over the successful runs
    file_bytes: int | None
    rows: int | None
    indexes: int | None


def document(machine_line: str, run_line: str, sections: Sequence[Section]) -> str:
    parts = ["# pgsnap benchmarks", "", machine_line, "", run_line]
    for section in sections:
        parts += ["", section_markdown(section)]
    parts += ["", _legend()]
    return "\n".join(parts) + "\n"


def section_markdown(section: Section) -> str:
    lines = [f"## {section.label}", "", section.server, "", section.dataset, "", section.clients]
    summaries = {c.key: summarize(c.key, section.records) for c in _all(section)}
    if section.dump_cases:
        lines += ["", "### Dump", "", *_dump_table(section.dump_cases, summaries)]
    if section.restore_cases:
        lines += ["", "### Restore (each into a fresh empty database)", ""]
        lines += _restore_table(section.restore_cases, summaries)
    notes = [*[f"- {n}" for n in section.notes], *_failures(section.records)]
    notes += _load(section.records)
    if notes:
        lines += ["", "### Notes", "", *notes]
    return "\n".join(lines)


def summarize(key: str, records: Sequence[Record]) -> Summary:
    runs = [r for r in records if r["case"] == key and not r.get("skipped")]
    ok = [r for r in runs if r["ok"]]
    last = ok[-1] if ok else None
    return Summary(
        runs=len(runs),
        ok=len(ok),
        wall_s=statistics.median(r["wall_s"] for r in ok) if ok else None,
        cpu_s=statistics.median(r["cpu_s"] for r in ok) if ok else None,
        server_cpu_s=_median_known([r.get("server_cpu_s") for r in ok]),
        peak_rss=max(r["peak_rss_bytes"] for r in ok) if ok else None,
        file_bytes=last.get("file_bytes") if last else None,
        rows=last.get("rows") if last else None,
        indexes=last.get("indexes") if last else None,
    )


def _median_known(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _all(section: Section) -> list[Case]:
    return [*section.dump_cases, *section.restore_cases]


def _dump_table(cases: Sequence[Case], summaries: dict[str, Summary]) -> list[str]:
    head = ["case", "wall s", *(t for _, t in DUMP_REFS), *COST_HEADS, "file MB"]
    rows = [_header(head, numeric_from=1)]
    for case in cases:
        s = summaries[case.key]
        if case.skip or s.wall_s is None:
            rows.append(_unavailable(case, s, len(head)))
            continue
        ratios = [_ratio(s.wall_s, summaries.get(ref)) for ref, _ in DUMP_REFS]
        rows.append(_row([case.title, _runs(s), *ratios, *_costs(s), _mb(s.file_bytes)]))
    return rows


def _restore_table(cases: Sequence[Case], summaries: dict[str, Summary]) -> list[str]:
    head = ["case", "wall s", *(t for _, t in RESTORE_REFS), *COST_HEADS, "rows"]
    head.append("indexes")
    rows = [_header(head, numeric_from=1)]
    for case in cases:
        s = summaries[case.key]
        if case.skip or s.wall_s is None:
            rows.append(_unavailable(case, s, len(head)))
            continue
        ratios = [_ratio(s.wall_s, summaries.get(ref)) for ref, _ in RESTORE_REFS]
        counts = [_int(s.rows), _int(s.indexes)]
        rows.append(_row([case.title, _runs(s), *ratios, *_costs(s), *counts]))
    return rows


def _runs(s: Summary) -> str:
    """The median wall seconds, with the number of successful runs when some failed."""
    assert s.wall_s is not None
    text = f"{s.wall_s:.2f}"
    return text if s.ok == s.runs else f"{text} ({s.ok}/{s.runs} ok)"


def _costs(s: Summary) -> list[str]:
    return [_seconds(s.cpu_s), _seconds(s.server_cpu_s), _mb(s.peak_rss)]


def _seconds(x: float | None) -> str:
    return DASH if x is None else f"{x:.2f}"


def _unavailable(case: Case, s: Summary, width: int) -> str:
    if case.skip:
        what = f"not available: {case.skip}"
    else:
        what = f"failed ({s.runs - s.ok}/{s.runs} runs), see notes"
    return _row([case.title, what, *([DASH] * (width - 2))])


def _ratio(wall_s: float, ref: Summary | None) -> str:
    if ref is None or ref.wall_s is None or ref.wall_s <= 0:
        return DASH
    return f"{wall_s / ref.wall_s:.2f}"


def _mb(n: int | None) -> str:
    return DASH if n is None else f"{n / MB:,.1f}"


def _int(n: int | None) -> str:
    return DASH if n is None else f"{n:,}"


def _failures(records: Sequence[Record]) -> list[str]:
    out = []
    for r in records:
        if r.get("skipped") or r["ok"]:
            continue
        reason = " ".join(str(r.get("failure") or f"exit {r.get('exit_code')}").split())
        reason = reason[:ERROR_CHARS].replace("|", "\\|")
        out.append(f"- **{r['case']}** failed (repetition {r['repeat'] + 1}): {reason}")
    return out


def _load(records: Sequence[Record]) -> list[str]:
    """A warning when other work loaded the machine: the run itself adds about 2."""
    loads = [r["loadavg_1m_before"] for r in records if "loadavg_1m_before" in r]
    cores = next((r["machine"]["cores"] for r in records if r.get("machine")), None)
    if not loads or not cores or max(loads) <= cores + BUSY_EXTRA_LOAD:
        return []
    busy = sum(1 for x in loads if x > cores + BUSY_EXTRA_LOAD)
    return [
        f"- Other work loaded the machine: the 1-minute load average before {busy} of "
        f"{len(loads)} runs exceeded {cores + BUSY_EXTRA_LOAD:g} (max {max(loads):.1f}, "
        f"{cores} cores). Read ratios between neighbouring rows with care."
    ]


def _header(cells: Sequence[str], *, numeric_from: int) -> str:
    align = ["---" if i < numeric_from else "---:" for i in range(len(cells))]
    return _row(cells) + "\n" + _row(align)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _legend() -> str:
    return (
        "Wall and CPU seconds are medians over the successful repetitions; CPU is user+sys of "
        "the client process tree; server CPU is the postmaster's and its backends' (throwaway "
        "clusters only); peak RSS is the "
        "largest sum of RSS over that tree, sampled every 25 ms; MB = 10^6 bytes. "
        "A ratio is the case's median wall time divided by the reference's: below 1 is "
        "faster. The floor is one backend writing COPY text to /dev/null, with no client "
        "at all."
    )
