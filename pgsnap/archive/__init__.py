"""The pgsnap archive: one compressed file that is a psql script and a seekable archive.

The file is a run of independent zstd frames (or gzip members), so ``zstd -dc`` or
``gzip -dc`` prints a psql script, and a parallel loader can decompress any frame on
its own.  The manifest (JSON in an SQL comment) is the last real frame, and a small
fixed-size footer that psql never sees points at it.  docs/format.md is the spec; keep
the two in step, and bump FORMAT_VERSION for any change an older reader would misread.

    codec.py    one frame in, one out (zstd, gzip): pure, safe in workers
    frames.py   FrameInfo, the header and manifest lines, frame checks
    footer.py   the fixed-size footer that points at the manifest
    writer.py   ArchiveWriter: appends frames, finishes with manifest and footer
    reader.py   ArchiveReader: a seekable file, frames on demand
    stream.py   iter_stream_frames: a pipe, read once front to back
"""

from __future__ import annotations

from pgsnap.archive.codec import (
    CODECS,
    MAX_FRAME_RAW_BYTES,
    codec_for_path,
    compress_frame,
    crc32,
    decompress_frame,
)
from pgsnap.archive.footer import (
    FOOTER_SIZES,
    GZIP_FOOTER_SIZE,
    ZSTD_FOOTER_SIZE,
    decode_footer,
    encode_footer,
)
from pgsnap.archive.frames import (
    FORMAT_VERSION,
    FRAME_TARGET_BYTES,
    HEADER_MARKER,
    MANIFEST_PREFIX,
    FrameInfo,
    frame_problem,
    opens_copy,
    parse_header,
    parse_manifest,
)
from pgsnap.archive.reader import ArchiveReader, FrameFile
from pgsnap.archive.stream import iter_stream_frames
from pgsnap.archive.writer import ArchiveWriter

__all__ = [
    "CODECS",
    "FOOTER_SIZES",
    "FORMAT_VERSION",
    "FRAME_TARGET_BYTES",
    "GZIP_FOOTER_SIZE",
    "HEADER_MARKER",
    "MANIFEST_PREFIX",
    "MAX_FRAME_RAW_BYTES",
    "ZSTD_FOOTER_SIZE",
    "ArchiveReader",
    "ArchiveWriter",
    "FrameFile",
    "FrameInfo",
    "codec_for_path",
    "compress_frame",
    "crc32",
    "decode_footer",
    "decompress_frame",
    "encode_footer",
    "frame_problem",
    "iter_stream_frames",
    "opens_copy",
    "parse_header",
    "parse_manifest",
]
