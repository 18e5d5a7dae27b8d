"""What the pipeline tells the features built on it, and what they add to its pages, without
the pipeline importing any of them (they register in their AppConfig.ready()):

- `on_added(fn)`: an application was created (`fn(application)`): respond-now opens its clock
  for someone who applied.
- `on_moved(fn)`: an application moved (`fn(stage_change)`): matching learns from outcomes.
- `on_cards(fn)`: the board's cards, an application's page and Today's next actions are about
  to be shown (`fn(applications, now)` sets attributes on them): scheduling adds the call or
  interview each one is waiting for.
- `on_today(fn)`: Today is being drawn for a user (`fn(user, now) -> dict` of template
  context): respond-now adds its items and figures.
"""

from __future__ import annotations

from collections.abc import Callable

from rounds.lib.hooks import registrar

_added: list[Callable] = []
_moved: list[Callable] = []
_cards: list[Callable] = []
_today: list[Callable] = []



on_added = registrar(_added)
on_moved = registrar(_moved)
on_cards = registrar(_cards)
on_today = registrar(_today)


def added(application) -> None:
    for fn in _added:
        fn(application)


def moved(stage_change) -> None:
    for fn in _moved:
        fn(stage_change)


def cards(applications: list, now) -> None:
    for application in applications:
        application.meeting = None
    for fn in _cards:
        fn(applications, now)


def today(user, now) -> dict:
    context: dict = {}
    for fn in _today:
        context.update(fn(user, now))
    return context
