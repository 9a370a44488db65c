"""``uvicorn`` with its pre-bound listening socket marked as TCP, for ``api_load.py
--tcp-nodelay``: what the API's latency would be once uvicorn's multi-worker Nagle problem is
fixed.

With ``--workers N`` uvicorn binds the socket itself (``Config.bind_socket``) as
``socket.socket(family)``, whose ``proto`` is 0; the accepted connections inherit it, and
asyncio only switches Nagle's algorithm off (``TCP_NODELAY``) on sockets whose ``proto`` is
``IPPROTO_TCP``. A response written in two pieces (headers, then body) then waits for the
client's delayed ACK, about 40 ms on Linux (upstream: Kludex/uvicorn issue 3149). Here the bound
socket is rebuilt from its descriptor, which lets Python read the real protocol (6); nothing
else changes. Usage: the same arguments as ``uvicorn``.
"""

from __future__ import annotations

import socket

import uvicorn.config


def _bind_socket_tcp(self: uvicorn.config.Config) -> socket.socket:
    bound = _bind_socket(self)
    if bound.family not in (socket.AF_INET, socket.AF_INET6):
        return bound
    rebuilt = socket.socket(fileno=bound.detach())  # family, type and proto read from the fd
    rebuilt.set_inheritable(True)
    return rebuilt


_bind_socket = uvicorn.config.Config.bind_socket
uvicorn.config.Config.bind_socket = _bind_socket_tcp  # type: ignore[method-assign]

if __name__ == "__main__":  # the workers import this module again (spawn) and must not run it
    from uvicorn.main import main

    main()
