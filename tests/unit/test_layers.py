"""The one-way flow of DESIGN.md, enforced.

Layers: the domain, the cards and the storage never import the Teams edge, and botbuilder
stays in bot/ and dialogs/ (so moving off the archived SDK touches only those two folders).

Wings: inside ``bot/``, ``forum/`` and ``cards/`` each feature has its own package. Feature
wings meet only in the shared wings (``people/``, ``delivery/``) and the layer's top-level
modules; besides those a wing may read the lower wings it is declared to read
(check-ins follow the programme, so they read meetings) and never the reverse. Shared code
never imports a feature. A card wing builds from its own feature's views and the shared
vocabulary only, so a card can be read (and tested) without the rest of the domain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "forum": ("bot", "dialogs", "cards", "botbuilder", "botframework", "aiohttp", "msrest"),
    "cards": ("bot", "dialogs", "storage", "botbuilder", "botframework", "aiohttp", "msrest"),
    "storage": ("bot", "dialogs", "forum", "cards", "botbuilder", "botframework", "aiohttp", "msrest"),
}

WING_LAYERS = ("bot", "forum", "cards")
SHARED_WINGS = frozenset({"people", "delivery"})
FEATURE_WINGS = frozenset({"meetings", "checkins", "polls"})
# A feature wing may read these lower feature wings' public functions (never the reverse).
READS = {"checkins": frozenset({"meetings"}), "meetings": frozenset(), "polls": frozenset()}
# What a card wing may import from forum/ besides its own feature.
CARDS_MAY_READ_FROM_FORUM = frozenset({"forum.i18n", "forum.types", "forum.untrusted"})


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _imports(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imported_modules(path)}


def _wing_of(module: str) -> str | None:
    """The wing a dotted module belongs to (``forum.meetings.rsvp`` -> ``meetings``), or None."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] in WING_LAYERS and parts[1] in SHARED_WINGS | FEATURE_WINGS:
        return parts[1]
    return None


def wing_offences(root: Path) -> list[str]:
    """Every import under ``root`` that breaks a wing rule, as readable lines."""
    offences: list[str] = []
    for layer in WING_LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root)
            own = relative.parts[1] if len(relative.parts) > 2 else None
            for module in sorted(_imported_modules(path)):
                if module.split(".")[0] not in WING_LAYERS:
                    continue
                target = _wing_of(module)
                if target is not None and target in FEATURE_WINGS and target != own:
                    if own is None or own in SHARED_WINGS:
                        offences.append(f"{relative}: shared code imports the {target} feature ({module})")
                    elif target not in READS.get(own, frozenset()):
                        offences.append(f"{relative}: the {own} wing imports the {target} wing ({module})")
                if layer == "cards" and own is not None and module.startswith("forum"):
                    allowed = module in CARDS_MAY_READ_FROM_FORUM or target == own
                    if not allowed:
                        offences.append(
                            f"{relative}: a card wing reads {module} "
                            f"(only forum.i18n, forum.types, forum.untrusted, forum.{own})"
                        )
                if layer == "cards" and own is not None and module.startswith("cards.") and target not in (None, own):
                    offences.append(f"{relative}: a card wing imports another card wing ({module})")
    return offences


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_keeps_to_its_layer(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for name in sorted(_imports(path) & set(FORBIDDEN[package]))
    ]
    assert offences == []


def test_wings_keep_to_their_rules() -> None:
    assert wing_offences(ROOT) == []


FLAT_FEATURE_PREFIXES = (
    "meeting_",
    "rsvp",
    "programme",
    "calendar",
    "outbox",
    "delivery_",
    "checkin",
    "poll",
)
FLAT_SHARED_NAMES = frozenset(
    {"jobs.py", "rate_limit.py", "backoff.py", "quiet_hours.py", "roster.py", "permissions.py", "proactive.py"}
)


@pytest.mark.parametrize("layer", WING_LAYERS)
def test_layers_keep_features_in_their_wings(layer: str) -> None:
    """A feature's file at a layer's top level is a file a reader will not find in one guess."""
    flat = [
        path.name
        for path in sorted((ROOT / layer).glob("*.py"))
        if path.name.startswith(FLAT_FEATURE_PREFIXES) or path.name in FLAT_SHARED_NAMES
    ]
    assert flat == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        (
            "forum/meetings/service.py",
            "from forum.checkins.rounds import x\n",
            "the meetings wing imports the checkins",
        ),
        ("bot/polls/commands.py", "from bot.checkins.context import x\n", "the polls wing imports the checkins"),
        ("forum/checkins/rounds.py", "import forum.polls.model\n", "the checkins wing imports the polls"),
        ("forum/delivery/outbox.py", "from forum.meetings.model import Meeting\n", "shared code imports the meetings"),
        ("bot/handler.py", "from bot.meetings.commands import x\n", "shared code imports the meetings"),
        ("cards/meetings/form.py", "from forum.people.roster import Actor\n", "a card wing reads forum.people.roster"),
        ("cards/polls/results.py", "from cards.delivery.status import x\n", "a card wing imports another card wing"),
    ],
)
def test_the_wing_rules_catch_a_forbidden_import(tmp_path: Path, name: str, source: str, expected: str) -> None:
    """The checker itself is tested: each forbidden import in a synthetic tree is reported."""
    offences = wing_offences(_tree(tmp_path, {name: source}))
    assert len(offences) == 1 and expected in offences[0], offences


def test_the_wing_rules_allow_what_the_design_allows(tmp_path: Path) -> None:
    allowed = {
        "forum/checkins/rounds.py": "from forum.meetings.model import Meeting\nfrom forum.delivery.outbox import x\n",
        "bot/meetings/context.py": "from bot.delivery.context import DELIVERY\nfrom bot.components import BOT\n",
        "cards/meetings/form.py": (
            "from cards.elements import text\nfrom forum.i18n import tr\nfrom forum.meetings.model import Meeting\n"
        ),
        "forum/meetings/service.py": "from forum.people.roster import Actor\n",
    }
    assert wing_offences(_tree(tmp_path, allowed)) == []
