"""The one place that talks to obstore: building a store, and its errors as pgsnap's.

obstore is imported here, lazily, on the first remote URL: a local dump never loads it.
A store holds a tokio runtime that does not survive fork(), so a worker process builds
its own (and is started by spawn: see restore/staged.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pgsnap.errors import (
    ArchiveError,
    FileNotFoundError_,
    IOError_,
    NotFoundError,
    PermissionDeniedError,
    PgsnapError,
    TargetExistsError,
    UsageError,
)
from pgsnap.storage.credentials import environment, s3_settings
from pgsnap.storage.url import ObjectURL

if TYPE_CHECKING:
    from obstore.store import ObjectStore

# Transient errors (5xx, dropped connections, timeouts) are retried with exponential backoff
# from 100 ms: 6 retries span about 6 s, enough for a proxy or a server restart, short
# enough that a store that is really gone fails the command in seconds, not minutes.
MAX_RETRIES = 6
RETRY_TIMEOUT = dt.timedelta(seconds=60)
CONNECT_TIMEOUT = "10s"
# one request's whole time: a 16 MiB part on a slow (1 MB/s) uplink still fits
REQUEST_TIMEOUT = "300s"
_STATUS = re.compile(r"status code: (\d{3})\b")  # obstore's "non-2xx status code: 404 …"
# "Error performing PUT http://h/b/k?partNumber=1&uploadId=… in 2.1s, after 6 retries, …- "
_REQUEST = re.compile(
    r"Error performing (?P<verb>[A-Z]+) \S+ in [^,-]+(?P<retries>, after \d+ retries)?[^-]*- "
)
_REASON_CHARS = 200  # an error's first line, cut: obstore's messages run to many lines


def _client_options(allow_http: bool) -> dict[str, Any]:
    return {
        "allow_http": allow_http,
        "connect_timeout": CONNECT_TIMEOUT,
        "timeout": REQUEST_TIMEOUT,
        "user_agent": "pgsnap",
    }


def _retry() -> dict[str, Any]:
    return {"max_retries": MAX_RETRIES, "retry_timeout": RETRY_TIMEOUT}


@functools.lru_cache(maxsize=8)
def _cached(scheme: str, bucket: str, pid: int) -> ObjectStore:
    """One store per bucket and process (the pid: a forked child must build its own)."""
    from obstore.exceptions import BaseError

    env = environment()
    try:
        if scheme == "s3":
            return _s3(bucket, env)
        return _other(scheme, bucket, env)
    except (ValueError, BaseError) as exc:  # a configuration the store refuses, or lacks
        raise UsageError(
            f"cannot use {scheme}://{bucket}: {_reason(exc)} (set {_VARIABLES[scheme]})"
        ) from None


def store_for(url: ObjectURL) -> ObjectStore:
    """The store of `url`'s bucket, configured from the environment (credentials.py).

    Raises UsageError for a configuration obstore refuses."""
    with remote_errors(url, "open"):
        return _cached(url.scheme, url.bucket, os.getpid())


def _s3(bucket: str, env: dict[str, str]) -> ObjectStore:
    from obstore.store import S3Store

    settings = s3_settings(env)
    return S3Store(
        bucket,
        config=settings.config,  # type: ignore[arg-type]  # str keys of S3Config
        client_options=_client_options(settings.allow_http),  # type: ignore[arg-type]
        retry_config=_retry(),  # type: ignore[arg-type]
    )


def _other(scheme: str, bucket: str, env: dict[str, str]) -> ObjectStore:
    """GCS and Azure: obstore reads GOOGLE_* / AZURE_* itself; a .env's are passed on."""
    from obstore.store import AzureStore, GCSStore

    prefix = "GOOGLE_" if scheme == "gs" else "AZURE_"
    config = {k.lower(): v for k, v in env.items() if k.startswith(prefix) and k not in os.environ}
    options = _client_options(allow_http=False)
    if scheme == "gs":
        return GCSStore(bucket, config=config, client_options=options, retry_config=_retry())  # type: ignore[arg-type]
    return AzureStore(bucket, config=config, client_options=options, retry_config=_retry())  # type: ignore[arg-type]


def _reason(exc: BaseException) -> str:
    """An obstore error in a few words: its first line without the request's URL (an upload
    id, a part number) or the server's XML body, lowercased and cut.  obstore puts no
    credentials in its messages, and only the first line is kept anyway."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    text = _REQUEST.sub(lambda m: f"{m['verb']} failed{m['retries'] or ''}: ", text)
    text = text.split("<?xml", 1)[0].rstrip(" :")
    text = text[:_REASON_CHARS] + ("…" if len(text) > _REASON_CHARS else "")
    return text[0].lower() + text[1:] if text else text


@contextlib.contextmanager
def remote_errors(url: ObjectURL, verb: str, store: ObjectStore | None = None) -> Iterator[None]:
    """obstore's exceptions as pgsnap's one-line errors that name `url` (never a secret):

    a missing object FileNotFoundError_ (or NotFoundError for a missing bucket), refused
    credentials PermissionDeniedError, an existing object TargetExistsError, an object that
    changed under a read ArchiveError, anything else (network down, 5xx after the retries)
    IOError_."""
    try:
        yield
    except PgsnapError:
        raise
    except FileNotFoundError:
        raise _not_found(url, store) from None
    except Exception as exc:
        mapped = _mapped(exc, url, verb)
        if mapped is None:
            raise
        raise mapped from None


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a failed request, when obstore says it only in its message (a
    listing's errors are all GenericError): the one place that reads an error's text."""
    found = _STATUS.search(str(exc))
    return int(found.group(1)) if found else None


# what to set, by scheme, in the messages of refused or missing credentials
_VARIABLES = {
    "s3": "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
    "gs": "GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_SERVICE_ACCOUNT",
    "az": "AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_KEY",
}


def _mapped(exc: Exception, url: ObjectURL, verb: str) -> PgsnapError | None:
    from obstore import exceptions as oe

    # a listing's errors are GenericError, and a writer's close() an OSError: their status
    denied = http_status(exc) in (401, 403)
    if denied or isinstance(exc, oe.PermissionDeniedError | oe.UnauthenticatedError):
        return PermissionDeniedError(
            f'access denied to "{url}": the store refused the credentials '
            f"({_VARIABLES[url.scheme]})"
        )
    if isinstance(exc, oe.AlreadyExistsError):
        return TargetExistsError(f'object "{url}" already exists; use --force to overwrite it')
    if isinstance(exc, oe.PreconditionError):
        return ArchiveError(f'object "{url}" changed while it was read: read it again')
    if isinstance(exc, oe.UnknownConfigurationKeyError | oe.InvalidPathError):
        return UsageError(f'cannot use "{url}": {_reason(exc)}')
    if isinstance(exc, oe.BaseError | OSError | RuntimeError):
        return IOError_(f'cannot {verb} "{url}": {_reason(exc)}')
    return None


def _not_found(url: ObjectURL, store: ObjectStore | None) -> NotFoundError:
    """The object is missing; or its whole bucket is, when a listing says so too."""
    if store is not None and not bucket_exists(store):
        return NotFoundError(f'bucket "{url.bucket_url()}" does not exist')
    return FileNotFoundError_(f'object "{url}" does not exist')


def bucket_exists(store: ObjectStore) -> bool:
    """Whether the store's bucket answers a listing (any other failure: assume it does, and
    let the request that needs it say what is wrong)."""
    import obstore

    try:
        next(iter(obstore.list(store, prefix="pgsnap-probe/", chunk_size=1)), None)
    except FileNotFoundError:
        return False
    except Exception as exc:
        return http_status(exc) != 404
    return True
