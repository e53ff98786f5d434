"""End-to-end harness: the Microsoft 365 Agents Playground driven by Playwright.

Plain helpers, no pytest in here (``conftest.py`` wires them into fixtures):

* :class:`Playground` starts/stops ``@microsoft/m365agentsplayground`` (npm) as a
  subprocess on port 56150, offline (no telemetry, no browser), with the mock
  team from ``.m365agentsplayground.yml`` next to this file.
* :class:`BotProcess` starts/stops the bot (``python app.py`` from the repository
  root by default) on 127.0.0.1:3978 with a throwaway SQLite database and waits
  for ``GET /healthz``.
* :func:`launch_browser`, :func:`new_context` and :func:`open_playground` start Debian's
  headless Chromium, abort every non-loopback request, and open the playground.
* :meth:`Playground.events` reads the playground's own recording of every exchange with
  the bot (both directions, with status codes); :meth:`BotProcess.errors_since` the bot's log.
* Page helpers (``open_team_channel``, ``install_into_team``, ``open_personal_chat``,
  ``send_message``, ``wait_for_card_text``, ``click_card_button``, ``fill_card_input``,
  ``pick_card_date``, ``select_card_choice``, ``screenshot``, ``screenshot_card``...) know
  the playground's DOM so the tests do not.
* :meth:`BotProcess.manage` runs ``manage.py`` against the bot's database.

What the playground (0.2.28) does, learned by driving it (see README.md):
every page load selects the personal chat and sends it ``installationUpdate``
(action ``add``) + ``conversationUpdate`` (user and bot in ``membersAdded``);
opening a channel the first time in a page does the same for the channel (only the
bot in ``membersAdded``, ``channelData.eventType`` ``teamMemberAdded``). The two are
posted without waiting for each other (the bot sees them overlap, in either order),
and again on every new page. The
conversation view is client-side: a new page starts empty. In a channel the bot
only hears posts that @mention it; new posts are listed newest first, replies go
into the post's thread. Every activity carries ``locale: en-US`` whatever the
machine's locale.

Cards (learned with the meetings flow): an Action.Execute's returned card replaces the
pressed card; the bot's ``update_activity`` (PUT) replaces a card in place; a proactive
message to a conversation that is not open shows when it is opened. Not supported: a
card's ``refresh`` (no ``adaptiveCard/action`` refresh invoke is ever sent; the log panel
says "User specific view is not supported yet") and ``msteams.width: Full`` ("Full width
control is not supported yet"). Input.Date is a Fluent date picker that ignores typed
text (:func:`pick_card_date`); a compact Input.ChoiceSet is a combobox
(:func:`select_card_choice`); Action.OpenUrl is a button with role ``link``. The
browser's locale (fi-FI here) formats the pickers' dates and times and the timestamps.

Timeouts here are upper bounds for waiting, never assertions about speed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:  # playwright is imported lazily so this module imports without it
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
ARTIFACTS_DIR = Path(os.environ.get("E2E_ARTIFACTS_DIR", HERE / "artifacts"))
CONFIG_PATH = HERE / ".m365agentsplayground.yml"

PLAYGROUND_PACKAGE = "@microsoft/m365agentsplayground@0.2.28"
PLAYGROUND_HOST = "127.0.0.1"
# Overridable so that two checkouts (a helper beside CI) can run the e2e suite at once.
PLAYGROUND_PORT = int(os.environ.get("E2E_PLAYGROUND_PORT", "56150"))
PORT_WAIT_SECONDS = 90.0
"""How long a start waits for a taken port to be released before it refuses."""
PLAYGROUND_URL = f"http://{PLAYGROUND_HOST}:{PLAYGROUND_PORT}/"
BOT_HOST = "127.0.0.1"
BOT_PORT = int(os.environ.get("E2E_BOT_PORT", "3978"))
BOT_ENDPOINT = f"http://{BOT_HOST}:{BOT_PORT}/api/messages"
BOT_HEALTH_URL = f"http://{BOT_HOST}:{BOT_PORT}/healthz"

CHROMIUM_PATH = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

# Names from .m365agentsplayground.yml; the tests refer to these.
BOT_NAME = "Foorumibotti"
TEAM_NAME = "Museoiden vertaiskehittämisfoorumi"
GENERAL = "General"
OTHER_CHANNEL = "Kokeilut"
CURRENT_USER = "Kaisa Koordinaattori"
COORDINATOR_EMAIL = "kaisa@museovirasto.fi"

# The playground's DOM (Fluent UI + adaptivecards.js), found by reading its pages.
SEL_TREE_ITEM = '[role="treeitem"]'
SEL_PERSONAL_CHAT = '[role="treeitem"][aria-label="Personal Chat"]'
SEL_EDITOR = '[contenteditable="true"][role="textbox"]'  # Lexical editors: new post, thread replies, chat box
SEL_SEND = 'button[aria-label="Send Message"]'
SEL_TYPEAHEAD_ITEM = '#typeahead-menu [role="menuitem"]'  # the @mention picker
SEL_CARD = ".ac-adaptiveCard"
SEL_POST = '[role="group"]'  # a channel post with its thread and reply box

DEFAULT_TIMEOUT_MS = int(os.environ.get("E2E_TIMEOUT_MS", "20000"))

# Directions in the playground's events recording.
TO_BOT = "Microsoft 365 Agents Playground -> User Application"
FROM_BOT = "User Application -> Microsoft 365 Agents Playground"


class HarnessError(RuntimeError):
    """The harness could not bring something up; the message says what and where to look."""


# --------------------------------------------------------------------------- processes


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_frees_up(host: str, port: int, timeout: float = PORT_WAIT_SECONDS) -> bool:
    """Whether ``port`` is free now or within ``timeout`` seconds.

    Why wait: 56150 lies in Linux's ephemeral range, so an outgoing connection of an earlier
    test (or anything else on the machine) can hold it as its local port for a while, and a
    refusal then fails a CI run over nothing. A port that stays taken is still refused.
    """
    deadline = time.monotonic() + timeout
    while not port_is_free(host, port):
        if time.monotonic() >= deadline:
            return False
        time.sleep(1.0)
    return True


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop_group(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """SIGTERM the whole process group (npx spawns node; a bot may spawn workers), then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    try:
        pgid = os.getpgid(process.pid)
    except ProcessLookupError:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Playground:
    """The Agents Playground subprocess. Use as a context manager or call start()/stop()."""

    config_path: Path = CONFIG_PATH
    endpoint: str = BOT_ENDPOINT
    port: int = PLAYGROUND_PORT
    artifacts: Path = ARTIFACTS_DIR
    start_timeout: float = float(os.environ.get("E2E_PLAYGROUND_START_TIMEOUT", "180"))  # first npx run downloads
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    workdir: Path | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://{PLAYGROUND_HOST}:{self.port}/"

    @property
    def log_path(self) -> Path:
        return self.artifacts / "playground.log"

    @property
    def recording_path(self) -> Path:
        """Every request between playground and bot, with status and body (playground's events recording)."""
        return self.artifacts / "playground-events.log"

    def command(self) -> list[str]:
        return [
            "npx", "-y", PLAYGROUND_PACKAGE,
            "-e", self.endpoint, "-c", "msteams", "-p", str(self.port), "--disable-telemetry",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            APPLICATION_INSIGHTS_NO_STATSBEAT="true",  # with --disable-telemetry: nothing leaves the machine
            TEAMSAPPTESTER_BROWSER="none",  # do not try to open a browser
            M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(self.config_path),
            M365_AGENTS_PLAYGROUND_LOGFILE=str(self.artifacts / "playground-internal.log"),
            M365_AGENTS_PLAYGROUND_ENABLE_EVENTS_RECORDING="true",
            M365_AGENTS_PLAYGROUND_RECORDING_FILE=str(self.recording_path),
            # The playground stamps activities with its own process's time zone (localTimezone,
            # clientInfo.timezone); the forum lives in Helsinki. (Locale stays "en-US": hard-coded.)
            TZ="Europe/Helsinki",
        )
        return env

    def start(self) -> Playground:
        if shutil.which("npx") is None:
            raise HarnessError("npx not found: install Node.js 18+ (Debian: apt-get install nodejs npm)")
        if not self.config_path.is_file():
            raise HarnessError(f"playground config missing: {self.config_path}")
        if not port_frees_up("0.0.0.0", self.port):
            # The playground silently picks a random port when its port is taken: refuse instead.
            raise HarnessError(f"port {self.port} is in use (an old playground still running?)")
        self.artifacts.mkdir(parents=True, exist_ok=True)
        for stale in (self.recording_path, self.log_path):
            stale.unlink(missing_ok=True)
        # Its own working dir: it writes ./devTools/ there, and must not pick up a stray config.
        self.workdir = Path(tempfile.mkdtemp(prefix="e2e-playground-"))
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.workdir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, so stop() can kill npx and node together
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(f"playground exited with {self.process.returncode}:\n{_tail(self.log_path)}")
            if _port_answers(PLAYGROUND_HOST, self.port) and _http_status(self.url) == 200:
                return self
            time.sleep(0.25)
        self.stop()
        raise HarnessError(f"playground did not answer on {self.url} in time:\n{_tail(self.log_path)}")

    def stop(self) -> None:
        _stop_group(self.process)
        self.process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def events(self) -> list[dict[str, Any]]:
        """Every exchange recorded so far, oldest first.

        Each is a dict with ``direction`` (``TO_BOT`` or ``FROM_BOT``), ``activityName``,
        ``conversationId``, ``request`` {``method``, ``url``, ``headers``, ``body``} and ``response``
        {``statusCode``, ``body``}. An exchange is written when its response is back, so an
        activity the bot answered with a card may appear only after the card: poll with
        :meth:`wait_for_events`.
        """
        try:
            text = self.recording_path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(chunk) for chunk in text.split("\n---\n") if chunk.strip()]

    def activities_to_bot(self) -> list[dict[str, Any]]:
        """The activities the playground posted to the bot's /api/messages, oldest first."""
        return [e["request"]["body"] for e in self.events() if e.get("direction") == TO_BOT]

    def activities_from_bot(self) -> list[dict[str, Any]]:
        """What the bot sent to the playground's connector (sends, replies, updates), oldest first."""
        return [e["request"]["body"] for e in self.events() if e.get("direction") == FROM_BOT]

    def event_mark(self) -> int:
        """How many exchanges are recorded now; pass it as ``since`` to see only later ones."""
        return len(self.events())

    def wait_for_events(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = DEFAULT_TIMEOUT_MS, *, since: int = 0
    ) -> list[dict[str, Any]]:
        """Wait (``timeout`` ms at most) until some exchanges recorded after the first ``since``
        match ``predicate``; return them (empty when none did in time)."""
        deadline = time.monotonic() + timeout / 1000
        while True:
            matching = [event for event in self.events()[since:] if predicate(event)]
            if matching or time.monotonic() > deadline:
                return matching
            time.sleep(0.1)

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


# A logged ERROR/CRITICAL, the start of a traceback, or its last line ("pkg.SomeError: ...").
_ERROR_LINE = re.compile(
    r"\b(ERROR|CRITICAL)\b"
    r"|^Traceback \(most recent call last\)"
    r"|^[A-Za-z_][\w.]*(Error|Exception):"
)


def default_bot_command() -> list[str]:
    """``python app.py`` from the repository root, or ``E2E_BOT_CMD`` (shell words) to try another bot."""
    override = os.environ.get("E2E_BOT_CMD")
    return shlex.split(override) if override else [sys.executable, "app.py"]


@dataclass
class BotProcess:
    """The bot under test as a subprocess on 127.0.0.1:3978, local mode, fresh SQLite database."""

    command: Sequence[str] = field(default_factory=default_bot_command)
    cwd: Path = Path(os.environ.get("E2E_BOT_CWD", REPO_ROOT))
    artifacts: Path = ARTIFACTS_DIR
    # Kaisa, the playground's current user, is bootstrapped as a coordinator.
    extra_env: Mapping[str, str] = field(
        # No quiet hours: the wall clock must not decide whether a test's scheduled message goes.
        default_factory=lambda: {"COORDINATORS": COORDINATOR_EMAIL, "QUIET_HOURS": "none", "QUIET_WEEKENDS": "false"}
    )
    start_timeout: float = float(os.environ.get("E2E_BOT_START_TIMEOUT", "60"))
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    data_dir: Path | None = field(default=None, init=False)

    @property
    def log_path(self) -> Path:
        return self.artifacts / "bot.log"

    @property
    def database_url(self) -> str:
        assert self.data_dir is not None
        return f"sqlite+aiosqlite:///{self.data_dir / 'bot.db'}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # Local mode: no app id/password, so the bot accepts the playground's unsigned requests.
        for key in ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId"):
            env.pop(key, None)
        env.update(PORT=str(BOT_PORT), HOST=BOT_HOST, DATABASE_URL=self.database_url, PYTHONUNBUFFERED="1")
        env.update(self.extra_env)
        return env

    def start(self) -> BotProcess:
        if not port_frees_up(BOT_HOST, BOT_PORT):
            raise HarnessError(f"port {BOT_PORT} is in use (another bot running?)")
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.data_dir = Path(tempfile.mkdtemp(prefix="e2e-bot-"))
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            list(self.command),
            cwd=self.cwd,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(
                    f"bot {shlex.join(self.command)!r} exited with {self.process.returncode}:\n{_tail(self.log_path)}"
                )
            if _http_status(BOT_HEALTH_URL) == 200:
                return self
            time.sleep(0.2)
        self.stop()
        raise HarnessError(f"bot did not answer 200 on {BOT_HEALTH_URL} in time:\n{_tail(self.log_path)}")

    def stop(self) -> None:
        _stop_group(self.process)
        self.process = None
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None

    def manage(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Run ``python manage.py ARGS`` against this bot's database (same environment as the bot)."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.cwd,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def wait_until_outbox_idle(self, timeout: float = 20.0) -> None:
        """Wait until no outbox row that is due is still waiting to be sent.

        Why: the Playground's web UI loses a message now and then when two arrive at the same
        instant, one of them for another conversation in its list (seen: a channel card's
        update and a 1:1 prompt 9 ms apart; the Playground logged both as 201, its chat pane
        never showed the prompt). Teams has no such race. A test that waits for a proactive
        message first lets what earlier steps queued (a ``manage.py`` import is another
        process and does not kick the bot's worker) go out.
        """
        deadline = time.monotonic() + timeout
        due: list[str] = []
        while time.monotonic() < deadline:
            due = self._due_outbox_rows()
            if not due:
                return
            time.sleep(0.2)
        raise HarnessError(f"the bot's outbox still has due messages after {timeout:.0f} s: {due!r}")

    def _due_outbox_rows(self) -> list[str]:
        assert self.data_dir is not None
        now = datetime.now(UTC).replace(tzinfo=None)
        with sqlite3.connect(self.data_dir / "bot.db", timeout=5.0) as connection:
            rows = connection.execute(
                "SELECT purpose, next_attempt_at FROM outbox_message WHERE status = 'pending'"
            ).fetchall()
        return [purpose for purpose, at in rows if datetime.fromisoformat(at).replace(tzinfo=None) <= now]

    def log_mark(self) -> int:
        """A position in the bot's log; pass it to :meth:`errors_since`."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def errors_since(self, mark: int) -> list[str]:
        """Log lines at ERROR/CRITICAL or starting a traceback written after ``mark``.

        The bot's turn-error handler answers the playground normally after a failed turn, so
        the UI may look fine while the bot crashed; this is how the tests notice.
        """
        try:
            with self.log_path.open("rb") as log:
                log.seek(mark)
                text = log.read().decode(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if _ERROR_LINE.search(line)]

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- browser


def launch_browser(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; Playwright gives it a fresh temporary user data dir."""
    if not Path(CHROMIUM_PATH).exists():
        raise HarnessError(f"{CHROMIUM_PATH} not found (Debian: apt-get install chromium); never `playwright install`")
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=list(CHROMIUM_ARGS), headless=True)


def new_context(browser: Browser, blocked: list[str] | None = None) -> BrowserContext:
    """A clean context where every request to a host other than loopback is aborted.

    The playground asks a CDN for Segoe UI fonts and an animation worklet; it works without them.
    Aborted URLs are appended to ``blocked`` when given.
    """
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        locale="fi-FI",
        timezone_id="Europe/Helsinki",
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)

    def route(route: Any) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            if blocked is not None:
                blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return context


def open_playground(context: BrowserContext, url: str = PLAYGROUND_URL) -> Page:
    """A new page on the playground, loaded and connected (the personal chat is selected)."""
    page = context.new_page()
    page.goto(url)
    page.locator(SEL_PERSONAL_CHAT).wait_for()
    page.locator(SEL_EDITOR).first.wait_for()
    return page


# --------------------------------------------------------------------------- page helpers


def channel_item(page: Page, channel_name: str, team_name: str = TEAM_NAME) -> Locator:
    return page.locator(f'{SEL_TREE_ITEM}[aria-label="{team_name} - {channel_name}"]')


def open_team_channel(page: Page, channel_name: str = GENERAL, team_name: str = TEAM_NAME) -> None:
    """Select a channel of the team. The first time in a page this installs the bot there."""
    channel_item(page, channel_name, team_name).click()
    page.get_by_role("button", name="Post", exact=True).wait_for()


def install_into_team(page: Page, playground: Playground, channel_name: str = GENERAL) -> None:
    """Open a channel and wait until the bot has handled the install it triggers.

    Opening a channel (first time in a page) sends ``installationUpdate`` and
    ``conversationUpdate``; an exchange is recorded when the bot has answered it, so
    once both are recorded the forum exists in the bot's database (what ``manage.py``
    needs). The welcome card is no sign: it is posted once per bot, not per page.
    """
    mark = playground.event_mark()
    open_team_channel(page, channel_name)
    wanted = {"installationUpdate", "conversationUpdate"}

    def install_exchange(event: dict[str, Any]) -> bool:
        body = event["request"].get("body") or {}
        return (
            event.get("direction") == TO_BOT
            and event.get("activityName") in wanted
            and (body.get("conversation") or {}).get("conversationType") == "channel"
        )

    deadline = time.monotonic() + DEFAULT_TIMEOUT_MS / 1000
    while True:
        seen = playground.wait_for_events(install_exchange, since=mark)
        if {event["activityName"] for event in seen} >= wanted:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the bot did not answer the install in {channel_name!r}: saw {seen!r}")
        page.wait_for_timeout(100)
    failed = [event["response"] for event in seen if event["response"]["statusCode"] >= 300]
    if failed:
        raise AssertionError(f"the bot refused the install: {failed!r}")


def open_personal_chat(page: Page) -> None:
    """Select the personal chat with the bot (already selected after page load)."""
    page.locator(SEL_PERSONAL_CHAT).click()
    page.locator(SEL_SEND).first.wait_for()


def open_group_chat(page: Page, name: str) -> None:
    page.locator(f'{SEL_TREE_ITEM}[aria-label="{name}"]').click()
    page.locator(SEL_SEND).first.wait_for()


def in_channel(page: Page) -> bool:
    return page.get_by_role("button", name="Post", exact=True).count() > 0


def _type_into(page: Page, editor: Locator, text: str, mention_bot: bool) -> None:
    editor.click()
    if mention_bot:
        page.keyboard.type("@")
        page.locator(SEL_TYPEAHEAD_ITEM, has_text=BOT_NAME).first.click()
        # The picker leaves a mention pill (<at>Foorumibotti</at> in the activity); a space then the text.
        page.keyboard.type(" ")
    page.keyboard.type(text)


def send_message(page: Page, text: str, mention_bot: bool = False) -> None:
    """Send ``text`` in the open conversation.

    In a channel this starts a new post (the bot only hears it with ``mention_bot=True``);
    in a chat it sends to the chat box.
    """
    if in_channel(page):
        editor = page.locator(SEL_EDITOR).first  # "Start a new post" is the first editor in a channel
        _type_into(page, editor, text, mention_bot)
        page.get_by_role("button", name="Post", exact=True).click()
    else:
        editor = page.locator(SEL_EDITOR).last
        _type_into(page, editor, text, mention_bot)
        page.locator(SEL_SEND).last.click()


def post_containing(page: Page, text: str) -> Locator:
    """The channel post (with its thread) whose content contains ``text``; the newest is first."""
    return page.locator(SEL_POST).filter(has_text=text).first


def reply_in_thread(page: Page, post_text: str, text: str, mention_bot: bool = False) -> None:
    """Reply in the thread of the channel post containing ``post_text``."""
    post = post_containing(page, post_text)
    _type_into(page, post.locator(SEL_EDITOR), text, mention_bot)
    post.locator(SEL_SEND).click()


def cards(page: Page, *texts: str | re.Pattern[str]) -> Locator:
    """Adaptive Cards in the open conversation containing every one of ``texts``."""
    locator = page.locator(SEL_CARD)
    for text in texts:
        locator = locator.filter(has_text=text)
    return locator


def card_count(page: Page, *texts: str | re.Pattern[str]) -> int:
    return cards(page, *texts).count()


def wait_for_card_text(
    page: Page,
    text: str | re.Pattern[str],
    timeout: float = DEFAULT_TIMEOUT_MS,
    *,
    also: Iterable[str | re.Pattern[str]] = (),
    more_than: int = 0,
) -> Locator:
    """Wait until more than ``more_than`` cards contain ``text`` (and each of ``also``); return the last one.

    Pass ``more_than=card_count(page, text)`` taken before an action to wait for a *new* card.
    ``timeout`` (ms) is only an upper bound on the wait.
    """
    locator = cards(page, text, *also)
    deadline = time.monotonic() + timeout / 1000
    while True:
        count = locator.count()
        if count > more_than:
            last = locator.nth(count - 1)
            last.wait_for(state="visible", timeout=timeout)
            return last
        if time.monotonic() > deadline:
            shot = screenshot(page, f"failed-wait-{text}")
            raise AssertionError(
                f"no new card with {text!r} (+{list(also)!r}); {count} matching, wanted > {more_than}. "
                f"Cards now: {card_texts(page)!r}; the pane reads {pane_text(page)!r}; screenshot {shot}"
            )
        page.wait_for_timeout(100)


def wait_for_text(page: Page, text: str | re.Pattern[str], timeout: float = DEFAULT_TIMEOUT_MS) -> Locator:
    """Wait for plain text anywhere in the conversation pane (a plain message, not only cards)."""
    locator = page.get_by_text(text).last
    locator.wait_for(state="visible", timeout=timeout)
    return locator


def pane_text(page: Page, limit: int = 1500) -> str:
    """The end of the page's visible text: what a failed wait saw instead of what it wanted."""
    return " ".join(page.locator("body").inner_text().split())[-limit:]


def card_texts(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(SEL_CARD).all_inner_texts()]


def _card_scope(page: Page, card: Locator | str | None) -> Locator:
    if card is None:
        return page.locator(SEL_CARD).last
    if isinstance(card, str):
        return cards(page, card).last
    return card


def click_card_button(page: Page, title: str, card: Locator | str | None = None) -> None:
    """Click the action button ``title`` (Action.Submit / Action.Execute / ShowCard...) on a card.

    ``card`` is a card locator, a text the card contains (its newest match), or None for the
    newest card in the conversation. Action.Submit arrives at the bot as a message with
    ``value`` (and ``replyToId`` of the card); Action.Execute as an ``adaptiveCard/action``
    invoke whose returned card replaces this one.
    """
    scope = _card_scope(page, card)
    scope.get_by_role("button", name=title, exact=True).last.click()


def fill_card_input(page: Page, label: str, value: str, card: Locator | str | None = None) -> None:
    """Fill an Input.Text/Number on a card, found by its label (a required one's too:
    ``Theme *``) or placeholder. For an Input.Date use :func:`pick_card_date`."""
    scope = _card_scope(page, card)
    field_ = scope.get_by_label(label, exact=True)
    if field_.count() == 0:
        field_ = scope.get_by_label(label_starting(label))
    if field_.count() == 0:
        field_ = scope.get_by_placeholder(label, exact=True)
    field_.first.fill(value)


def choose_card_option(page: Page, option: str, card: Locator | str | None = None) -> None:
    """Pick ``option`` in an Input.ChoiceSet rendered as radio buttons / checkboxes."""
    scope = _card_scope(page, card)
    scope.get_by_label(option, exact=True).check()


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip


def label_starting(label: str) -> re.Pattern[str]:
    """An accessible name that is ``label`` followed by more (``Date *``, an error text...).

    Not ``\\b``: Playwright runs the pattern in JavaScript, where ``\\b`` does not see
    ``ä`` as a letter (``Päivä`` would never match).
    """
    return re.compile(rf"^{re.escape(label)}(\s|\*|$)")


def _card_field(scope: Locator, label: str) -> Locator:
    """An input on a card by its label: exact first, then a label that starts with it (``Date *``)."""
    field_ = scope.get_by_label(label, exact=True)
    if field_.count() == 0:
        field_ = scope.get_by_label(label_starting(label))
    return field_.first


def pick_card_date(page: Page, label: str, day: date, card: Locator | str | None = None) -> None:
    """Set an Input.Date through the playground's date picker (it ignores typed text).

    The picker is Fluent UI's: a dialog with "Next month", a day grid labelled with its month
    (``December 2026, , ``) and one button per day labelled like ``25, December, 2026``
    (English whatever the browser locale).
    """
    scope = _card_scope(page, card)
    _card_field(scope, label).click()
    dialog = page.locator('[role="dialog"]').last
    dialog.wait_for()
    # The day grid always has six week rows; a month of five shows the sixth (next month's
    # first days) hidden under the fifth, "visible" to Playwright but not clickable. So turn
    # the pages until the grid is the day's own month, named in its label ("January 2027, , ").
    month = dialog.locator(f'table[role="grid"][aria-label^="{_MONTHS[day.month - 1]} {day.year},"]')
    for _ in range(36):
        if month.count():
            break
        dialog.get_by_title(re.compile(r"^Next month")).click()
    month.first.locator(f'button[aria-label="{day.day}, {_MONTHS[day.month - 1]}, {day.year}"]').first.click()
    dialog.wait_for(state="hidden")


def select_card_choice(page: Page, label: str, option: str, card: Locator | str | None = None) -> None:
    """Pick ``option`` in a compact Input.ChoiceSet (a combobox with a drop-down list)."""
    scope = _card_scope(page, card)
    scope.get_by_role("combobox", name=label_starting(label)).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def card_field_value(page: Page, label: str, card: Locator | str | None = None) -> str:
    """What an input on a card shows now (as the browser displays it)."""
    return _card_field(_card_scope(page, card), label).input_value()


def screenshot(page: Page, name: str, artifacts: Path = ARTIFACTS_DIR) -> Path:
    """Save a full-page PNG as ``artifacts/<name>.png`` and return its path."""
    artifacts.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = artifacts / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def screenshot_card(card: Locator, name: str, artifacts: Path = ARTIFACTS_DIR) -> Path:
    """Save just one card as ``artifacts/<name>.png``, whole.

    The conversation pane scrolls inside a fixed page, so a card taller than the
    window would be cut (and covered by the top bar): the window is made tall
    enough for the moment of the shot.
    """
    artifacts.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "card"
    path = artifacts / f"{safe}.png"
    page = card.page
    viewport = page.viewport_size
    box = card.bounding_box()
    needed = int(box["height"]) + 400 if box else 0
    grown = viewport if viewport is not None and needed > viewport["height"] else None
    if grown is not None:
        page.set_viewport_size({"width": grown["width"], "height": needed})
    try:
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(path))
    finally:
        if grown is not None:
            page.set_viewport_size(grown)
    return path
