"""A ``multipart/form-data`` request body with one file, read from the file while it is sent.

``requests``' own ``files=`` builds the whole body in memory; an OceanBase RPM is hundreds of
megabytes. This body has a length (so the request carries Content-Length), is read in chunks by
http.client, reports the file's bytes sent so far, and digests itself for the AK/SK signature
(:func:`ocpdash.ocp.auth.content_md5`) by reading the file once more.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from typing import IO

CHUNK = 256 * 1024


class MultipartFile:
    def __init__(
        self,
        field: str,
        file_name: str,
        fileobj: IO[bytes],
        *,
        size: int | None = None,
        content_type: str = "application/octet-stream",
        progress: Callable[[int], None] | None = None,
    ) -> None:
        boundary = uuid.uuid4().hex
        quoted = file_name.replace("\\", "\\\\").replace('"', '\\"')
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self._head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._file = fileobj
        self._start = fileobj.tell()
        if size is None:
            size = fileobj.seek(0, os.SEEK_END) - self._start
            fileobj.seek(self._start)
        self._size = size
        self._progress = progress
        self._rewind()

    def _rewind(self) -> None:
        self._file.seek(self._start)
        self._pending = self._head
        self._sent = 0
        self._done = False

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk

    def read(self, n: int = -1) -> bytes:
        n = CHUNK if n is None or n < 0 else n
        if self._pending:
            out, self._pending = self._pending[:n], self._pending[n:]
            return out
        if self._sent < self._size:
            data = self._file.read(min(n, self._size - self._sent))
            if not data:
                raise OSError(f"The file ended after {self._sent} of {self._size} bytes.")
            self._sent += len(data)
            if self._progress is not None:
                self._progress(self._sent)
            return data
        if not self._done:
            self._done, self._pending = True, self._tail
            return self.read(n)
        return b""

    def content_md5(self) -> str:
        """Upper-case hex MD5 of the whole body (AK/SK signing), then ready to send from the start."""
        digest = hashlib.md5(self._head, usedforsecurity=False)
        self._file.seek(self._start)
        left = self._size
        while left > 0:
            data = self._file.read(min(CHUNK, left))
            if not data:
                break
            digest.update(data)
            left -= len(data)
        digest.update(self._tail)
        self._rewind()
        return digest.hexdigest().upper()
