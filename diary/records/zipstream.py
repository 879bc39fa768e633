"""A ZIP written as it is sent: zipfile over a write-only sink that a generator drains.

zipfile writes to an unseekable file with data descriptors after each member, so nothing
has to be rewound and the archive never sits whole in memory (no new dependency needed).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

# Bytes gathered before a piece is handed to the server.
PIECE_SIZE = 64 * 1024


class _Sink(io.RawIOBase):
    """A write-only file that only remembers what was written since the last drain."""

    def __init__(self) -> None:
        super().__init__()
        self._pieces: list[bytes] = []
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: D102 (file protocol)
        self._pieces.append(bytes(data))
        self._size += len(data)
        return len(data)

    def pending(self) -> int:
        """Bytes waiting to be drained."""
        return self._size

    def drain(self) -> bytes:
        """Everything written since the last drain."""
        data = b"".join(self._pieces)
        self._pieces, self._size = [], 0
        return data


Member = tuple[str, Iterable[bytes]]


def stream_zip(members: Iterable[Member], moment: datetime) -> Iterator[bytes]:
    """The ZIP of (name, chunks) members, a piece at a time; every member dated `moment`."""
    sink = _Sink()
    stamp = moment.timetuple()[:6]
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            with archive.open(info, mode="w") as member:
                for chunk in chunks:
                    member.write(chunk)
                    if sink.pending() >= PIECE_SIZE:
                        yield sink.drain()
            yield sink.drain()
    yield sink.drain()
