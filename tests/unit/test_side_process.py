"""Aside: work in a forked child when the process has no other threads, the same work in the
caller when it cannot fork or the child fails, and no child left behind."""

from __future__ import annotations

import os
import threading

import pytest

from plansmith.services.side_process import Aside

ALONE = pytest.mark.skipif(
    threading.active_count() > 1, reason="another thread is running here: Aside does not fork"
)


@ALONE
def test_the_work_runs_in_a_child_and_its_result_comes_back() -> None:
    here = os.getpid()
    with Aside(lambda: (os.getpid(), {"tasks": list(range(1000))})) as aside:
        assert aside.forked
        pid, data = aside.result()
    assert pid != here
    assert data == {"tasks": list(range(1000))}


@ALONE
def test_a_failing_child_is_redone_by_the_caller() -> None:
    here = os.getpid()

    def work() -> int:
        if os.getpid() != here:
            raise RuntimeError("only in the child")
        return 42

    with Aside(work) as aside:
        assert aside.forked
        assert aside.result() == 42


def test_with_another_thread_running_the_caller_does_the_work() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with Aside(os.getpid) as aside:
            assert not aside.forked
            assert aside.result() == os.getpid()
    finally:
        stop.set()
        other.join()


@ALONE
def test_a_child_whose_result_is_not_asked_for_is_stopped() -> None:
    reader, writer = os.pipe()  # the child waits on a pipe nobody writes to
    try:
        with (  # noqa: PT012
            pytest.raises(ValueError, match="the caller failed"),
            Aside(lambda: os.read(reader, 1)) as aside,
        ):
            assert aside._child is not None
            pid = aside._child[0]
            raise ValueError("the caller failed")
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left
    finally:
        os.close(reader)
        os.close(writer)
