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


#: A zip's end of central directory record, and one entry of its central directory.
_END = struct.Struct("<4sHHHHIIH")
_ENTRY = struct.Struct("<4sHHHHHHIIIHHHHHII")
#: The compression methods :class:`Members` reads: stored, deflated, Zstandard.
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, ZIP_ZSTD)


#: A member's compression method, CRC, packed size, size, local header offset, name.
_Entry = tuple[int, int, int, int, int, bytes]


class _Unusual(Exception):
    """A zip :class:`Members` leaves to Python's zipfile, which says what is wrong."""


class Members:
    """The members of a zip as one pass over its central directory lists them:
    ``names``, and :meth:`read` for a member's bytes. :meth:`of` gives None for any
    zip out of the ordinary (zip64, encrypted, split, data before the zip, a name
    twice, an unknown compression): :func:`_read_member` over Python's zipfile reads
    those, and says what is wrong with a bad one."""

    def __init__(self, handle: IO[bytes], entries: dict[str, _Entry]) -> None:
        self.handle = handle
        self.entries = entries
        self.names = entries.keys()

    @classmethod
    def of(cls, handle: IO[bytes]) -> Members | None:
        try:
            return cls(handle, _central_directory(handle))
        except (_Unusual, struct.error, OSError, ValueError):
            return None

    def read(self, name: str) -> bytes:
        """The member's bytes, checked against its size and CRC; :class:`_Unusual` for
        anything amiss (the caller then reads the zip with zipfile)."""
        method, crc, packed, size, offset, name_bytes = self.entries[name]
        if size > MAX_MEMBER_BYTES:
            raise _Unusual(name)
        self.handle.seek(offset)
        local = self.handle.read(30 + len(name_bytes))
        if local[:4] != b"PK\x03\x04" or local[30:] != name_bytes:
            raise _Unusual(name)
        name_length, extra_length = struct.unpack_from("<HH", local, 26)
        self.handle.seek(offset + 30 + name_length + extra_length)
        raw = self.handle.read(packed)
        if method == zipfile.ZIP_STORED:
            data = raw
        elif method == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(raw, MAX_MEMBER_BYTES + 1)
        elif zstandard.frame_content_size(raw) in (-1, size):  # never more than it declares
            data = zstandard.ZstdDecompressor().decompress(raw, max_output_size=size)
        else:
            raise _Unusual(name)
        if len(data) != size or zlib.crc32(data) != crc:
            raise _Unusual(name)
        return data


def _central_directory(handle: IO[bytes]) -> dict[str, _Entry]:
    """Each member's (method, CRC, packed size, size, local header offset, name bytes)."""
    size = handle.seek(0, 2)
    tail_size = min(size, _END.size + 2**16 - 1)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + _END.size > len(tail):
        raise _Unusual("no end record")
    _, disk, start_disk, on_disk, count, directory_size, directory_at, comment = _END.unpack_from(
        tail, end
    )
    at = size - tail_size + end - directory_size  # where the directory is
    if (
        disk
        or start_disk
        or on_disk != count
        or end + _END.size + comment != len(tail)
        or directory_at != at  # data before the zip, or a zip64 directory
        or (end >= 20 and tail[end - 20 : end - 16] == b"PK\x06\x07")
    ):
        raise _Unusual("zip64, split, or data before the zip")
    handle.seek(at)
    directory = handle.read(directory_size)
    entries: dict[str, _Entry] = {}
    position = 0
    for _ in range(count):
        fields = _ENTRY.unpack_from(directory, position)
        sig, version, flags, method, crc, packed, unpacked = fields[0], *fields[2:5], *fields[7:10]
        name_length, extra, note, offset = *fields[10:13], fields[16]
        position += _ENTRY.size
        name_bytes = directory[position : position + name_length]
        position += name_length + extra + note
        if sig != b"PK\x01\x02" or flags & 0x61 or method not in _METHODS or version > 63:
            raise _Unusual("encrypted, patched, or an unknown compression or version")
        if 0xFFFFFFFF in (packed, unpacked, offset) or len(name_bytes) != name_length:
            raise _Unusual("zip64")
        name = name_bytes.decode("utf-8" if flags & 0x800 else "cp437")
        if name in entries:
            raise _Unusual("a name twice")
        entries[name] = (method, crc, packed, unpacked, offset, name_bytes)
    if position != len(directory):
        raise _Unusual("the directory's size")
    return entries
