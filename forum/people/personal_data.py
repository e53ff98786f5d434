"""Every wing's personal data, found, exported and erased through one registry.

Why a registry of providers: "my data" and "forget me" must cover every feature's tables,
and features are built side by side (check-ins and the poll arrive after meetings).
Each wing registers its own provider from its ``*_context``: it knows its tables, how to
export a person's rows as JSON, how to erase them (the check-ins provider decides that a
shared check-in stays as "a participant of MUSEUM"), and what to tell the person before
they confirm. The wings stay ignorant of each other; the people wing only runs them.

Why a table classification: every table of ``storage.models`` is declared either
"personal data: these columns, handled by provider X" (a provider's ``tables``) or "no
personal data, because ..." (:meth:`PersonalDataRegistry.declare_no_personal_data`), and a
test walks the metadata, so a table nobody thought about cannot slip through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

LATE = 100
"""``erase_order`` of the people provider: it removes the person row the others look up."""


@dataclass(frozen=True)
class Line:
    """One readable line of the "my data" card: a message id and its placeholders.

    ``translated`` placeholders hold message ids themselves (an RSVP answer's label).
    """

    key: str
    values: Mapping[str, str] = field(default_factory=dict)
    translated: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportSection:
    """What one provider holds about a person: JSON for the download, lines for the card."""

    data: dict[str, Any]
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Description:
    """Message ids the forget-me card shows before the person confirms."""

    title_key: str
    goes_key: str
    stays_key: str | None = None


class PersonalDataProvider(Protocol):
    """One wing's personal data. ``tables`` maps each table it handles to its personal columns."""

    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def description(self) -> Description: ...

    @property
    def erase_order(self) -> int:
        """Lower runs first; the people provider (``LATE``) runs last."""
        ...

    async def export(self, session: AsyncSession, person_id: int) -> ExportSection: ...

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, int]:
        """Erase (or anonymise) the person's rows in the caller's transaction; counts by kind."""
        ...


@dataclass(frozen=True)
class TableClass:
    """How one table is classified: its personal columns and provider, or why it has none."""

    table: str
    provider: str | None
    columns: tuple[str, ...] = ()
    reason: str = ""

    @property
    def holds_personal_data(self) -> bool:
        return self.provider is not None


@dataclass(frozen=True)
class NamedSection:
    name: str
    """The provider's name: the section's key in the JSON download."""
    title_key: str
    section: ExportSection


@dataclass(frozen=True)
class PersonalDataExport:
    sections: tuple[NamedSection, ...]

    def as_json(self) -> dict[str, Any]:
        return {item.name: item.section.data for item in self.sections}


class ClassificationError(ValueError):
    """A table declared twice, or a provider registered twice."""


class PersonalDataRegistry:
    def __init__(self) -> None:
        self._providers: dict[str, PersonalDataProvider] = {}
        self._tables: dict[str, TableClass] = {}

    def register(self, provider: PersonalDataProvider) -> None:
        if provider.name in self._providers:
            raise ClassificationError(f"personal-data provider {provider.name!r} registered twice")
        for table, columns in provider.tables.items():
            self._claim(TableClass(table, provider.name, tuple(columns)))
        self._providers[provider.name] = provider

    def declare_no_personal_data(self, table: str, reason: str) -> None:
        """``table`` holds nothing about a person; ``reason`` says why, for PRIVACY.md's reader."""
        self._claim(TableClass(table, None, (), reason))

    def _claim(self, entry: TableClass) -> None:
        if entry.table in self._tables:
            raise ClassificationError(f"table {entry.table!r} classified twice")
        self._tables[entry.table] = entry

    @property
    def classification(self) -> Mapping[str, TableClass]:
        return dict(self._tables)

    @property
    def providers(self) -> tuple[PersonalDataProvider, ...]:
        """In erase order (people last)."""
        return tuple(sorted(self._providers.values(), key=lambda p: (p.erase_order, p.name)))

    def descriptions(self) -> tuple[Description, ...]:
        return tuple(provider.description for provider in self.providers)

    async def export(self, session: AsyncSession, person_id: int) -> PersonalDataExport:
        sections = [
            NamedSection(provider.name, provider.description.title_key, await provider.export(session, person_id))
            for provider in self.providers
        ]
        # People first in the download and on the card: who, then what.
        sections.sort(key=lambda item: (item.name != "people", item.name))
        return PersonalDataExport(tuple(sections))

    async def erase(self, session: AsyncSession, person_id: int) -> dict[str, dict[str, int]]:
        """Every provider erases its part, in one transaction (the caller's)."""
        return {provider.name: await provider.erase(session, person_id) for provider in self.providers}
