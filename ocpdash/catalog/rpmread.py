"""Reading an RPM file: its header (with ``rpmfile``), its digests, and one file of its payload.

Pure Python, no Django: it works on any seekable binary file and reads it in bounded chunks, so a
file of any size costs a few megabytes of memory.

What an RPM holds (rpm's file format, v4): a 96-byte lead, a signature header, the main header, and
the payload (a cpio archive, usually compressed). The digests checked here:

- the signature header's SHA-256 (or, from older rpm, SHA-1) of the main header;
- the main header's ``PAYLOADDIGEST`` (rpm ≥ 4.14) of the compressed payload;
- the signature header's MD5 of the main header and payload (every rpm 4), checked when the two
  above are not both there (older rpm).

A file whose digests do not match is corrupted (or truncated) and is refused.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import rpmfile

LEAD_MAGIC = b"\xed\xab\xee\xdb"
HEADER_MAGIC = b"\x8e\xad\xe8\x01"
LEAD_SIZE = 96
CHUNK = 1 << 20
DEP_FILE_NAME = "oceanbase_upgrade_dep.yml"
DEP_FILE_MAX_BYTES = 1 << 20
# rpm's PGPHASHALGO numbers, as PAYLOADDIGESTALGO names them.
HASH_ALGOS = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512", 11: "sha224"}
CPIO_NEWC = (b"070701", b"070702")
CPIO_HEADER = 110


class RpmReadError(ValueError):
    """The file is not an RPM ocpdash can read, or it is corrupted; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RpmContents:
    """What the file says about itself, and what was checked."""

    name: str
    version: str
    release: str
    arch: str
    compressor: str
    size: int = 0
    sha1: str = ""
    sha256: str = ""
    checks: list[str] = field(default_factory=list)
    dep_path: str = ""  # path of the oceanbase_upgrade_dep.yml in the payload, if any
    dep_text: str = ""

    @property
    def build(self) -> str:
        return self.release.rpartition(".")[0] or self.release

    @property
    def dist(self) -> str:
        return self.release.rpartition(".")[2] if "." in self.release else ""

    def header_summary(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "release": self.release,
            "arch": self.arch,
            "payload_compressor": self.compressor,
        }


def read_rpm(handle: BinaryIO, progress: Callable[[int], None] | None = None) -> RpmContents:
    """Read and check ``handle`` (seekable, binary) from its start: the header, every digest it
    carries, and the upgrade dependency file when the payload has one. RpmReadError when it is not
    an RPM or does not match its digests."""
    headers, header_range = _headers(handle)
    contents = RpmContents(
        name=_text(headers.get("name")),
        version=_text(headers.get("version")),
        release=_text(headers.get("release")),
        arch=_text(headers.get("arch")),
        compressor=_text(headers.get("archive_compression")) or "none",
    )
    digests = _digest_file(handle, header_range, headers, progress)
    contents.size, contents.sha1, contents.sha256 = digests.size, digests.sha1, digests.sha256
    contents.checks = _check_digests(headers, digests)
    dep_path = _dep_file_in_header(headers)
    if dep_path:
        handle.seek(header_range[1])
        contents.dep_path = dep_path
        contents.dep_text = _read_member(handle, contents.compressor, dep_path)
    return contents


def _headers(handle: BinaryIO) -> tuple[dict, tuple[int, int]]:
    handle.seek(0)
    lead = handle.read(LEAD_SIZE + len(HEADER_MAGIC))
    if not lead.startswith(LEAD_MAGIC):
        raise RpmReadError("This is not an RPM file (no RPM lead at its start).")
    if len(lead) < LEAD_SIZE + len(HEADER_MAGIC) or lead[LEAD_SIZE:] != HEADER_MAGIC:
        raise RpmReadError("The RPM's signature header is missing or damaged: the file is corrupted.")
    handle.seek(0)
    try:
        rpm = rpmfile.open(fileobj=handle)
        return rpm.headers, rpm.header_range
    except Exception as exc:  # rpmfile raises assertion, struct and index errors on damaged headers
        raise RpmReadError(
            f"The RPM header cannot be read ({type(exc).__name__}): the file is corrupted."
        ) from exc


def _text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else b""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


@dataclass
class _Digests:
    size: int
    sha1: str
    sha256: str
    header: dict[str, str]  # algorithm -> hex digest of the main header
    payload: str  # hex digest of the payload with the header's algorithm ("" when none)
    header_and_payload_md5: bytes | None


def _digest_file(handle: BinaryIO, header_range, headers: dict, progress) -> _Digests:
    """One pass over the file: its own SHA-1 and SHA-256, and the digests its headers carry."""
    start, end = header_range
    whole_sha1, whole_sha256 = hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    header_sha1, header_sha256 = hashlib.sha1(usedforsecurity=False), hashlib.sha256()
    algo = HASH_ALGOS.get(headers.get("payloaddigestalgo") or 0)
    payload = hashlib.new(algo) if algo and headers.get("payloaddigest") else None
    # The legacy MD5 of header and payload only when nothing stronger covers both (rpm < 4.14).
    header_signed = bool(headers.get("sha256") or headers.get("md5"))
    md5 = None if payload is not None and header_signed else hashlib.md5(usedforsecurity=False)
    handle.seek(0)
    position = 0
    while chunk := handle.read(CHUNK):
        view = memoryview(chunk)
        whole_sha1.update(view)
        whole_sha256.update(view)
        low, high = position, position + len(view)
        if low < end and high > start:  # the main header
            part = view[max(start - low, 0) : min(end, high) - low]
            header_sha1.update(part)
            header_sha256.update(part)
        if md5 is not None and high > start:  # header and payload
            md5.update(view[max(start - low, 0) :])
        if payload is not None and high > end:
            payload.update(view[max(end - low, 0) :])
        position = high
        if progress is not None:
            progress(position)
    return _Digests(
        size=position,
        sha1=whole_sha1.hexdigest(),
        sha256=whole_sha256.hexdigest(),
        header={"sha1": header_sha1.hexdigest(), "sha256": header_sha256.hexdigest()},
        payload=payload.hexdigest() if payload is not None else "",
        header_and_payload_md5=md5.digest() if md5 is not None else None,
    )


CORRUPTED = "the file is corrupted or truncated"


def _check_digests(headers: dict, found: _Digests) -> list[str]:
    """Compare every digest the RPM carries; the list says what matched. RpmReadError on a mismatch,
    or when nothing covers the payload."""
    checks = []
    for key, algo, label in (("sha256", "sha256", "SHA-256"), ("md5", "sha1", "SHA-1")):
        # rpmfile names the signature header's SHA-1 of the main header "md5" (tag 269).
        expected = _text(headers.get(key)).lower()
        if expected:
            if expected != found.header[algo]:
                raise RpmReadError(f"The RPM header does not match its {label} digest: {CORRUPTED}.")
            checks.append(f"Header {label} digest matches.")
            break
    covered = False
    expected_payload = _text(headers.get("payloaddigest")).lower()
    if expected_payload and found.payload:
        algo = HASH_ALGOS[headers["payloaddigestalgo"]].upper().replace("SHA", "SHA-")
        if expected_payload != found.payload:
            raise RpmReadError(f"The payload does not match its {algo} digest in the header: {CORRUPTED}.")
        checks.append(f"Payload {algo} digest matches.")
        covered = True
    sigmd5 = headers.get("sigmd5")
    if found.header_and_payload_md5 is not None and isinstance(sigmd5, bytes) and len(sigmd5) == 16:
        if sigmd5 != found.header_and_payload_md5:
            raise RpmReadError(f"The header and payload do not match their MD5 digest: {CORRUPTED}.")
        checks.append("Header and payload MD5 digest matches.")
        covered = True
    if not covered:
        raise RpmReadError("The RPM carries no digest of its payload, so it cannot be checked.")
    return checks


def _dep_file_in_header(headers: dict) -> str:
    """The payload path of the oceanbase_upgrade_dep.yml, from the header's file list; one under an
    ``etc/`` folder first (OceanBase server RPMs carry it there)."""
    basenames = _list(headers.get("basenames"))
    dirnames = _list(headers.get("dirnames"))
    indexes = headers.get("dirindexes")
    if isinstance(indexes, int):
        indexes = (indexes,)
    indexes = indexes or ()
    paths = [
        dirnames[i].decode("utf-8", "replace") + base.decode("utf-8", "replace")
        for base, i in zip(basenames, indexes, strict=False)
        if base == DEP_FILE_NAME.encode() and 0 <= i < len(dirnames)
    ]
    paths.sort(key=lambda p: "/etc/" not in f"/{p}")
    return paths[0] if paths else ""


def _list(value) -> list[bytes]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _payload_stream(handle: BinaryIO, compressor: str):
    """The payload's cpio archive as a stream, and whether it is the file itself (uncompressed)."""
    if compressor in ("none", "identity", ""):
        return handle, True
    if compressor == "gzip":
        return gzip.GzipFile(fileobj=handle, mode="rb"), False
    if compressor in ("xz", "lzma"):
        return lzma.LZMAFile(handle), False
    if compressor == "bzip2":
        return bz2.BZ2File(handle), False
    if compressor == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(handle, read_across_frames=True), False
    raise RpmReadError(f"The payload is compressed with {compressor!r}, which ocpdash cannot read.")


def _read_member(handle: BinaryIO, compressor: str, wanted: str) -> str:
    """Walk the payload's cpio archive up to ``wanted`` and return its text."""
    wanted = wanted.lstrip("/")
    stream, raw = _payload_stream(handle, compressor)
    try:
        while True:
            head = _exact(stream, CPIO_HEADER)
            if head[:6] not in CPIO_NEWC:
                raise RpmReadError("The payload is not a cpio archive ocpdash can read.")
            size, name_size = int(head[54:62], 16), int(head[94:102], 16)
            name = _exact(stream, name_size)[:-1].decode("utf-8", "replace")
            _skip(stream, _pad(CPIO_HEADER + name_size), raw)
            if name == "TRAILER!!!":
                raise RpmReadError(
                    f"The header lists {wanted} but the payload does not hold it: {CORRUPTED}."
                )
            if name.removeprefix("./").lstrip("/") == wanted:
                if size > DEP_FILE_MAX_BYTES:
                    raise RpmReadError(f"{wanted} is larger than {DEP_FILE_MAX_BYTES} bytes.")
                return _exact(stream, size).decode("utf-8")
            _skip(stream, size + _pad(size), raw)
    except (EOFError, OSError, lzma.LZMAError, ValueError) as exc:
        if isinstance(exc, RpmReadError):
            raise
        raise RpmReadError(f"The payload cannot be read ({exc}): {CORRUPTED}.") from exc


def _pad(n: int) -> int:
    return (4 - n % 4) % 4


def _exact(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError("the payload ends early")
    return data


def _skip(stream, n: int, raw: bool) -> None:
    """Go ``n`` bytes on: a seek in an uncompressed payload, else read (and drop) in chunks."""
    if raw:
        stream.seek(n, os.SEEK_CUR)
        return
    while n > 0:
        data = stream.read(min(n, CHUNK))
        if not data:
            raise EOFError("the payload ends early")
        n -= len(data)
