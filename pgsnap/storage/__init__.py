"""Archives in object storage: ``s3://``, ``gs://`` and ``az://`` URLs (design.md §10).

A URL is just another place for the same bytes: the archive reader reads an object by
ranged GETs, the dump writes one by a multipart upload, and list/prune list and delete
objects under a prefix.  Everything else stays a local path.

    url.py          pure: parse_url, ObjectURL
    credentials.py  the environment, .env and ~/.aws profiles, as the AWS tools read them
    client.py       the only module that builds obstore stores; their errors as pgsnap's
    remote.py       RemoteFile (reads), RemoteOutput (the upload), list and delete
    uploads.py      S3's incomplete multipart uploads: list and abort (SigV4, no obstore)
"""

from __future__ import annotations

from pgsnap.storage.remote import (
    ObjectInfo,
    RemoteFile,
    RemoteOutput,
    delete_object,
    exists,
    list_objects,
    open_object,
    read_head,
)
from pgsnap.storage.uploads import Upload, abort_upload, list_uploads
from pgsnap.storage.url import SCHEMES, ObjectURL, is_remote, parse_url

__all__ = [
    "SCHEMES",
    "ObjectInfo",
    "ObjectURL",
    "RemoteFile",
    "RemoteOutput",
    "Upload",
    "abort_upload",
    "delete_object",
    "exists",
    "is_remote",
    "list_objects",
    "list_uploads",
    "open_object",
    "parse_url",
    "read_head",
]
