"""Members of an ``.eval`` (a zip): their bytes, Zstandard-compressed ones included,
never more than :data:`MAX_MEMBER_BYTES` of them whatever a member's header declares."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from typing import IO

import zstandard

#: The zip compression method Inspect writes .eval members with since 2025 (Zstandard);
#: Python's zipfile reads it only from 3.14, so those members are decompressed here.
ZIP_ZSTD = 93


#: The most bytes one member of an ``.eval`` may inflate to (a sample summary list
#: of 10^5 samples is about 100 MB): a larger one, or one whose data inflates past
#: its declared size (a zip bomb), makes the file bad instead of taking the memory.
#: ``BUDGETCURVES_MAX_MEMBER_MB`` sets it.
MAX_MEMBER_BYTES = int(float(os.environ.get("BUDGETCURVES_MAX_MEMBER_MB", "512")) * 2**20)


def _too_large(name: str, size: int | str) -> zipfile.BadZipFile:
    limit = MAX_MEMBER_BYTES / 2**20
    return zipfile.BadZipFile(
        f"member {name} inflates to {size} bytes, more than the {limit:g} MB a member may "
        "take (BUDGETCURVES_MAX_MEMBER_MB)"
    )


def _read_at_most(stream: IO[bytes], name: str) -> bytes:
    """All of ``stream``, or :func:`_too_large` once it passes :data:`MAX_MEMBER_BYTES`."""
    chunks, total = [], 0
    while chunk := stream.read(min(2**24, MAX_MEMBER_BYTES + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_MEMBER_BYTES:
            raise _too_large(name, f"more than {MAX_MEMBER_BYTES}")
    return b"".join(chunks)


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """A zip member's bytes, Zstandard-compressed ones included, at most
    :data:`MAX_MEMBER_BYTES` of them whatever the member's header declares."""
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise _too_large(name, info.file_size)
    if info.compress_type != ZIP_ZSTD:
        with archive.open(name) as member:
            return _read_at_most(member, name)
    fp = archive.fp
    if fp is None:
        raise zipfile.BadZipFile("archive is closed")
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {name}")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    fp.seek(info.header_offset + 30 + name_length + extra_length)
    raw = fp.read(info.compress_size)
    if len(raw) < info.compress_size:
        raise zipfile.BadZipFile(f"{name} is truncated")
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(raw), read_across_frames=True
        )
        data = _read_at_most(reader, name)
    except zstandard.ZstdError as exc:
        raise zipfile.BadZipFile(f"{name}: bad Zstandard data: {exc}") from None
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"{name}: checksum mismatch")
    return data
