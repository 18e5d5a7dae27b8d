"""One way to put an action's ValidationError on a form: `rounds.lib.forms.add_errors`."""

import re
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError

from rounds.lib.forms import add_errors, error_text


class NameForm(forms.Form):
    name = forms.CharField(required=False)
    quiet_start = forms.CharField(required=False)


def test_messages_go_next_to_the_fields_they_name():
    form = NameForm({})
    form.is_valid()
    add_errors(form, ValidationError({"name": ["Too short.", "Not a name."],
                                      "quiet_hours_start": "Give a time.",
                                      "phone_number": "Not a phone number.",
                                      "__all__": "Something else."}),
               fields={"quiet_hours_start": "quiet_start"})
    assert form.errors["name"] == ["Too short.", "Not a name."]
    assert form.errors["quiet_start"] == ["Give a time."]
    assert form.non_field_errors() == ["Phone number: Not a phone number.", "Something else."]


def test_a_message_without_a_field_goes_above_the_form():
    form = NameForm({})
    form.is_valid()
    add_errors(form, ValidationError(["First.", "Second."]))
    assert form.non_field_errors() == ["First.", "Second."]
    assert error_text(ValidationError({"a": "One.", "b": ["Two."]})) == "One. Two."


def test_others_go_where_the_caller_says():
    form = NameForm({})
    form.is_valid()
    seen = []
    add_errors(form, ValidationError({"steps": "Add a step."}),
               elsewhere=lambda field, messages: seen.append((field, messages)))
    assert seen == [("steps", ["Add a step."])] and not form.errors


def test_no_view_or_form_spreads_errors_by_hand():
    root = Path(__file__).resolve().parents[2]
    by_hand = re.compile(r"for \w+, \w+ in exc\.(message_dict|error_dict)\.items\(\):\n"
                         r"(.*\n){0,3}.*add_error\(")
    helper = root / "lib" / "forms.py"
    found = [str(p.relative_to(root)) for p in root.rglob("*.py")
             if "tests" not in p.parts and p != helper and by_hand.search(p.read_text())]
    assert not found, found
