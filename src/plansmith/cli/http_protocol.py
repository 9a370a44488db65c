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
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def _no_delay(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is missing (uvicorn imports it there)
    NO_DELAY_PROTOCOL = f"{__name__}:NoDelayH11Protocol"
else:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)

    NO_DELAY_PROTOCOL = f"{__name__}:NoDelayHttpToolsProtocol"
