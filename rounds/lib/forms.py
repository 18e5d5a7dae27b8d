"""The one way an action's ValidationError is put on a form (`add_errors`): each message next to
the field it names, the rest above the form, saying which field they are about."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def _label(field: str) -> str:
    return field.replace("_", " ").strip().capitalize()


def add_errors(form, exc: ValidationError, *, fields: dict[str, str] | None = None,
               elsewhere: Callable[[str, list[str]], None] | None = None) -> None:
    """Put `exc` on `form`. `fields` maps an action's field names to the form's where they
    differ; a message about a field the form does not have goes above the form as
    "Field: message" (or to `elsewhere(field, messages)`, e.g. a formset's rows)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, errors in exc.error_dict.items():
        messages = [m for error in errors for m in error.messages]
        name = (fields or {}).get(field, field)
        if name in form.fields:
            form.add_error(name, messages)
        elif field == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        elif elsewhere is not None:
            elsewhere(field, messages)
        else:
            form.add_error(None, [f"{_label(field)}: {m}" for m in messages])


def error_text(exc: ValidationError) -> str:
    """Every message of `exc` as one line, for a flash message or an API answer."""
    if hasattr(exc, "error_dict"):
        return " ".join(m for errors in exc.error_dict.values() for e in errors
                        for m in e.messages)
    return " ".join(exc.messages)
