"""Archive locations in object storage: ``s3://bucket/key``, ``gs://…``, ``az://…``.

Pure: a string in, an ObjectURL (or None for a local path) out.  Anything that does not
start with one of SCHEMES is a local path, as before.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from pgsnap.errors import UsageError

# the URL schemes users type, and the store each one means ("azure" as obstore spells it)
SCHEMES = {"s3": "s3", "gs": "gs", "az": "az", "azure": "az"}
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9]*)://(?P<rest>.*)\Z", re.S)
# S3's rules (virtual-host style), kept for every store: 3-63 lowercase letters, digits,
# dots and hyphens, starting and ending with a letter or a digit
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")


@dataclass(frozen=True, slots=True)
class ObjectURL:
    """One object (`key` names it) or a prefix (`key` is "" or ends with "/")."""

    scheme: str  # s3 | gs | az
    bucket: str  # the bucket, or the Azure container
    key: str

    @property
    def is_prefix(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    @property
    def name(self) -> str:
        """The last part of the key: the object's file name."""
        return posixpath.basename(self.key.rstrip("/"))

    def child(self, name: str) -> ObjectURL:
        """The object `name` under this prefix."""
        base = self.key if self.is_prefix else self.key + "/"
        return ObjectURL(self.scheme, self.bucket, base + name)

    def as_prefix(self) -> ObjectURL:
        return self if self.is_prefix else ObjectURL(self.scheme, self.bucket, self.key + "/")

    def bucket_url(self) -> str:
        return f"{self.scheme}://{self.bucket}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.key}"


def is_remote(location: object) -> bool:
    """Whether `location` (a str or a path) names object storage rather than a local file."""
    if not isinstance(location, str):
        return False
    found = _URL.match(location)
    return found is not None and found["scheme"].lower() in SCHEMES


def parse_url(location: str) -> ObjectURL | None:
    """The object-storage URL `location` names, or None for a local path.

    Raises UsageError for a malformed URL of a known scheme: no bucket, a bucket name the
    stores refuse, credentials in the URL, empty or relative key segments ("a//b", "../x").
    """
    found = _URL.match(location)
    if found is None or found["scheme"].lower() not in SCHEMES:
        return None
    scheme = SCHEMES[found["scheme"].lower()]
    bucket, _, key = found["rest"].partition("/")
    shown = f"{found['scheme']}://"
    if "@" in bucket:  # never echo what could be a secret
        raise UsageError(
            f'"{shown}…" holds credentials: give them in the environment (README: "Object storage")'
        )
    if "?" in location or "#" in location:
        raise UsageError(f'"{shown}{bucket}/…" has a query or a fragment: give bucket and key only')
    if not bucket:
        raise UsageError(f'"{location}" names no bucket: write {scheme}://BUCKET/KEY')
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise UsageError(
            f'"{shown}{bucket}" is not a valid bucket name: 3 to 63 lowercase letters, digits, dots'
            " and hyphens"
        )
    _check_key(key, f"{shown}{bucket}/{key}")
    return ObjectURL(scheme, bucket, key)


def _check_key(key: str, shown: str) -> None:
    parts = key.split("/")
    inner = parts[:-1] if key.endswith("/") else parts
    if key and any(p in ("", ".", "..") for p in inner):
        raise UsageError(f'"{shown}" has an empty or relative part ("//", "." or "..")')
    if any(ord(c) < 32 or c == "\\" for c in key):
        raise UsageError(f'"{shown}" holds a control character or a backslash')
