import datetime

from django import forms

from .models import Adaptation, Dimension, Rhythm

DATE = {"widget": forms.DateInput(attrs={"type": "date"}), "initial": datetime.date.today}
LEVELS = [("", "—"), ("2", "2 · Ideal"), ("1", "1 · Acceptable"), ("0", "0 · Unacceptable")]


class PlanForm(forms.Form):
    dimensions = forms.MultipleChoiceField(
        label="Dimensions each check rates",
        choices=Dimension.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Dimension.ADHERENCE],
    )
    rhythm = forms.ChoiceField(label="Rhythm of checks", choices=Rhythm.choices)


class ComponentForm(forms.Form):
    name = forms.CharField(label="Component", max_length=160)
    essential = forms.TypedChoiceField(
        label="Kind",
        choices=[("1", "Essential (the idea is not the idea without it)"), ("0", "Adaptable")],
        coerce=lambda v: v == "1",
    )
    ideal = forms.CharField(label="Ideal use", widget=forms.Textarea(attrs={"rows": 2}))
    acceptable = forms.CharField(label="Acceptable use", widget=forms.Textarea(attrs={"rows": 2}))
    unacceptable = forms.CharField(
        label="Unacceptable use", widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckForm(forms.Form):
    """A fidelity check: one level per component and dimension (fields `level-<id>-<dim>`)."""

    site = forms.ModelChoiceField(label="School", queryset=None)
    checked_on = forms.DateField(label="Checked on", **DATE)
    rated_by = forms.CharField(label="Rated by", max_length=120)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, plan, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.grid = []
        for component in plan.components.all():
            cells = []
            for dimension in plan.dimensions:
                name = f"level-{component.pk}-{dimension}"
                self.fields[name] = forms.TypedChoiceField(
                    label=f"{component.name}: {Dimension(dimension).label}",
                    choices=LEVELS,
                    coerce=int,
                    required=False,
                    empty_value=None,
                )
                cells.append(self[name])
            self.grid.append((component, cells))

    def levels(self) -> dict[tuple[int, str], int | None]:
        out = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("level-"):
                _, component, dimension = name.split("-", 2)
                out[(int(component), dimension)] = value
        return out


class AdaptationForm(forms.Form):
    site = forms.ModelChoiceField(label="School", queryset=None)
    component = forms.ModelChoiceField(label="Component changed", queryset=None)
    made_on = forms.DateField(label="When", **DATE)
    what = forms.CharField(label="What was changed", widget=forms.Textarea(attrs={"rows": 2}))
    goal = forms.ChoiceField(label="Why (FRAME goal)", choices=Adaptation.Goal.choices)
    reason = forms.CharField(
        label="Reason in your words", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    decided_by = forms.CharField(label="Who decided", max_length=120)
    planned = forms.TypedChoiceField(
        label="Planned or reactive",
        choices=[("1", "Planned ahead"), ("0", "Reactive (in the moment)")],
        coerce=lambda v: v == "1",
    )
    cycle = forms.ModelChoiceField(label="PDSA cycle that tested it", queryset=None, required=False)

    def __init__(self, *args, plan, sites, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["component"].queryset = plan.components.all()
        self.fields["cycle"].queryset = cycles
        self.fields["cycle"].label_from_instance = lambda c: f"{c.project.site.name}: {c.title}"
