"""S3's incomplete multipart uploads: list them under a prefix, abort one (design.md §10).

A dump's upload is aborted when the dump fails (remote.py); when even the abort cannot run (the
store was down, pgsnap got ``kill -9``) the upload stays in the bucket, invisible to a listing
of objects, and the store bills its parts.  obstore cannot list or abort uploads by id, so
this module makes the two requests itself, ``GET /bucket?uploads&prefix=P`` and ``DELETE
/bucket/key?uploadId=ID``, signed with AWS Signature V4 (hmac and hashlib, no boto3).  The
settings are the store's (credentials.s3_settings): the same keys, region and endpoint, and
path-style URLs as obstore builds them (``ENDPOINT/bucket/key``).  Nothing here logs or
puts a secret in a message.  S3 only: GCS and Azure have no such uploads to list.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pgsnap.errors import IOError_, NotFoundError, PermissionDeniedError, PgsnapError
from pgsnap.storage.credentials import environment, s3_settings
from pgsnap.storage.url import ObjectURL

TIMEOUT_S = 30  # one small request; a store that does not answer in that is down
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()  # both requests have no body
_SAFE = "-_.~"  # RFC 3986's unreserved characters besides letters and digits (SigV4)
_DENIED = (401, 403)
_LIST = "list the uploads of"  # the verbs of the error messages: cannot list the uploads of "…"
_ABORT = "abort the upload of"
_MAX_PAGES = 100  # 1,000 uploads a page: a prefix with more is listed no further


@dataclass(frozen=True, slots=True)
class Upload:
    """One multipart upload in progress (or left behind): its object, id and start."""

    url: ObjectURL
    upload_id: str
    initiated: dt.datetime  # aware, UTC

    def to_json(self) -> dict[str, str]:
        return {
            "url": str(self.url),
            "upload_id": self.upload_id,
            "initiated": self.initiated.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class _Signer:
    """What a request is signed with: the store's settings (never printed)."""

    endpoint: str
    region: str
    access_key: str
    secret_key: str
    token: str

    @classmethod
    def from_environment(cls) -> _Signer:
        config = s3_settings(environment()).config
        region = config["region"]
        endpoint = config.get("endpoint") or f"https://s3.{region}.amazonaws.com"
        return cls(
            endpoint.rstrip("/"),
            region,
            config.get("access_key_id", ""),
            config.get("secret_access_key", ""),
            config.get("session_token", ""),
        )


def list_uploads(prefix: ObjectURL) -> list[Upload]:
    """The multipart uploads of keys under `prefix`, oldest first.

    Raises NotFoundError for a missing bucket, PermissionDeniedError when the store refuses the
    credentials, IOError_ when it cannot be reached or answers with another error."""
    signer = _Signer.from_environment()
    found: list[Upload] = []
    markers = {"key-marker": "", "upload-id-marker": ""}
    for _ in range(_MAX_PAGES):
        query = {"uploads": "", "prefix": prefix.key, **{k: v for k, v in markers.items() if v}}
        body = _request(signer, "GET", prefix, query, _LIST)
        page, markers = _parse_page(body, prefix)
        found.extend(page)
        if not markers["key-marker"]:
            break
    return sorted(found, key=lambda u: (u.initiated, u.url.key))


def abort_upload(upload: Upload) -> None:
    """Abort `upload`: its parts are removed.  One already gone is no error (the goal is
    reached).  Raises like list_uploads()."""
    signer = _Signer.from_environment()
    with contextlib.suppress(_NoSuchUpload):
        _request(signer, "DELETE", upload.url, {"uploadId": upload.upload_id}, _ABORT)


class _NoSuchUpload(PgsnapError):
    """The upload to abort is gone already (404 NoSuchUpload)."""


def _parse_page(body: bytes, prefix: ObjectURL) -> tuple[list[Upload], dict[str, str]]:
    """One page of ListMultipartUploadsResult: its uploads, and the markers of the next page
    (empty when this was the last)."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise IOError_(f'cannot {_LIST} "{prefix}": the store did not answer in XML') from None
    uploads = [
        Upload(
            ObjectURL(prefix.scheme, prefix.bucket, _text(u, "Key")),
            _text(u, "UploadId"),
            _parse_time(_text(u, "Initiated")),
        )
        for u in root.iterfind("{*}Upload")
    ]
    truncated = _text(root, "IsTruncated").lower() == "true"
    markers = {
        "key-marker": _text(root, "NextKeyMarker") if truncated else "",
        "upload-id-marker": _text(root, "NextUploadIdMarker") if truncated else "",
    }
    return uploads, markers


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{{*}}{tag}")
    return (found.text or "") if found is not None else ""


def _parse_time(text: str) -> dt.datetime:
    """S3's ISO 8601 time ("2026-12-02T05:22:11.000Z"); the epoch when it is missing or
    malformed (such an upload counts as old)."""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.fromtimestamp(0, dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _request(
    signer: _Signer, method: str, url: ObjectURL, query: dict[str, str], verb: str
) -> bytes:
    """One signed request; the answer's body, or the error that names `url`."""
    path = "/" + urllib.parse.quote(url.bucket, safe="")
    if method == "DELETE":
        path += "/" + urllib.parse.quote(url.key, safe="/" + _SAFE)
    canonical_query = _canonical_query(query)
    headers = _signed_headers(
        signer, method, path, canonical_query, dt.datetime.now(dt.timezone.utc)
    )
    request = urllib.request.Request(
        f"{signer.endpoint}{path}?{canonical_query}", method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, url, verb) from None
    except (OSError, ValueError) as exc:  # URLError, a timeout, a refused connection
        raise IOError_(f'cannot {verb} "{url}": {_os_reason(exc)}') from None


def _os_reason(exc: BaseException) -> str:
    """A network error in a few words: "connection refused", "timed out"."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return str(reason).lower() or type(reason).__name__


def _http_error(exc: urllib.error.HTTPError, url: ObjectURL, verb: str) -> PgsnapError:
    """The store's error answer as pgsnap's error, as client.py maps obstore's."""
    try:
        code = _text(ET.fromstring(exc.read()), "Code")
    except (ET.ParseError, OSError):
        code = ""
    if exc.code in _DENIED:
        return PermissionDeniedError(
            f'access denied to "{url}": the store refused the credentials '
            "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
        )
    if code == "NoSuchBucket":
        return NotFoundError(f'bucket "{url.bucket_url()}" does not exist')
    if code == "NoSuchUpload":
        return _NoSuchUpload(str(url))
    detail = f"{exc.code} {code}".strip() if code else f"{exc.code} {exc.reason}"
    return IOError_(f'cannot {verb} "{url}": the store answered {detail}')


def _canonical_query(query: dict[str, str]) -> str:
    """SigV4's canonical query string: sorted, every name and value percent-encoded."""
    pairs = sorted((_quote(k), _quote(v)) for k, v in query.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe=_SAFE)


def _signed_headers(
    signer: _Signer, method: str, path: str, query: str, now: dt.datetime
) -> dict[str, str]:
    """The request's headers with AWS Signature V4's Authorization (none without keys)."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    host = urllib.parse.urlsplit(signer.endpoint).netloc
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": stamp}
    if signer.token:
        headers["x-amz-security-token"] = signer.token
    if not signer.access_key:
        return headers
    names = ";".join(sorted(headers))
    canonical = "\n".join(
        [
            method,
            path,
            query,
            *(f"{k}:{headers[k]}" for k in sorted(headers)),
            "",
            names,
            EMPTY_SHA256,
        ]
    )
    scope = f"{stamp[:8]}/{signer.region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    signature = hmac.new(_signing_key(signer, stamp[:8]), to_sign.encode(), hashlib.sha256)
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={signer.access_key}/{scope}, "
        f"SignedHeaders={names}, Signature={signature.hexdigest()}"
    )
    return headers


def _signing_key(signer: _Signer, day: str) -> bytes:
    key = ("AWS4" + signer.secret_key).encode()
    for part in (day, signer.region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
