"""``plansmith serve --workers N``: each worker listens on a socket of its own, on one port.

What is checked is what the kernel reports (``/proc/net/tcp`` and each process's open files),
not what the code meant to do: N listening sockets on the port, one in each worker and none in
the supervisor, and every new connection answered (the supervisor's placeholder, bound but not
listening, must take none). A taken port is refused with one line before any worker starts.
"""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import httpx
import pytest
from tests.cli_env import cli_env, free_port

from plansmith.cli import listeners

PLANSMITH = Path(sys.executable).parent / "plansmith"
WORKERS = 3
READY_POLLS = 600  # x up to 0.1 s: the first start hashes the administrator's password
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp

pytestmark = pytest.mark.skipif(
    not listeners.PER_WORKER_SOCKETS or not Path("/proc/net/tcp").exists(),
    reason="needs SO_REUSEPORT and Linux's /proc",
)


def _listening_inodes(port: int) -> set[int]:
    """The inodes of the sockets listening on ``port``, from the kernel's table."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], int(fields[9])
        if state == LISTEN and int(local.split(":")[1], 16) == port:
            inodes.add(inode)
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed since the listing
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen(
        [str(PLANSMITH), "serve", "--port", str(port), "--workers", str(WORKERS)],
        env=cli_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(READY_POLLS):
            # every worker up: as many listening sockets as workers (the health check alone
            # would pass with the first)
            if len(_listening_inodes(port)) == WORKERS:
                break
            try:
                process.wait(timeout=0.1)  # returns early only if the server died
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"the server exited with {process.returncode}: {process.stdout}")
        yield process, port
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=60)
        assert "Traceback" not in out, out


def test_each_worker_listens_on_a_socket_of_its_own(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = server
    listening = _listening_inodes(port)
    workers = _children(process.pid)
    # multiprocessing's resource tracker is a child too, with no socket
    owners = {pid: _socket_inodes(pid) & listening for pid in workers}
    owners = {pid: inodes for pid, inodes in owners.items() if inodes}
    assert len(listening) == WORKERS
    assert len(owners) == WORKERS, owners
    assert all(len(inodes) == 1 for inodes in owners.values()), owners
    assert set().union(*owners.values()) == listening
    assert not _socket_inodes(process.pid) & listening  # the supervisor's socket never listens


def test_every_new_connection_is_answered(server: tuple[subprocess.Popen[str], int]) -> None:
    """A connection the kernel gave to a socket nobody accepts on would time out here."""
    _, port = server
    for _ in range(60):
        with httpx.Client(timeout=10) as client:  # a new connection each time
            answer = client.get(f"http://127.0.0.1:{port}/api/v1/health")
        assert answer.status_code == 200


def test_a_taken_port_is_refused_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(PLANSMITH), "serve", "--port", str(port), "--workers", "2"],
            env=cli_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error[cannot_listen]: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_a_worker_unpickles_a_fresh_socket_on_the_same_address() -> None:
    placeholder = listeners.placeholder_socket("127.0.0.1", 0)
    with placeholder:
        received = pickle.loads(ForkingPickler.dumps(placeholder))
        with received:
            assert type(received) is socket.socket
            assert received.fileno() != placeholder.fileno()
            assert received.getsockname() == placeholder.getsockname()
            assert received.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
