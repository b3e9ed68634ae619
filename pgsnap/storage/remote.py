"""Archives as objects: a readable file over ranged GETs, and an output that is a multipart
upload, committed whole or aborted.

RemoteFile is what FrameFile reads: seek/read/tell, answered from a few cached blocks (the
head and the tail of the object, fetched when first touched, and the last read-ahead block),
so opening an archive costs a HEAD and two or three GETs.  Every GET after the HEAD carries
If-Match with the object's ETag: an object replaced while it is read is an error, never a
mix of two archives.

RemoteOutput mirrors backup/output.py's _Output: the object appears only on commit() (the
upload is completed then); leaving the with block without commit() aborts the multipart
upload, so neither an object nor an upload is left behind.  A process killed with kill -9
cannot abort: its upload stays until a lifecycle rule removes it (README: "Object storage"),
or, on S3, `pgsnap prune` aborts it (uploads.py).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from pgsnap.errors import (
    FileNotFoundError_,
    NotFoundError,
    PgsnapError,
    TargetExistsError,
    UsageError,
)
from pgsnap.storage.client import bucket_exists, remote_errors, store_for
from pgsnap.storage.url import ObjectURL

if TYPE_CHECKING:
    from obstore import WritableFile

# A read smaller than this fetches this much (an archive's small sql frames, the probe of the
# first bytes): one GET instead of many; a frame's read is one GET of the frame itself.
READ_AHEAD = 256 << 10
# The last bytes, fetched once: the footer and, for most archives, the whole manifest.
TAIL_BYTES = 256 << 10
# Multipart upload: each part is buffered whole, and at most UPLOAD_CONCURRENCY are in
# flight, so a dump's upload holds about (UPLOAD_CONCURRENCY + 1) * PART_BYTES = 48 MiB
# whatever the table's size.  S3 allows 10,000 parts: 16 MiB parts take archives up to
# 156 GiB (PGSNAP_PART_MB raises it; S3's minimum part is 5 MiB).
PART_BYTES = 16 << 20
UPLOAD_CONCURRENCY = 2
MAX_PARTS = 10_000
MIN_PART_MB = 5


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One listed object: its URL, size and modification time (seconds since the epoch)."""

    url: ObjectURL
    size: int
    mtime: float


class RemoteFile(io.RawIOBase):
    """An object read by ranged GETs.  Not thread-safe: FrameFile holds its lock around
    each seek and read."""

    def __init__(self, url: ObjectURL) -> None:
        import obstore

        super().__init__()
        self.url = url
        self._store = store_for(url)
        with remote_errors(url, "read", self._store):
            meta = obstore.head(self._store, url.key)
        self.size = int(meta["size"])
        self.mtime = meta["last_modified"].timestamp()
        self._etag = meta.get("e_tag")
        self._pos = 0
        self._blocks: dict[str, tuple[int, bytes]] = {}  # head, tail, last: (start, bytes)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._pos + size)
        if end <= self._pos:
            return b""
        data = self._range(self._pos, end)
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _range(self, start: int, end: int) -> bytes:
        for first, block in self._blocks.values():
            if first <= start and end <= first + len(block):
                return block[start - first : end - first]
        if start >= self.size - TAIL_BYTES and "tail" not in self._blocks:
            first = max(0, self.size - TAIL_BYTES)
            self._blocks["tail"] = (first, self._get(first, self.size))
            return self._range(start, end)
        if end - start >= READ_AHEAD:
            return self._get(start, end)  # a frame: fetched as it is, not kept
        block_end = min(self.size, start + READ_AHEAD)
        self._blocks["head" if start == 0 else "last"] = (start, self._get(start, block_end))
        return self._range(start, end)

    def _get(self, start: int, end: int) -> bytes:
        import obstore

        options: dict[str, Any] = {"range": (start, end)}
        if self._etag:
            options["if_match"] = self._etag
        with remote_errors(self.url, "read", self._store):
            result = obstore.get(self._store, self.url.key, options=options)  # type: ignore[arg-type]
            return bytes(result.bytes())


def open_object(url: ObjectURL) -> BinaryIO:
    """The object at `url` for reading; FileNotFoundError_ (NotFoundError for a missing
    bucket), PermissionDeniedError or IOError_ when it cannot be read."""
    if url.is_prefix:
        raise UsageError(f'"{url}" is a prefix, not an object: name the archive')
    return cast(BinaryIO, RemoteFile(url))


def read_head(url: ObjectURL, size: int) -> bytes:
    """The first `size` bytes of the object at `url` (for the foreign-format probe)."""
    with RemoteFile(url) as f:
        return f.read(size)


def exists(url: ObjectURL) -> bool:
    """Whether the object exists; NotFoundError when its bucket does not."""
    import obstore

    store = store_for(url)
    try:
        with remote_errors(url, "reach", store):
            obstore.head(store, url.key)
    except FileNotFoundError_:
        return False
    return True


def list_objects(prefix: ObjectURL) -> list[ObjectInfo]:
    """The objects directly under `prefix` (not under its sub-prefixes), in name order.

    Raises NotFoundError for a missing bucket, PermissionDeniedError, IOError_."""
    import obstore

    prefix = prefix.as_prefix() if prefix.key else prefix
    store = store_for(prefix)
    with remote_errors(prefix, "list", store):
        if not bucket_exists(store):
            raise NotFoundError(f'bucket "{prefix.bucket_url()}" does not exist')
        found = obstore.list_with_delimiter(store, prefix.key or None)
    out = [
        ObjectInfo(
            ObjectURL(prefix.scheme, prefix.bucket, m["path"]),
            int(m["size"]),
            m["last_modified"].timestamp(),
        )
        for m in found["objects"]
    ]
    return sorted(out, key=lambda o: o.url.key)


def delete_object(url: ObjectURL) -> None:
    """Remove the object; a missing one is no error (the goal is reached)."""
    import obstore

    store = store_for(url)
    try:
        with remote_errors(url, "remove", store):
            obstore.delete(store, url.key)
    except FileNotFoundError_:
        pass


def part_bytes(env: dict[str, str] | None = None) -> int:
    """The upload's part size: PART_BYTES, or PGSNAP_PART_MB mebibytes (at least 5)."""
    text = (os.environ if env is None else env).get("PGSNAP_PART_MB")
    if not text:
        return PART_BYTES
    if not text.isdigit() or int(text) < MIN_PART_MB:
        raise UsageError(f"PGSNAP_PART_MB must be a whole number of at least {MIN_PART_MB}")
    return int(text) << 20


# how an upload that could not be aborted goes away later (S3's: storage/uploads.py)
_LIFECYCLE = "the store's lifecycle rule removes it (AbortIncompleteMultipartUpload)"
_PRUNE = "pgsnap prune aborts it after --stale-uploads-after (24h), or " + _LIFECYCLE.replace(
    " removes it", ""
)


def _later(url: ObjectURL) -> str:
    return _PRUNE if url.scheme == "s3" else _LIFECYCLE


class _Upload:
    """The writer's stream: write() and flush(), errors naming the object."""

    def __init__(self, writer: WritableFile, url: ObjectURL, part: int) -> None:
        self._writer = writer
        self._url = url
        self._limit = part * MAX_PARTS
        self.written = 0

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if self.written > self._limit:
            raise UsageError(
                f'"{self._url}" would exceed the store\'s 10,000 parts of '
                f"{self._limit // MAX_PARTS >> 20} MiB: raise PGSNAP_PART_MB"
            )
        with remote_errors(self._url, "write"):
            return self._writer.write(data)

    def flush(self) -> None:
        """Nothing to do: a part is sent when it is full, the rest on commit."""


class RemoteOutput:
    """An object that appears at `url` only after commit(); see the module's docstring."""

    def __init__(self, url: ObjectURL, force: bool) -> None:
        self.url = url
        self.path = str(url)
        self.shown = f'"{url}"'
        self.committed = False
        self._part = part_bytes()
        if exists(url):
            if not force:
                raise TargetExistsError(
                    f'object "{url}" already exists; use --force to overwrite it'
                )
        elif not bucket_exists(store_for(url)):  # S3 refuses a write there with a bare 403
            raise NotFoundError(f'bucket "{url.bucket_url()}" does not exist')
        self._writer: WritableFile | None = None

    def __enter__(self) -> RemoteOutput:
        import obstore

        store = store_for(self.url)
        with remote_errors(self.url, "write", store):
            self._writer = obstore.open_writer(
                store, self.url.key, buffer_size=self._part, max_concurrency=UPLOAD_CONCURRENCY
            )
        self.stream = cast(BinaryIO, _Upload(self._writer, self.url, self._part))
        return self

    def commit(self) -> None:
        """Complete the upload: the object appears, whole."""
        assert self._writer is not None
        writer, self._writer = self._writer, None
        with remote_errors(self.url, "write"):
            writer.close()
        self.committed = True

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        """Not committed: abort the multipart upload (obstore aborts when its writer leaves
        a with block on an exception).  If even that fails, the error says so."""
        writer, self._writer = self._writer, None
        if writer is None or self.committed:
            return
        reason = exc if exc is not None else RuntimeError("pgsnap: not committed")
        try:
            writer.__exit__(type(reason), reason, None)
        except Exception:
            if isinstance(exc, PgsnapError):
                later = _later(self.url)
                exc.extend(f'the incomplete upload of "{self.url}" could not be aborted: {later}')
