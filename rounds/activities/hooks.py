"""What the timeline tells the features built on it, without importing any of them (they
register in their AppConfig.ready()):

- `on_response(fn)`: someone at the organization answered the candidate — a call, a meeting or
  a message logged by a person (`fn(candidate, at=, actor=)`): respond-now stops the clock of
  the reply that was waiting.
"""

from __future__ import annotations

from collections.abc import Callable

_response: list[Callable] = []


def on_response(fn):
    if fn not in _response:
        _response.append(fn)
    return fn


def responded(candidate, *, at, actor) -> None:
    for fn in _response:
        fn(candidate, at=at, actor=actor)
