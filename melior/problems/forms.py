"""Forms parse what a team typed; services decide whether it may be saved."""

from django import forms

from melior import files

from .models import Cause, CauseCategory, ProcessStep


def _of(analysis, related: str, model):
    """A related queryset of the analysis, or none while it is not saved yet."""
    return getattr(analysis, related).all() if analysis.pk else model.objects.none()


class StatementForm(forms.Form):
    problem_statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    why_it_matters = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=80)


class CauseForm(forms.Form):
    name = forms.CharField(max_length=160)
    category = forms.ModelChoiceField(queryset=None)
    parent = forms.ModelChoiceField(queryset=None, required=False, label="Sub-cause of")
    in_control = forms.ChoiceField(
        choices=Cause.Control.choices, required=False, label="In our control?"
    )
    evidence = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="One web address a line.",
    )
    drivers = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label="Addressed by drivers"
    )

    def __init__(self, *args, analysis, drivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _of(analysis, "categories", CauseCategory)
        self.fields["parent"].queryset = _of(analysis, "causes", Cause).filter(parent=None)
        self.fields["drivers"].queryset = drivers


class TallyForm(forms.Form):
    cause = forms.ModelChoiceField(queryset=None)
    count = forms.IntegerField(min_value=0)
    observed_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Seen on"
    )
    source = forms.CharField(max_length=120, required=False, help_text="e.g. attendance log")

    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"].queryset = _of(analysis, "causes", Cause)


class TallyImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns cause, count and optionally date.")
    source = forms.CharField(max_length=120, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            files.check_size(upload.size)  # before the view reads it into memory
        except files.FileRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload


class StepForm(forms.Form):
    name = forms.CharField(max_length=120)
    owner = forms.CharField(max_length=120, required=False, help_text="A role, not a name.")
    pain_point = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class InterviewForm(forms.Form):
    role = forms.CharField(max_length=120, help_text="A role, never a name (e.g. 9th grader).")
    interviewed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    heard = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What we heard")
    causes = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["causes"].queryset = _of(analysis, "causes", Cause)


class PickForm(forms.Form):
    """One thing of the analysis, named by its id in ``field``, to act on."""

    def __init__(self, *args, field: str, among, **kwargs):
        super().__init__(*args, **kwargs)
        self.field = field
        message = f"Choose a {field}."
        self.fields[field] = forms.ModelChoiceField(
            queryset=among, error_messages={"required": message, "invalid_choice": message}
        )

    @property
    def picked(self):
        return self.cleaned_data[self.field]


class RenameCategoryForm(CategoryForm):
    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = forms.ModelChoiceField(
            queryset=_of(analysis, "categories", CauseCategory)
        )


class EditCauseForm(CauseForm):
    def __init__(self, *args, analysis, drivers, **kwargs):
        super().__init__(*args, analysis=analysis, drivers=drivers, **kwargs)
        self.fields["cause"] = forms.ModelChoiceField(queryset=_of(analysis, "causes", Cause))


class EditStepForm(StepForm):
    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"] = forms.ModelChoiceField(queryset=_of(analysis, "steps", ProcessStep))


class MoveStepForm(forms.Form):
    step = forms.ModelChoiceField(queryset=None)
    direction = forms.ChoiceField(choices=[("up", "Earlier"), ("down", "Later")])

    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].queryset = _of(analysis, "steps", ProcessStep)
