"""The poll's link tokens never reach the access log."""

from __future__ import annotations

from bot.access_log import redacted_path


def test_export_and_chart_tokens_are_redacted() -> None:
    token = "12.1796229129.R7wwpuf8SdDKbp_bw1VXovyBg6eRuFIrZhVxkCDnxy8"
    assert redacted_path(f"/polls/export/{token}/results.csv") == "/polls/export/…/results.csv"
    assert redacted_path(f"/polls/chart/{token}/poll-3.png?lang=sv") == "/polls/chart/…/poll-3.png"
