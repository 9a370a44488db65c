"""The web app in a real Chromium: one server process for the session (`plansmith serve` on a
fresh SQLite file with the demo portfolio), one browser, a fresh browser context per test.

Playwright drives Debian's Chromium (``scripts/system-deps.sh`` installs it); nothing is
downloaded. Without ``/usr/bin/chromium`` or the ``playwright`` package the browser tests skip
and say why. Every page a test opens records its console errors and uncaught exceptions in
``page.problems``; the ``page`` fixture fails a test that leaves any behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.cli_env import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

CHROMIUM = Path(os.environ.get("PLANSMITH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 900}
# `make screenshots` (PLANSMITH_SCREENSHOTS=docs) refreshes the ones docs/web.md shows; a plain
# test run writes them beside the test's temporary files, leaving the work tree alone.
DOCS_SCREENSHOTS = Path(__file__).parents[3] / "docs" / "screenshots"
PLANSMITH = Path(sys.executable).parent / "plansmith"
ADMIN = "admin@example.com"
PASSWORD = "correct horse battery staple"
VIEWER = "viewer@example.com"  # a viewer of DEMO_PROJECT only
MANAGER = "pm@example.com"  # a manager of the demo's projects: the screenshots' user
DEMO_PROJECT = "pulse-launch"  # the demo's SaaS launch: risks, resources, money
DEMO_PROJECTS = ("dc-migration-2027", "erp-r12-upgrade", "mes-pilot", "pulse-launch")
RESPONDED = "the server responded with a status of"
START_TIMEOUT = 60.0  # seconds for the first start (migrations, Argon2, the demo's import)


@dataclass
class Server:
    """The running server and who may sign in to it (every account's password is PASSWORD)."""

    url: str
    log: Path
    admin: str = ADMIN
    manager: str = MANAGER
    viewer: str = VIEWER
    password: str = PASSWORD
    demo_project: str = DEMO_PROJECT
    demo_projects: tuple[str, ...] = DEMO_PROJECTS

    def import_plan(self, text: str) -> str:
        """A plan file imported by the administrator (its owner); the new project's id."""
        with self.api() as admin:
            answer = admin.post(
                "/api/v1/projects/import",
                content=text.encode(),
                headers={"Content-Type": "application/yaml"},
            )
            answer.raise_for_status()
            key: str = answer.json()["id"]
            return key

    @contextmanager
    def api(self, email: str = ADMIN, password: str = PASSWORD) -> Iterator[httpx.Client]:
        """An API client signed in as ``email`` (a browser session: changes send Origin)."""
        with httpx.Client(base_url=self.url, headers={"Origin": self.url}, timeout=30) as client:
            answer = client.post(
                "/api/v1/auth/sign-in", json={"email": email, "password": password}
            )
            answer.raise_for_status()
            yield client


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll the health check until it answers, the server exits, or START_TIMEOUT passes."""
    import time

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            process.wait(timeout=0.1)  # returns at once if the server died
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"the server exited ({process.returncode}):\n{log.read_text()}")
    raise RuntimeError(f"the server did not answer in {START_TIMEOUT:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`plansmith serve` (what `make run` starts: first start, then uvicorn with
    plansmith.asgi:create_app) on a free port, with the demo portfolio, a manager of its
    projects and a viewer of one. Tests that change plans make projects of their own, so the
    manager's pages (the screenshots) show the demo as it ships."""
    folder = tmp_path_factory.mktemp("web-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANSMITH_")}
    env |= {
        "PLANSMITH_DATA_DIR": str(folder),
        "PLANSMITH_DATABASE_URL": f"sqlite:///{folder / 'web.db'}",
        "PLANSMITH_ADMIN_EMAIL": ADMIN,
        "PLANSMITH_ADMIN_PASSWORD": PASSWORD,
        "PLANSMITH_DEMO": "1",
        "PLANSMITH_LOGIN_ATTEMPTS_PER_MINUTE": "1000",
    }
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(PLANSMITH), "serve", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, url, log)
        running = Server(url, log)
        with running.api() as admin:
            for email, name in ((VIEWER, "Vera Viewer"), (MANAGER, "Pat Manager")):
                user = {"email": email, "password": PASSWORD, "name": name}
                admin.post("/api/v1/users", json=user).raise_for_status()
            grants = [(key, MANAGER, "manager") for key in DEMO_PROJECTS]
            for key, email, role in [*grants, (DEMO_PROJECT, VIEWER, "viewer")]:
                member = {"email": email, "role": role}
                admin.put(f"/api/v1/projects/{key}/members", json=member).raise_for_status()
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (run scripts/system-deps.sh as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _unavailable()
    if reason is not None:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Problems:
    """Console errors and uncaught exceptions of one page. A test that expects a refusal
    (a form answered with 422) says so with ``allow(422)``: Chromium logs every page answered
    with an error status as a console error."""

    items: list[str] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)

    def allow(self, *statuses: int) -> None:
        self.allowed.update(statuses)

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if any(
            message.text.startswith(f"Failed to load resource: {RESPONDED} {status} ")
            for status in self.allowed
        ):
            return
        self.items.append(f"console error: {message.text} at {message.location}")

    def exception(self, error: Any) -> None:
        self.items.append(f"uncaught: {error}")


def watch(page: Page) -> Problems:
    problems = Problems()
    page.on("console", problems.console)
    page.on("pageerror", problems.exception)
    return problems


@pytest.fixture(scope="session")
def signed_in_states(
    browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Each user's cookies after signing in through the form once, for contexts to reuse."""
    folder = tmp_path_factory.mktemp("browser-states")
    states = {}
    for email in (ADMIN, MANAGER, VIEWER):
        context = browser.new_context(base_url=server.url, viewport=VIEWPORT)
        try:
            page = context.new_page()
            _sign_in(page, email)
            states[email] = folder / f"{email}.json"
            context.storage_state(path=states[email])
        finally:
            context.close()
    return states


def _sign_in(page: Page, email: str, password: str = PASSWORD, next_path: str = "/") -> None:
    page.goto(f"/sign-in?next={next_path}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _context(browser: Browser, server: Server, state: Path | None) -> BrowserContext:
    context = browser.new_context(
        base_url=server.url,
        viewport=VIEWPORT,
        storage_state=state,
        locale="en-GB",
        timezone_id="UTC",
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    return context


def _page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    problems = watch(page)
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    assert not problems.items, "\n".join(problems.items)


@pytest.fixture
def anonymous_page(browser: Browser, server: Server) -> Iterator[Page]:
    context = _context(browser, server, None)
    try:
        yield from _page(context)
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, server: Server, signed_in_states: dict[str, Path]) -> Iterator[Page]:
    """A page signed in as the administrator."""
    context = _context(browser, server, signed_in_states[ADMIN])
    try:
        yield from _page(context)
    finally:
        context.close()


@pytest.fixture
def manager_page(
    browser: Browser, server: Server, signed_in_states: dict[str, Path]
) -> Iterator[Page]:
    """A page signed in as the manager of the demo's projects (who sees only those)."""
    context = _context(browser, server, signed_in_states[MANAGER])
    try:
        yield from _page(context)
    finally:
        context.close()


@pytest.fixture
def viewer_page(
    browser: Browser, server: Server, signed_in_states: dict[str, Path]
) -> Iterator[Page]:
    """A page signed in as a viewer of the demo's SaaS launch (and nothing else)."""
    context = _context(browser, server, signed_in_states[VIEWER])
    try:
        yield from _page(context)
    finally:
        context.close()


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """``sign_in(page, email, password=PASSWORD, next_path="/")`` through the sign-in form."""
    return _sign_in


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("PLANSMITH_SCREENSHOTS") == "docs":
        return DOCS_SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(screenshot_dir: Path) -> Callable[[Page, str], Path]:
    """``screenshot(page, NAME)``: the visible page (1366x900) as NAME.png."""

    def take(page: Page, name: str) -> Path:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=path, animations="disabled", caret="hide")
        return path

    return take
