"""The HTTP protocol ``plansmith serve`` gives uvicorn: h11's, with Nagle's algorithm off.

With ``--workers`` uvicorn binds the listening socket itself with protocol number 0, and asyncio
only sets ``TCP_NODELAY`` on sockets it knows to be TCP; a response written in two pieces then
waits for the client's delayed ACK, about 40 ms on Linux (measured: a PATCH took 44-48 ms with
two workers against 4-5 ms with one; upstream issue Kludex/uvicorn#3149). Passing a protocol
class is uvicorn's own way to configure the connection, so this sets the option on each one.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
