from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from rounds.candidates.choices import Profession
from rounds.lib.uploads import human_size

from . import actions
from .fields import TARGETS
from .mapping import columns, decode_choice, encode_choice, families


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
    """One select per field an import can fill, listing the file's columns that hold values.
    Fields taking several columns also list the numbered families ("… Code_1 … _15") and the
    suggested set of columns, each as one choice."""

    def __init__(self, *args, batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        headers = batch.headers
        filled = batch.filled if len(batch.filled or []) == len(headers) else [1] * len(headers)
        mapped = {c for v in (batch.mapping or {}).values() for c in columns(v)}
        # Columns empty in every row read at upload are left out of the lists (unless already
        # chosen); a long file is read that far only (parsing.rows_to_inspect).
        singles = [(h, h) for h, n in zip(headers, filled, strict=True) if n or h in mapped]
        multiple = []
        for family in families(headers):
            if any(filled[headers.index(m)] for m in family.members):
                multiple.append((encode_choice(list(family.members)), family.label))
        for target in TARGETS:
            choices = [("", "— don't import —")]
            initial = encode_choice(batch.mapping.get(target.name, ""))
            if target.multiple:
                extra = multiple
                if initial and initial not in {v for v, _l in [*singles, *multiple]}:
                    chosen = columns(batch.mapping[target.name])
                    extra = [(initial, " + ".join(chosen) if len(chosen) <= 3 else
                              f"{chosen[0]} + {len(chosen) - 1} more columns"), *multiple]
                choices += [("Several columns", extra), ("One column", singles)] if extra else (
                    singles)
            else:
                choices += singles
            self.fields[target.name] = forms.ChoiceField(
                label=target.label, choices=choices, required=False, help_text=target.help,
                initial=initial,
            )
        self.fields["default_profession"] = forms.ChoiceField(
            label="Profession when the cell is empty",
            choices=[("", "— none: report the row —")] + list(Profession.choices),
            required=False, initial=batch.default_profession,
            help_text="Use this when the whole file is one profession, e.g. a list of RNs.",
        )

    def clean(self):
        data = super().clean()
        headers = self.batch.headers
        mapping = {t.name: decode_choice(data.get(t.name, ""), headers) for t in TARGETS}
        try:
            self.mapping, self.default_profession = actions.check_mapping(
                headers, mapping, data.get("default_profession", "")
            )
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                self.add_error(field_name if field_name in self.fields else None, messages)
        return data

    def target_fields(self):
        return [self[t.name] for t in TARGETS]
