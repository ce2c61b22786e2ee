"""Progress bars show on a terminal and stay out of CI logs and pipes."""

from __future__ import annotations

import io

import pytest

from aqkg import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("AQKG_QUIET", raising=False)
    assert progress.wanted()
    with progress.bar(3, "aqkg test") as shown:
        shown.update(3)
    assert "aqkg test" in terminal.getvalue()

    monkeypatch.setenv("CI", "true")
    assert not progress.wanted()
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not progress.wanted()
