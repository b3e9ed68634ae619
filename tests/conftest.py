"""Real servers for the tests (design.md §7): every test that takes `server` or `db` runs once
per server this machine can start (ids pg18, pg15…), or against PGSNAP_TEST_DSN alone.

`all_servers` (the cross-version tests) has one server of every major 14 to 18: the session's
own where it has that major, the others started on first use from the pinned PyPI wheels
(pypi_postgres.py) and stopped at the end of the session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pgservers import (
    DSN_ENV,
    ScratchDatabases,
    Server,
    TestDB,
    available_bindirs,
    external_server,
    server_labels,
    start_clusters,
    stop_clusters,
)
from pypi_postgres import CROSS_VERSION_MAJORS, bindir_for_major
from s3server import S3Server, running


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # labels come from what is installed, so a machine without pg15 has no pg15 ids (no skips)
    if "server" in metafunc.fixturenames:
        labels = server_labels()
        metafunc.parametrize("server", labels, ids=labels, indirect=True)


@pytest.fixture(scope="session")
def servers() -> Iterator[list[Server]]:
    """Every server of the session, started once and stopped at its end (atexit backs this up)."""
    dsn = os.environ.get(DSN_ENV)
    if dsn:
        yield [external_server(dsn)]
        return
    clusters = start_clusters(available_bindirs())
    try:
        yield [cluster.server for cluster in clusters]
    finally:
        stop_clusters(clusters)


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, servers: list[Server]) -> Server:
    """One server; tests are parametrized over all of them by pytest_generate_tests."""
    label: str = request.param
    return next(s for s in servers if s.label == label)


@pytest.fixture
def db(server: Server) -> Iterator[TestDB]:
    """A fresh empty database for this test; it and its make_db() siblings are dropped after."""
    scratch = ScratchDatabases(server)
    try:
        yield scratch.create()
    finally:
        scratch.drop_all()


@pytest.fixture
def store_db(servers: list[Server]) -> Iterator[TestDB]:
    """A fresh database on the session's first server only, for tests of a store's failures
    (a missing bucket, a killed S3 server, refused credentials), which no server version
    changes: what differs between servers is tested through `db`."""
    scratch = ScratchDatabases(servers[0])
    try:
        yield scratch.create()
    finally:
        scratch.drop_all()


@pytest.fixture(scope="session")
def all_servers(servers: list[Server]) -> Iterator[dict[int, Server]]:
    """A server of every major in CROSS_VERSION_MAJORS, by major.  Those the session lacks are
    downloaded (once, cached) and started, in parallel; a failure is an error, never a skip."""
    have = {s.major: s for s in servers if s.label == f"pg{s.major}"}  # not an external server
    missing = [m for m in CROSS_VERSION_MAJORS if m not in have]
    with ThreadPoolExecutor(max_workers=max(1, len(missing))) as pool:
        bindirs = list(pool.map(bindir_for_major, missing))
    clusters = start_clusters([(f"pg{m}", b) for m, b in zip(missing, bindirs, strict=True)])
    try:
        started = {c.server.major: c.server for c in clusters}
        assert sorted(started) == missing, f"asked for {missing}, started {sorted(started)}"
        yield {m: have.get(m) or started[m] for m in CROSS_VERSION_MAJORS}
    finally:
        stop_clusters(clusters)


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """A SeaweedFS S3 server that takes any credentials, for the session (tests/s3server.py)."""
    with running() as weed:
        yield weed


@pytest.fixture(scope="session")
def s3_auth() -> Iterator[S3Server]:
    """A SeaweedFS S3 server that checks credentials (s3server.ACCESS_KEY and friends)."""
    with running(auth=True) as weed:
        yield weed


@pytest.fixture
def bucket(s3: S3Server) -> str:
    """A new, empty bucket of the session's S3 server, for this test alone."""
    return s3.make_bucket(f"t{uuid.uuid4().hex[:16]}")
