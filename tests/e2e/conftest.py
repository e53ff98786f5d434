"""Fixtures for the end-to-end tests: bot + Agents Playground + headless Chromium.

Everything heavy is package-scoped (one bot, one playground, one browser for the e2e
package, closed before the other tests run: sync Playwright keeps an event loop running); each
test gets a fresh browser context and page, which in the playground means an empty
conversation view and a fresh install of the bot in whatever it opens.

Without /usr/bin/chromium or npx the tests are skipped with the reason, except in CI
(``CI=true``), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import harness

E2E_DIR = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "e2e: end-to-end through the Microsoft 365 Agents Playground and headless Chromium"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _missing_prerequisites() -> list[str]:
    missing = []
    if not Path(harness.CHROMIUM_PATH).exists():
        missing.append(f"{harness.CHROMIUM_PATH} (apt-get install chromium)")
    if shutil.which("npx") is None:
        missing.append("npx (Node.js 18+)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    return missing


@pytest.fixture(scope="package")
def e2e_prerequisites() -> None:
    missing = _missing_prerequisites()
    if missing:
        reason = "end-to-end tests need " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: not skipping)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="package")
def artifacts(e2e_prerequisites: None) -> Path:
    """tests/e2e/artifacts/ (or E2E_ARTIFACTS_DIR), emptied of the previous run's screenshots."""
    harness.ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for old in harness.ARTIFACTS_DIR.glob("*.png"):
        old.unlink()
    return harness.ARTIFACTS_DIR


@pytest.fixture(scope="package")
def bot(artifacts: Path) -> Iterator[harness.BotProcess]:
    process = harness.BotProcess()
    try:
        process.start()
    except harness.HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    yield process
    process.stop()


@pytest.fixture(scope="package")
def playground(bot: harness.BotProcess) -> Iterator[harness.Playground]:
    server = harness.Playground()
    try:
        server.start()
    except harness.HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def bot_logs_no_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail an e2e test whose bot logged an ERROR or a traceback, even if the UI looked right."""
    if "bot" not in request.fixturenames and "page" not in request.fixturenames:
        yield
        return
    process: harness.BotProcess = request.getfixturevalue("bot")
    mark = process.log_mark()
    yield
    errors = process.errors_since(mark)
    if errors:
        pytest.fail(
            f"the bot logged {len(errors)} error line(s) during the test (see {process.log_path}):\n"
            + "\n".join(errors[:20]),
            pytrace=False,
        )


@pytest.fixture(scope="package")
def browser(e2e_prerequisites: None) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = harness.launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def blocked_requests() -> list[str]:
    """URLs the page tried to fetch outside loopback (aborted)."""
    return []


@pytest.fixture
def page(
    request: pytest.FixtureRequest, playground: harness.Playground, browser, blocked_requests: list[str]
) -> Iterator[object]:
    context = harness.new_context(browser, blocked_requests)
    try:
        page = harness.open_playground(context, playground.url)
        yield page
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            harness.screenshot(page, f"FAILED-{request.node.name}")
    finally:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
