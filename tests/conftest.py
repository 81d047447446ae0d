"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.fixture
def quarto_command() -> str:
    """The quarto command: on PATH, or where .ci/run installed it (REPORTING_TEST_QUARTO), else skip.

    CI installs Quarto beside the project without putting it on PATH, so `--renderer auto` keeps
    choosing the built-in renderer while these tests still check what Quarto makes of our Markdown.
    """
    found = shutil.which("quarto") or os.environ.get("REPORTING_TEST_QUARTO")
    if not found or not os.path.exists(found):
        pytest.skip("Quarto is not installed here (no `quarto` on PATH and REPORTING_TEST_QUARTO unset)")
    return found


@pytest.fixture(scope="session")
def quarto_path() -> str:
    """The quarto command for tests that render through Quarto (session-wide); skips where there is none."""
    found = shutil.which("quarto") or os.environ.get("REPORTING_TEST_QUARTO")
    if not found or not os.path.exists(found):
        pytest.skip("Quarto is not installed here (no `quarto` on PATH and REPORTING_TEST_QUARTO unset)")
    return found
