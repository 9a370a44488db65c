"""Aside: work in a forked child when the process has no other threads, the same work in the
caller when it cannot fork or the child fails, and no child left behind.

The forking cases run in a fresh interpreter: in the whole suite other tests' servers keep
threads alive in this process, where Aside rightly does not fork."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from plansmith.services.side_process import Aside


def _in_a_fresh_process(body: str) -> None:
    code = "import os, threading\nfrom plansmith.services.side_process import Aside\n"
    code += "assert threading.active_count() == 1\n" + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_work_runs_in_a_child_and_its_result_comes_back() -> None:
    _in_a_fresh_process("""
        here = os.getpid()
        with Aside(lambda: (os.getpid(), {"tasks": list(range(1000))})) as aside:
            assert aside.forked
            pid, data = aside.result()
        assert pid != here, "the work ran in the caller"
        assert data == {"tasks": list(range(1000))}
    """)


def test_a_failing_child_is_redone_by_the_caller() -> None:
    _in_a_fresh_process("""
        here = os.getpid()

        def work():
            if os.getpid() != here:
                raise RuntimeError("only in the child")
            return 42

        with Aside(work) as aside:
            assert aside.forked
            assert aside.result() == 42
    """)


def test_a_child_whose_result_is_not_asked_for_is_stopped() -> None:
    _in_a_fresh_process("""
        reader, writer = os.pipe()  # the child waits on a pipe nobody writes to
        try:
            with Aside(lambda: os.read(reader, 1)) as aside:
                pid = aside._child[0]
                raise ValueError("the caller failed")
        except ValueError:
            pass
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass  # already reaped: no zombie left
        else:
            raise AssertionError("the child was not reaped")
    """)


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
