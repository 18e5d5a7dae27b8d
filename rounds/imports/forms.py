from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from rounds.candidates.choices import Profession
from rounds.lib.uploads import human_size

from . import actions
from .fields import TARGETS


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=(
            "CSV (comma, semicolon or tab separated; UTF-8 or Windows encoding) or Excel .xlsx, "
            f"up to {human_size(settings.MAX_IMPORT_BYTES)}. The first line names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )


class MappingForm(forms.Form):
    """One select per field an import can fill, listing the file's columns."""

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        columns = [("", "— don't import —")] + [(h, h) for h in batch.headers]
        for target in TARGETS:
            self.fields[target.name] = forms.ChoiceField(
                label=target.label, choices=columns, required=False, help_text=target.help,
                initial=batch.mapping.get(target.name, ""),
            )
        self.fields["default_profession"] = forms.ChoiceField(
            label="Profession when the cell is empty",
            choices=[("", "— none: report the row —")] + list(Profession.choices),
            required=False, initial=batch.default_profession,
            help_text="Use this when the whole file is one profession, e.g. a list of RNs.",
        )

    def clean(self):
        data = super().clean()
        mapping = {t.name: data.get(t.name, "") for t in TARGETS}
        try:
            self.mapping, self.default_profession = actions.check_mapping(
                self.batch.headers, mapping, data.get("default_profession", "")
            )
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                self.add_error(field_name if field_name in self.fields else None, messages)
        return data

    def target_fields(self):
        return [self[t.name] for t in TARGETS]
