"""Where the real public data for tests lives (../shared/data beside the checkout), and one way
to ask for a file of it: tests that read it skip, with a message, where it is absent."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data"


def data_file(name: str) -> Path:
    """The path of a shared data file, or skip the test when the folder is not there."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: real-data checks need the shared data folder")
    return path
