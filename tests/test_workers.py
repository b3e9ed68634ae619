"""workers.start_pool's `heap`: what each worker process calls before its work (the load's
workers bound their heap, the dump's keep theirs roomy: workers.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pgsnap import workers

MARKS = "PGSNAP_TEST_HEAP_MARKS"


def _mark_heap() -> None:
    Path(os.environ[MARKS], f"heap-{os.getpid()}").touch()


def _answer(i: int, tasks: Any, results: Any, leader: int) -> None:
    tasks.get(timeout=30)
    marked = Path(os.environ[MARKS], f"heap-{os.getpid()}").exists()
    results.put((i, os.getpid(), marked))


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_each_worker_process_sets_its_heap_before_its_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_method: str
) -> None:
    monkeypatch.setenv(MARKS, str(tmp_path))
    pool = workers.start_pool("process", 2, _answer, start_method=start_method, heap=_mark_heap)
    try:
        for _ in range(2):
            pool.tasks.put("go")
        answers = sorted(pool.results.get(timeout=60) for _ in range(2))
    finally:
        pool.stop()
    assert [a[0] for a in answers] == [0, 1]
    assert all(marked for _, _, marked in answers)
    assert {p.name for p in tmp_path.iterdir()} == {f"heap-{pid}" for _, pid, _ in answers}
    assert os.getpid() not in {pid for _, pid, _ in answers}
