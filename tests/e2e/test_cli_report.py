"""``plansmith report`` as a subprocess: every format written to a file, a stored project by its
key, the portfolio summary, and each misuse as one line with its code and exit status."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from plansmith.reports.pdf import weasyprint_problem
from plansmith.services.money import evm_plan_file

PLANSMITH = Path(sys.executable).parent / "plansmith"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TRACKING = EXAMPLES / "erp-upgrade-tracking.yaml"


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLANSMITH), "report", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_markdown_status_report_of_a_plan_file(tmp_path: Path) -> None:
    out = tmp_path / "status.md"
    done = run(TRACKING, "--format", "md", "-o", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Wrote {out}"
    text = out.read_text(encoding="utf-8")
    evm = evm_plan_file(TRACKING).result.project
    assert f"| CV | {evm.cv:,.2f} |" in text
    assert f"| SPI | {evm.spi:.2f} |" in text
    assert "Status date: 2027-05-14" in text


def test_status_date_option_and_default_file_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(PLANSMITH), "report", str(TRACKING), "-f", "xlsx", "--status-date", "2027-04-30"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    written = tmp_path / "erp-upgrade-tracking-status-2027-04-30.xlsx"
    book = load_workbook(io.BytesIO(written.read_bytes()))
    assert book.sheetnames == ["Summary", "Tasks", "Costs", "Risks"]
    assert book["Summary"]["B2"].value.date().isoformat() == "2027-04-30"


@pytest.mark.skipif(weasyprint_problem() is not None, reason=str(weasyprint_problem()))
def test_pdf_status_report(tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "status.pdf"
    done = run(TRACKING, "--kind", "status", "--format", "pdf", "-o", out)
    assert done.returncode == 0, done.stderr
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(out.read_bytes())).pages
    )
    evm = evm_plan_file(TRACKING).result.project
    assert f"{evm.ac:,.2f}" in text
    assert "GREEN" in text


def test_portfolio_summary_of_plan_files(tmp_path: Path) -> None:
    out = tmp_path / "portfolio.html"
    done = run(EXAMPLES / "saas-launch.yaml", TRACKING, "--kind", "portfolio", "-o", out)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "Portfolio summary" in text
    assert "Pulse SaaS launch" in text
    assert "ERP upgrade to release 12" in text


def test_a_stored_project_by_its_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANSMITH_")}
    env.update(
        PLANSMITH_DATA_DIR=str(tmp_path / "data"),
        PLANSMITH_DATABASE_URL=f"sqlite:///{tmp_path / 'plansmith.db'}",
        PLANSMITH_DEMO="0",
    )
    upgraded = subprocess.run(
        [str(PLANSMITH), "db", "upgrade"], capture_output=True, text=True, env=env, check=False
    )
    assert upgraded.returncode == 0, upgraded.stderr
    imported = subprocess.run(
        [str(PLANSMITH), "import", str(TRACKING)], capture_output=True, text=True, env=env,
        check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    key = imported.stdout.strip()
    out = tmp_path / "stored.md"
    done = run(key, "-f", "md", "-o", out, env=env)
    assert done.returncode == 0, done.stderr
    from_file = tmp_path / "file.md"
    assert run(TRACKING, "-f", "md", "-o", from_file).returncode == 0
    assert out.read_text(encoding="utf-8") == from_file.read_text(encoding="utf-8")
    portfolio = run(key, "--kind", "portfolio", "-f", "md", "-o", tmp_path / "p.md", env=env)
    assert portfolio.returncode == 0, portfolio.stderr
    assert f"| {key} |" in (tmp_path / "p.md").read_text(encoding="utf-8")
    missing = run("no-such-project", "-o", tmp_path / "x.md", env=env)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error[not_found]: there is no project 'no-such-project'")


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        ((TRACKING, "--status-date", "2027-13-01"), 2, "invalid_date"),
        ((TRACKING, EXAMPLES / "saas-launch.yaml"), 2, "one_plan_only"),
        ((TRACKING, "some-key", "--kind", "portfolio"), 2, "mixed_targets"),
        ((TRACKING, "-o", "/no/such/directory/report.html"), 2, "output_not_writable"),
    ],
)
def test_misuse_is_one_line_with_its_code(
    args: tuple[str | Path, ...], status: int, code: str
) -> None:
    done = run(*args)
    assert done.returncode == status
    assert done.stderr.startswith(f"error[{code}]: ")
    assert "Traceback" not in done.stderr


def test_a_plan_with_errors_prints_its_located_diagnostics(tmp_path: Path) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("project: {id: p, name: P, start: 2027-01-04}\ntasks: 3\n", encoding="utf-8")
    done = run(plan, "-o", tmp_path / "r.md")
    assert done.returncode == 1
    assert f"{plan}:2:8: error[invalid_type]" in done.stderr
    assert not (tmp_path / "r.md").exists()
