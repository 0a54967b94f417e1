import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests import `replay` as a plain module

from replay import ReplayServer  # noqa: E402


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s


@pytest.fixture(scope="session", autouse=True)
def _session_working_directory(tmp_path_factory):
    """Module-scoped fixtures run here, never in the repository (see below)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        yield


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path, monkeypatch):
    """Each test runs in its own folder: default outputs (reports/, data/) never land in the repository,
    and no jobtone.toml lying around is picked up."""
    monkeypatch.chdir(tmp_path)
