"""What accounts tells the apps built on it, and what they add to its pages, without accounts
importing any of them (they register in their AppConfig.ready()):

- `on_organization_created(fn)`: a new organization exists (`fn(organization)`, inside the
  transaction that created it): the pipeline creates its default stages.
- `on_settings(fn)`: the organization's settings page is being drawn (`fn(request) -> dict` of
  template context): the pipeline lists its stages.
"""

from __future__ import annotations

from collections.abc import Callable

from rounds.lib.hooks import registrar

_created: list[Callable] = []
_settings: list[Callable] = []



on_organization_created = registrar(_created)
on_settings = registrar(_settings)


def organization_created(organization) -> None:
    for fn in _created:
        fn(organization)


def settings_context(request) -> dict:
    context: dict = {}
    for fn in _settings:
        context.update(fn(request))
    return context
