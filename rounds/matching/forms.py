from django import forms

from .choices import DEFAULT_WEIGHTS, Component


class MatchFilterForm(forms.Form):
    """The filters of a job's Matches tab. `f` marks a submitted filter form, so that an
    unticked box means "off" rather than "use the default"."""

    f = forms.BooleanField(required=False, widget=forms.HiddenInput)
    hide_pipeline = forms.BooleanField(
        required=False, initial=True, label="Hide people already in this pipeline"
    )
    near_misses_only = forms.BooleanField(required=False, label="Near-misses only")
    offset = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def values(self) -> dict:
        """The filters in force: the defaults unless the form was submitted."""
        if not self.is_bound or not self.is_valid():
            return {"hide_pipeline": True, "near_misses_only": False, "offset": 0}
        data = self.cleaned_data
        submitted = bool(data.get("f"))
        return {
            "hide_pipeline": data["hide_pipeline"] if submitted else True,
            "near_misses_only": bool(data["near_misses_only"]),
            "offset": min(data.get("offset") or 0, 100_000),
        }


class FeedbackForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("up", "Thumbs up"), ("down", "Thumbs down")])


class WeightsForm(forms.Form):
    """One number per score component, in percent. They need not add up to 100: they are
    scaled so that they do."""

    def __init__(self, *args, weights: dict[str, float], **kwargs):
        super().__init__(*args, **kwargs)
        for key in DEFAULT_WEIGHTS:
            self.fields[key] = forms.DecimalField(
                label=Component(key).label, min_value=0, max_value=100, decimal_places=1,
                max_digits=4,
                widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100"}),
                help_text=f"Default {DEFAULT_WEIGHTS[key] * 100:.0f}",
            )
            self.initial.setdefault(key, round(weights.get(key, 0) * 100, 1))

    def clean(self):
        data = super().clean()
        if not self.errors and sum(data.get(k) or 0 for k in DEFAULT_WEIGHTS) <= 0:
            raise forms.ValidationError("At least one weight must be above zero.")
        return data

    def weights(self) -> dict[str, float]:
        """As fractions, for rounds.matching.actions.do_set_weights."""
        return {k: float(self.cleaned_data[k]) / 100 for k in DEFAULT_WEIGHTS}

    def rows(self) -> list:
        return [self[k] for k in DEFAULT_WEIGHTS]
