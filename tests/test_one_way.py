"""Some things have exactly one way to happen, so the rules attached to them can't be skipped:

- Messages leave only through the messaging core (`rounds/messaging`): the outbox writes the
  row with its purpose, the send policy decides, delivery sends and records. Nothing else
  opens an SMTP connection, calls Django's mail functions or a provider, texts through the SMS
  adapter, writes an outbound Message or marks one sent. (Two consent emails once bypassed the
  outbox with copied claim-send-record code and told a candidate a link was on its way when
  nothing had gone.)
- An application changes stage only through `rounds.pipeline.actions`, which records the move
  and tells the features listening (`rounds.pipeline.hooks`): matching learns from outcomes,
  respond-now and scheduling follow the conversation. A stage written anywhere else would skip
  all of them.

The checks read the source (ast), so they hold for code no test happens to run."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "rounds"

MAIL_MODULES = ("django.core.mail", "smtplib", "anymail")
SENDING_CALLS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "send_text",
                 "get_connection", "EmailMessage", "EmailMultiAlternatives"}
# Where the demo writes history (messages that were "sent" before the demo began); it sends
# nothing, and says so where it does it.
HISTORY_WRITERS = {"demo/outreach.py"}


def _modules(skip_prefixes: tuple[str, ...]):
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        parts = rel.split("/")
        if "tests" in parts or "migrations" in parts or rel.startswith(skip_prefixes):
            continue
        yield rel, path.read_text()


def _name(node) -> str:
    """`a.b.c` for an attribute chain, `c` for a name."""
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _kw(call: ast.Call, name: str) -> str:
    for kw in call.keywords:
        if kw.arg == name:
            return _name(kw.value) or ast.unparse(kw.value)
    return ""


def sending_outside_the_core(rel: str, source: str) -> list[str]:
    """What in this module sends, or records a send, without the messaging core."""
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names
                      if a.name.startswith(MAIL_MODULES)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += [f"{where} imports {n}" for n in names if n.startswith(MAIL_MODULES)]
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            last = called.rsplit(".", 1)[-1]
            if last in SENDING_CALLS or called.endswith(("sms.get_backend",
                                                          "sms_adapter.get_backend")):
                found.append(f"{where} calls {called}")
            elif called in ("Message.objects.create", "Message") and "INBOUND" not in _kw(
                    node, "direction"):
                found.append(f"{where} writes an outbound Message ({called})")
            elif called == "Message.objects.bulk_create":
                found.append(f"{where} writes Messages in bulk")
            elif last == "update" and rel not in HISTORY_WRITERS and "SENT" in _kw(
                    node, "status") and "Message" in ast.unparse(node.func):
                found.append(f"{where} marks messages sent")
    return found


def stage_written_outside_the_pipeline(rel: str, source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr in ("stage", "stage_id"):
                    found.append(f"{where} sets {ast.unparse(target)}")
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            last = called.rsplit(".", 1)[-1]
            if last in ("update", "bulk_update") and any(
                kw.arg in ("stage", "stage_id") for kw in node.keywords
            ):
                found.append(f"{where} updates the stage ({called})")
            elif last == "bulk_update" and node.args[1:] and {"stage", "stage_id"} & {
                getattr(e, "value", None) for e in getattr(node.args[1], "elts", [])
            }:
                found.append(f"{where} updates the stage in bulk ({called})")
            elif called.startswith("StageChange") and last in ("create", "bulk_create",
                                                                "StageChange"):
                found.append(f"{where} writes a stage change ({called})")
    return found


def test_nothing_outside_the_messaging_core_sends():
    found = []
    for rel, source in _modules(skip_prefixes=("messaging/", "settings.py")):
        found += sending_outside_the_core(rel, source)
    assert found == [], "Send through rounds.messaging.outbox.queue_message:\n" + "\n".join(found)


def test_applications_move_only_through_the_pipeline_actions():
    found = []
    for rel, source in _modules(skip_prefixes=("pipeline/actions.py",)):
        found += stage_written_outside_the_pipeline(rel, source)
    assert found == [], "Move applications with rounds.pipeline.actions:\n" + "\n".join(found)


def test_the_checks_find_what_they_look_for():
    """Each way round the rules, as it was once written, is found (so the checks can fail)."""
    bypass = (
        "from django.core.mail import EmailMessage, get_connection\n"
        "import smtplib\n"
        "from rounds.messaging import sms\n"
        "def send_link(c, body):\n"
        "    conn = get_connection()\n"
        "    EmailMessage('Confirm', body, to=[c.email], connection=conn).send()\n"
        "    sms.send_text(c.phone, body)\n"
        "    Message.objects.create(candidate=c, direction=Direction.OUTBOUND, body=body)\n"
        "    Message.objects.filter(pk=1).update(status=MessageStatus.SENT)\n"
    )
    found = sending_outside_the_core("x.py", bypass)
    assert len(found) == 8, found
    inbound = "Message.objects.create(direction=Direction.INBOUND, body='hi')\n"
    assert sending_outside_the_core("x.py", inbound) == []

    moves = (
        "application.stage = hired\n"
        "Application.objects.filter(pk=1).update(stage=hired)\n"
        "Application.objects.bulk_update(apps, ['stage'])\n"
        "StageChange.objects.create(application=application)\n"
    )
    assert len(stage_written_outside_the_pipeline("x.py", moves)) == 4


def test_matching_listens_to_every_move():
    """The pipeline's move hook reaches matching's learning (registered in its AppConfig)."""
    from rounds.matching.tasks import queue_learning
    from rounds.pipeline import hooks

    assert queue_learning in hooks._moved
