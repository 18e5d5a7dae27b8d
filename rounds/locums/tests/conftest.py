"""Locum tests run on a clock set to Wednesday 2 December 2026, noon in Edmonton (and moving
on from there), so the fixed shift dates, licence and credential expiries the tests are
written with stay in the future whatever the real date is."""

from datetime import UTC, datetime

import pytest
import time_machine

# Wednesday 2 Dec 2026, noon in Edmonton: inside every sending window.
CLOCK = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def locum_clock():
    with time_machine.travel(CLOCK, tick=True):
        yield
