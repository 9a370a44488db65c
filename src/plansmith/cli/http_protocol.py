"""The HTTP protocol ``plansmith serve`` gives uvicorn: httptools' parser when it is installed
(h11's otherwise), with Nagle's algorithm off.

httptools (a C parser) costs less CPU a request than h11 (pure Python): on the issue 6
benchmark the task-list reads took 0.7 ms of server CPU with httptools and uvloop against
0.9 ms with h11 and asyncio's loop (docs/benchmarks.md). uvicorn picks uvloop by itself.

With ``--workers`` uvicorn binds the listening socket itself with protocol number 0, and asyncio
only sets ``TCP_NODELAY`` on sockets it knows to be TCP; a response written in two pieces then
waits for the client's delayed ACK, about 40 ms on Linux (measured: a PATCH took 44-48 ms with
two workers against 4-5 ms with one; upstream issue Kludex/uvicorn#3149). Passing a protocol
class is uvicorn's own way to configure the connection, so this sets the option on each one.
``NO_DELAY_PROTOCOL`` names the class as an import string: uvicorn pickles its configuration for
each worker it spawns, and a string is what every worker can import.

With Nagle's algorithm off, each of uvicorn's writes goes out at once as a packet of its own,
and uvicorn writes a response in two (the status line and headers, then the body): two
packets, two system calls and two wake-ups of the client for every answer. The protocol hands
uvicorn a transport that gathers what is written during one step of the event loop and sends
it in one write when the step ends, before the loop waits for anything: a response whose body
follows its headers at once (every response of the API but a stream) leaves as one packet,
and nothing waits for a timer as it would with Nagle. On the issue 6 benchmark the task-list
reads went from 2,573 to 2,773 requests/s and their p95 from 31 to 24 ms (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


def _no_delay(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# Written at once beyond this much, so that a body streamed without pause is not held back
# from the transport's flow control.
_GATHER_AT_MOST = 64 * 1024


class GatheringTransport:
    """The connection's transport, with the writes of one event-loop step sent as one."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(bytes(data))
        self._size += len(data)
        if self._size >= _GATHER_AT_MOST:
            self._flush()

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def _flush(self) -> None:
        if self._pending:
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending.clear()
            self._size = 0
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._size + self._transport.get_write_buffer_size()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)


def _prepared(transport: asyncio.Transport) -> asyncio.Transport:
    _no_delay(transport)
    return GatheringTransport(transport)  # type: ignore[return-value]


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_prepared(transport))


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is missing (uvicorn imports it there)
    NO_DELAY_PROTOCOL = f"{__name__}:NoDelayH11Protocol"
else:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_prepared(transport))

    NO_DELAY_PROTOCOL = f"{__name__}:NoDelayHttpToolsProtocol"
