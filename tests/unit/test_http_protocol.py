"""The transport ``plansmith serve`` gives uvicorn: what is written in one step of the event
loop leaves in one write when the step ends, over a real socket pair."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from plansmith.cli.http_protocol import _GATHER_AT_MOST, GatheringTransport


async def _pair() -> tuple[GatheringTransport, asyncio.Transport, socket.socket]:
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(asyncio.Protocol, sock=ours)
    return GatheringTransport(transport), transport, peer


def _received(peer: socket.socket) -> bytes:
    try:
        return peer.recv(1 << 20)
    except BlockingIOError:
        return b""


def _run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """In a thread of its own: earlier tests in the session (Playwright's sync API) may have
    left an event loop running in this one."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(lambda: asyncio.run(test())).result()


def test_writes_of_one_step_leave_together_when_it_ends() -> None:
    async def test() -> None:
        gathering, transport, peer = await _pair()
        gathering.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        gathering.write(memoryview(b"{}"))
        assert _received(peer) == b""  # nothing sent while the step runs
        assert gathering.get_write_buffer_size() == 40
        await asyncio.sleep(0)  # the step ends
        assert _received(peer) == b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
        gathering.write(b"next")
        await asyncio.sleep(0)
        assert _received(peer) == b"next"
        transport.close()
        peer.close()

    _run(test)


def test_close_sends_what_is_pending_and_abort_drops_it() -> None:
    async def test() -> None:
        gathering, _, peer = await _pair()
        gathering.writelines([b"last ", b"words"])
        gathering.close()
        await asyncio.sleep(0.01)  # the loop closes the socket after sending
        assert _received(peer) == b"last words"
        assert _received(peer) == b""  # end of stream
        peer.close()

        gathering, _, peer = await _pair()
        gathering.write(b"never sent")
        gathering.abort()
        await asyncio.sleep(0.01)
        assert _received(peer) == b""
        peer.close()

    _run(test)


def test_a_large_body_is_not_held_back() -> None:
    async def test() -> None:
        gathering, transport, peer = await _pair()
        gathering.write(b"x" * (_GATHER_AT_MOST - 1))
        assert _received(peer) == b""
        gathering.write(b"y")  # reaches the limit: written at once
        received = b""
        while len(received) < _GATHER_AT_MOST:
            chunk = await asyncio.get_running_loop().sock_recv(peer, 1 << 20)
            assert chunk
            received += chunk
        assert received == b"x" * (_GATHER_AT_MOST - 1) + b"y"
        transport.close()
        peer.close()

    _run(test)


@pytest.mark.parametrize("name", ["is_closing", "get_extra_info", "pause_reading"])
def test_everything_else_is_the_transports_own(name: str) -> None:
    async def test() -> None:
        gathering, transport, peer = await _pair()
        assert getattr(gathering, name) == getattr(transport, name)
        transport.close()
        peer.close()

    _run(test)
