"""Listeners a lower app keeps for the apps built on it (see docs/architecture.md, Layers)."""

from __future__ import annotations

from collections.abc import Callable


def registrar(target: list[Callable]) -> Callable[[Callable], Callable]:
    """`on_x = registrar(_x)`: `on_x(fn)` adds `fn` to `_x` once and returns it (a decorator)."""

    def add(fn: Callable) -> Callable:
        if fn not in target:
            target.append(fn)
        return fn

    return add
