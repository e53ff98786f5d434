"""Figures a test prints for the note (cases tried, refusals), past pytest's output capture."""

from __future__ import annotations

import pytest


def report(request: pytest.FixtureRequest, line: str) -> None:
    capture = request.config.pluginmanager.getplugin("capturemanager")
    writer = request.config.get_terminal_writer()
    if capture is None:
        writer.line(line)
        return
    with capture.global_and_fixture_disabled():
        writer.line(line)
