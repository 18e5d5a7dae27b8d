"""Why a message is written, and what the features that write messages want from the core.

Every outbound message carries a purpose (`Message.purpose`, a name registered here) and the
record it is about (`Message.ref_id`: a campaign, an enrolment, a shift offer, a meeting…).
The purpose says what the law sees (`kind`: commercial, transactional, asked for by the
person, to a colleague), whether the contact-frequency rule applies (`automated`), whether a
queued message is still wanted at the moment it would go, how a reply to it is answered, and
what an email of it carries attached. The feature that owns a purpose registers it in its
AppConfig.ready(); the core imports no feature.

The core also tells the features what happened, through listeners they register:
- `on_reply(order)`: a person replied. Handlers run in order until one answers the reply
  itself: `CLOSED` (a YES to a shift offer: nothing for a person to do, no conversation to
  record) or `ANSWERED` (a "2" that booked a time: the conversation moves on, nobody needs to
  write back). Then `on_conversation` listeners run (unless CLOSED: e.g. the application
  moves to "Engaged"), then, when no handler answered, `on_needs_person` listeners (the
  respond-now item).
- `on_every_reply`: every human reply, before the handlers (sequences stop on a reply).
- `on_review`: a reply a person must read and decide on (an ambiguous opt-out).
- `on_opt_out`: a candidate stopped one channel or everything (sequences stop).
- `on_unmatched_text`: a text no candidate could be found for, kept in one organization.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .choices import MessageKind, Topic

if TYPE_CHECKING:
    from .models import Message


class Handled(enum.Enum):
    CLOSED = "closed"  # answered by the feature; not a conversation (no pipeline move)
    ANSWERED = "answered"  # answered by the feature; the conversation moved on


@dataclass(frozen=True)
class Purpose:
    name: str  # "locums.offer": the owning feature's label, a dot, what it is
    label: str  # "a locum shift offer", for pages and reasons
    kind: str = MessageKind.COMMERCIAL
    topic: str = Topic.JOBS  # what a candidate can mute it under
    automated: bool = False  # sent by a rule, not a person: contact frequency applies
    # (messages) -> {message id: why it must not go any more}; one call per batch
    still_wanted: Callable[[list[Message]], dict[int, str]] | None = None
    # (message) -> [(filename, content, mimetype)] an email of this purpose carries
    attachments: Callable[[Message], list[tuple[str, str, str]]] | None = None


_purposes: dict[str, Purpose] = {}


def register(*purposes: Purpose) -> None:
    for purpose in purposes:
        if "." not in purpose.name:
            raise ValueError(f"A purpose is named “feature.what”, not “{purpose.name}”.")
        _purposes[purpose.name] = purpose


def get(name: str) -> Purpose:
    try:
        return _purposes[name]
    except KeyError:
        raise LookupError(
            f"No message purpose “{name}” is registered: the feature that writes it registers "
            "it in its AppConfig.ready() (rounds.messaging.purposes.register)."
        ) from None


def find(name: str) -> Purpose | None:
    return _purposes.get(name)


def registered() -> list[Purpose]:
    return sorted(_purposes.values(), key=lambda p: p.name)


def not_wanted(messages: Iterable[Message]) -> dict[int, str]:
    """Why some claimed messages must no longer go, by id, asked of each purpose once per
    batch (a sequence step whose enrolment stopped, an offer for a filled shift)."""
    by_purpose: dict[str, list[Message]] = {}
    for m in messages:
        by_purpose.setdefault(m.purpose, []).append(m)
    out: dict[int, str] = {}
    for name, batch in by_purpose.items():
        purpose = find(name)
        if purpose is not None and purpose.still_wanted is not None:
            out.update(purpose.still_wanted(batch))
    return out


def attachments(message: Message) -> list[tuple[str, str, str]]:
    purpose = find(message.purpose)
    if purpose is None or purpose.attachments is None:
        return []
    return purpose.attachments(message)


# --- listeners -----------------------------------------------------------------------------

ReplyHandler = Callable[["Message", str], "Handled | None"]
_reply_handlers: list[tuple[int, ReplyHandler]] = []
_every_reply: list[Callable[[Message], None]] = []
_conversation: list[Callable[[Message], None]] = []
_needs_person: list[Callable[[Message], None]] = []
_review: list[Callable[[Message, str], None]] = []
_opt_out: list[Callable[..., None]] = []
_unmatched_text: list[Callable[[Message, str], None]] = []


def on_reply(order: int) -> Callable[[ReplyHandler], ReplyHandler]:
    """Register `handler(message, text) -> Handled | None`, run in `order` (low first)."""

    def register_handler(handler: ReplyHandler) -> ReplyHandler:
        if handler not in [h for _, h in _reply_handlers]:
            _reply_handlers.append((order, handler))
            _reply_handlers.sort(key=lambda pair: pair[0])
        return handler

    return register_handler


def _adder(target: list):
    def add(listener):
        if listener not in target:
            target.append(listener)
        return listener

    return add


on_every_reply = _adder(_every_reply)
on_conversation = _adder(_conversation)
on_needs_person = _adder(_needs_person)
on_review = _adder(_review)
on_opt_out = _adder(_opt_out)
on_unmatched_text = _adder(_unmatched_text)


def reply_received(message: Message, text: str, *, clear: bool = True) -> Handled | None:
    """Run the listeners for a human reply (see the module docstring). With `clear=False` (a
    reply that may be asking to stop) no feature answers it by itself: a person reads it."""
    for listener in _every_reply:
        listener(message)
    outcome = None
    for _, handler in (_reply_handlers if clear else []):
        outcome = handler(message, text)
        if outcome is not None:
            break
    if outcome is Handled.CLOSED:
        return outcome
    for listener in _conversation:
        listener(message)
    if outcome is None:
        for listener in _needs_person:
            listener(message)
    return outcome


def review_needed(message: Message, note: str) -> None:
    for listener in _review:
        listener(message, note)


def opted_out(candidate, *, channels: Iterable[str]) -> int:
    """Tell the features a candidate stopped `channels`; returns how many things they stopped
    (sequences, offers…)."""
    channels = tuple(channels)
    return sum(listener(candidate, channels=channels) or 0 for listener in _opt_out)


def unmatched_text(message: Message, text: str) -> None:
    for listener in _unmatched_text:
        listener(message, text)
