"""Other tools' files through MPXJ (the mpxj extra, on a Java runtime): converted to MS Project
XML and read as any other, with the same fidelity report and date check.

The test writes an MPX file with MPXJ from a real MS Project file, so what is read back went
through a format that keeps days only; the dates are then compared to the day.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plansmith.services.mspdi import read_mspdi_plan

DATA = Path(__file__).resolve().parents[2] / "data" / "mspdi"


def _java_reason() -> str | None:
    try:
        import jpype
        import mpxj  # noqa: F401
    except ImportError:
        return "the mpxj extra is not installed"
    try:
        jpype.getDefaultJVMPath()
    except jpype.JVMNotFoundException:
        return "no Java runtime found (scripts/system-deps.sh installs one)"
    return None


needs_java = pytest.mark.skipif(_java_reason() is not None, reason=_java_reason() or "")


@pytest.fixture(scope="module")
def mpx_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from plansmith.io.mspdi.mpxj import _started

    _started()
    from org.mpxj.mpx import MPXWriter
    from org.mpxj.reader import UniversalProjectReader

    target = tmp_path_factory.mktemp("mpx") / "links.mpx"
    project = UniversalProjectReader().read(str(DATA / "task-links-project2010-mspdi.xml"))
    MPXWriter().write(project, str(target))
    return target


@needs_java
def test_an_mpx_file_reads_through_mpxj_with_its_dates_to_the_day(mpx_file: Path) -> None:
    result = read_mspdi_plan(mpx_file)
    assert result.ok, result.diagnostics
    assert result.dates.by_day
    assert result.dates.compared == 16
    assert result.dates.same
    assert result.plan is not None
    assert result.plan.spec is not None
    lags = sorted(str(d.lag) for t in result.plan.spec.tasks for d in t.depends)
    assert lags == ["10d", "1d", "2d", "2d", "2d", "2d", "5d"]
    assert result.imported.filename == "links.mpx (as MPXJ converted it)"


@needs_java
def test_convert_takes_the_file_on_the_command_line(mpx_file: Path, tmp_path: Path) -> None:
    plansmith = Path(sys.executable).parent / "plansmith"
    plan = tmp_path / "links.yaml"
    done = subprocess.run(
        [str(plansmith), "convert", str(mpx_file), "-o", str(plan)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "to the day" in done.stderr
    assert plan.read_text().startswith("project:")


@needs_java
def test_a_file_mpxj_cannot_read_is_one_located_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mpp"
    broken.write_bytes(b"this is not a project file")
    result = read_mspdi_plan(broken)
    [problem] = result.diagnostics
    assert problem.code == "mpxj_unreadable"
    assert problem.location is not None
    assert problem.location.file == str(broken)
    assert not result.ok


def test_without_the_extra_the_message_says_what_to_install(tmp_path: Path) -> None:
    # A fresh interpreter in which the mpxj package cannot be imported.
    script = (
        "import sys; sys.modules['mpxj'] = None\n"
        "from pathlib import Path\n"
        "from plansmith.services.mspdi import read_mspdi_plan\n"
        f"[d] = read_mspdi_plan(Path({str(tmp_path / 'plan.mpp')!r})).diagnostics\n"
        "print(d.code, d.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    code, message = done.stdout.split(" ", 1)
    assert code == "mpxj_unavailable"
    assert "pip install 'plansmith[mpxj]'" in message
