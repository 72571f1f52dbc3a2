from django import forms

from melior.files import MAX_FILE_BYTES

from .models import Measure


class ObservationForm(forms.Form):
    """Add or correct one observation. Rules live in services.validate_observation."""

    period_start = forms.DateField(
        label="Period starting", widget=forms.DateInput(attrs={"type": "date"})
    )
    value = forms.CharField(required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    numerator = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    denominator = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    correcting = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        if measure.has_denominator:
            del self.fields["value"]
            self.fields["numerator"].label = "Numerator"
            self.fields["numerator"].help_text = measure.numerator_definition
            self.fields["denominator"].label = "Denominator"
            self.fields["denominator"].help_text = measure.denominator_definition
        else:
            del self.fields["numerator"]
            del self.fields["denominator"]
            self.fields["value"].label = f"Value ({measure.unit})" if measure.unit else "Value"
        self.fields["period_start"].help_text = measure.get_frequency_display()


class AnnotationForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label="What happened",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Started exit tickets in Algebra I"}),
    )


class ChartSettingForm(forms.Form):
    """A site's chart choices: which chart, where it splits into parts, a frozen baseline."""

    chart = forms.ChoiceField(
        choices=[("", "The measure's default"), *Measure.Chart.choices], required=False
    )
    split_at = forms.DateField(
        label="Split the chart at a change date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "list": "annotation-dates"}),
        help_text="A new part (with its own center line and limits) starts at the first period "
        "on or after this date.",
    )
    remove_splits = forms.MultipleChoiceField(
        label="Remove splits", required=False, widget=forms.CheckboxSelectMultiple
    )
    freeze_points = forms.IntegerField(
        label="Freeze the baseline at the first N points",
        required=False,
        min_value=2,
        help_text="Center line and limits come from these points and are extended to the rest.",
    )

    def __init__(self, *args, split_dates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_splits"].choices = [(d, d) for d in split_dates]


class ImportForm(forms.Form):
    file = forms.FileField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f".csv or .xlsx, up to {MAX_FILE_BYTES // 2**20} MB"

    source = forms.CharField(
        max_length=120,
        required=False,
        label="Where the file comes from",
        help_text="Name it (e.g. 'SIS attendance export') and Melior remembers its columns.",
    )
    map_site = forms.CharField(label="Column with the site", required=False)
    map_measure = forms.CharField(label="Column with the measure", required=False)
    map_period_start = forms.CharField(label="Column with the period start", required=False)
    map_value = forms.CharField(label="Column with the value", required=False)
    map_numerator = forms.CharField(label="Column with the numerator", required=False)
    map_denominator = forms.CharField(label="Column with the denominator", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError("Choose a .csv or .xlsx file.")
        return upload

    def mapping(self) -> dict[str, str]:
        return mapping_from(self.cleaned_data)


def mapping_from(data) -> dict[str, str]:
    """{field: column} from the map_* inputs that were filled in."""
    return {
        name.removeprefix("map_"): str(value).strip()
        for name, value in data.items()
        if name.startswith("map_") and value and str(value).strip()
    }
