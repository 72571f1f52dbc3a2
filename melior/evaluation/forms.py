from django import forms

from melior.governance.models import SUBGROUPS

from .models import Evidence, EvidenceCode, Pilot, PilotOutcome
from .services import PLAN_FIELDS


class PilotForm(forms.ModelForm):
    subgroups = forms.MultipleChoiceField(
        choices=list(SUBGROUPS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Groups whose results the report shows separately (and whose gaps it follows).",
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Once the plan is registered, every change needs a reason (kept as an "
        "amendment).",
    )
    # asked as the percentage the label names; the pilot keeps it as a share (0.75)
    certainty = forms.FloatField(
        label="Certainty to act (%)",
        min_value=50,
        max_value=99,
        help_text="How sure the team wants to be before acting, from 50% to 99%.",
        error_messages={
            "min_value": "Give a percentage from 50 to 99, such as 75.",
            "max_value": "Give a percentage from 50 to 99, such as 75.",
            "invalid": "Give a percentage from 50 to 99, such as 75.",
        },
    )

    class Meta:
        model = Pilot
        fields = [*PLAN_FIELDS, "sites"]
        widgets = {
            "starts": forms.DateInput(attrs={"type": "date"}),
            "ends": forms.DateInput(attrs={"type": "date"}),
            "question": forms.Textarea(attrs={"rows": 2}),
            "hypotheses": forms.Textarea(attrs={"rows": 3}),
            "analysis_plan": forms.Textarea(attrs={"rows": 3}),
            "sites": forms.CheckboxSelectMultiple,
        }
        labels = {"sites": "Schools in the pilot", "purpose": "Data collected for"}

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["certainty"] = f"{self.instance.certainty * 100:.3g}"
        self.fields["sites"].queryset = network.sites.order_by("name")
        self.fields["purpose"].queryset = network.purposes.all()
        if self.instance.pk is None or not self.instance.registered:
            del self.fields["reason"]

    def clean_certainty(self):
        return round(self.cleaned_data["certainty"] / 100, 4)


class OutcomeForm(forms.ModelForm):
    reason = forms.CharField(required=False, help_text="Needed once the plan is registered.")

    class Meta:
        model = PilotOutcome
        fields = ["name", "role", "direction", "meaningful_effect"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Pilot.Decision.choices, widget=forms.RadioSelect)
    decision_rationale = forms.CharField(
        label="Why", widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept on the report."
    )


class CodeForm(forms.ModelForm):
    class Meta:
        model = EvidenceCode
        fields = ["name", "description"]
        labels = {"name": "Code", "description": "What it means (optional)"}


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["kind", "respondent", "site", "arm", "collected_on", "text", "codes"]
        widgets = {
            "collected_on": forms.DateInput(attrs={"type": "date"}),
            "text": forms.Textarea(attrs={"rows": 4}),
            "codes": forms.CheckboxSelectMultiple,
        }
        labels = {"site": "School", "collected_on": "Collected on", "respondent": "From"}
        help_texts = {"arm": "Left blank at a school assigned whole, the school's arm is used."}

    def __init__(self, *args, pilot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = pilot.sites.order_by("name")
        self.fields["codes"].queryset = pilot.codes.all()


class EvidenceImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns respondent (teacher, student, staff, family), date (YYYY-MM-DD) and "
        "text; optionally kind (note, interview, survey), school, arm (tool, comparison) and "
        "codes separated by “;”.",
    )


class CodingForm(forms.Form):
    codes = forms.ModelMultipleChoiceField(
        queryset=EvidenceCode.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    quoted = forms.BooleanField(required=False, label="Quote it on the report")

    def __init__(self, *args, pilot, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].queryset = pilot.codes.all()
