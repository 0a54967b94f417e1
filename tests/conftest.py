import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests import `replay` as a plain module

from replay import ReplayServer  # noqa: E402


@pytest.fixture
def server():
    with ReplayServer() as s:
        yield s
