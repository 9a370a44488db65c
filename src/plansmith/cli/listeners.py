"""A listening socket per worker for ``plansmith serve --workers N``, all on the same port.

uvicorn's supervisor binds one socket and hands it to every worker. A worker's event loop
accepts every pending connection when it wakes, so a burst of new connections goes mostly to
whichever worker woke first, and with keep-alive the imbalance lasts as long as the
connections: on the issue 6 benchmark ``wrk``'s 50 connections went 3, 33, 7 and 7 to four
workers, and the p95 was the busiest worker's queue (docs/benchmarks.md). With ``SO_REUSEPORT``
each worker listens on a socket of its own and the kernel spreads new connections over them by
a hash of their addresses, whatever each worker is doing at the time.

uvicorn's supervisor still runs the workers (health checks, restarts, signals); what it is given
is a placeholder: a socket bound with ``SO_REUSEPORT`` that never listens. It reserves the port
and refuses a taken one before any worker starts; a socket that is bound but not listening
takes no connections. When the supervisor pickles it for a new worker (uvicorn spawns them),
what the worker unpickles is not a copy but a fresh socket bound to the same address, which the
worker's server then listens on. A restarted worker binds again the same way. uvicorn offers no
option for this (it shares one socket between workers), hence this module.
"""

from __future__ import annotations

import socket
from typing import Any, TypeVar

_Socket = TypeVar("_Socket", bound=socket.socket)

# Not on Windows (nor on some other systems): there the workers share uvicorn's one socket.
PER_WORKER_SOCKETS = hasattr(socket, "SO_REUSEPORT")


def bind_reusable(family: int, address: tuple[Any, ...]) -> socket.socket:
    """A stream socket bound to ``address`` that other sockets of this user may share."""
    sock = _bound(socket.socket(family, socket.SOCK_STREAM), address)
    sock.set_inheritable(True)
    return sock


def _bound(sock: _Socket, address: tuple[Any, ...]) -> _Socket:
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


class WorkerSocketPlaceholder(socket.socket):
    """Bound, never listening; each worker process receives its own socket in its place."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (bind_reusable, (int(self.family), self.getsockname()))


def placeholder_socket(host: str, port: int) -> WorkerSocketPlaceholder:
    """The socket to give uvicorn's supervisor. Raises ``OSError`` when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return _bound(WorkerSocketPlaceholder(family, socket.SOCK_STREAM), (host, port))
