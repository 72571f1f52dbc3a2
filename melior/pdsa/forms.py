"""Forms parse what a team typed; the services decide whether it may be saved."""

from django import forms
from django.contrib.auth import get_user_model

from melior.theory.selectors import testable_change_ideas

from .models import Cycle, LearningQuestion

DATE = forms.DateInput(attrs={"type": "date"})


class NewCycleForm(forms.Form):
    change_idea = forms.ModelChoiceField(queryset=None, label="Which change idea are you testing?")
    title = forms.CharField(max_length=160, help_text="e.g. Exit tickets in one Algebra class")
    format = forms.ChoiceField(
        choices=Cycle.Format.choices,
        initial=Cycle.Format.GUIDED,
        label="How do you want to write it?",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_idea"].queryset = testable_change_ideas(project)
        self.fields["change_idea"].label_from_instance = lambda node: node.name


PLAN_STEPS = {
    "objective": ["title", "objective"],
    "logistics": ["who", "what", "where", "scale", "scale_detail", "planned_start", "due"],
    "measures": ["measures"],
}


class PlanForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = [
            "format",
            "title",
            "objective",
            "who",
            "what",
            "where",
            "scale",
            "scale_detail",
            "planned_start",
            "due",
            "measures",
            "notes",
        ]
        labels = {
            "who": "Who",
            "what": "What will be done",
            "where": "Where",
            "planned_start": "Start",
            "due": "Due",
            "measures": "Linked measures",
        }
        widgets = {
            "objective": forms.Textarea(attrs={"rows": 2}),
            "what": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 6}),
            "planned_start": DATE,
            "due": DATE,
            "measures": forms.CheckboxSelectMultiple,
        }

    @classmethod
    def posted_fields(cls, data) -> list[str]:
        """The fields the posted form showed (it names them), so an unticked box still counts
        as an answer."""
        return [f for f in data.get("fields", "").split(",") if f in cls.Meta.fields]

    def __init__(self, *args, only=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = self.instance.network.measures.all()
        if only is not None:
            for name in list(self.fields):
                if name not in only:
                    del self.fields[name]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = LearningQuestion
        fields = [
            "question",
            "kind",
            "prediction",
            "predicted_value",
            "predicted_direction",
            "data_to_collect",
        ]
        labels = {
            "prediction": "Prediction (a sentence)",
            "predicted_value": "Predicted value",
            "predicted_direction": "or predicted direction",
        }
        widgets = {
            "prediction": forms.Textarea(attrs={"rows": 2}),
            "data_to_collect": forms.Textarea(attrs={"rows": 2}),
        }


class StartForm(forms.Form):
    started_on = forms.DateField(label="Started on", widget=DATE)


class DoForm(forms.Form):
    what_happened = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="What happened, compared with the plan",
    )
    surprises = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ObservationForm(forms.Form):
    date = forms.DateField(widget=DATE)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What you observed")
    measure = forms.ModelChoiceField(
        queryset=None, required=False, label="Also record a value on a measure"
    )
    value = forms.CharField(required=False)
    numerator = forms.CharField(required=False)
    denominator = forms.CharField(required=False)

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = cycle.measures.all()


class AttachmentForm(forms.Form):
    file = forms.FileField()


class StudyForm(forms.Form):
    """What happened for each learning question, and the summary: the fields of each
    question are named after it (result_12, held_12, …)."""

    study_summary = forms.CharField(required=False)

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            # held is checked by the service, which names the choices in its refusal
            for name in ("result", "result_value", "held", "learned"):
                self.fields[f"{name}_{q.pk}"] = forms.CharField(required=False, strip=False)

    def clean(self):
        data = super().clean()
        for q in self.questions:
            field = f"result_value_{q.pk}"
            value = (data.get(field) or "").strip()
            try:
                data[field] = float(value) if value else None
            except ValueError:
                self.add_error(field, f"{q.question}: “{value}” is not a number.")
        return data

    def summary(self) -> str:
        return self.cleaned_data["study_summary"]

    def results(self) -> dict:
        """question id -> {result, result_value, held, learned}, as the service takes them."""
        return {
            q.pk: {
                name: self.cleaned_data[f"{name}_{q.pk}"]
                for name in ("result", "result_value", "held", "learned")
            }
            for q in self.questions
        }


class ActForm(forms.Form):
    decision = forms.ChoiceField(choices=Cycle.Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    open_next = forms.BooleanField(
        required=False, initial=True, label="Open the next cycle, pre-filled (adopt or adapt)"
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Comment",
        help_text="Mention someone with @username.",
    )


class AuthorsForm(forms.Form):
    authors = forms.ModelMultipleChoiceField(
        queryset=None, label="Co-authors", widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authors"].queryset = (
            get_user_model().objects.filter(pk__in=[u.pk for u in candidates]).order_by("username")
        )


class SharingForm(forms.Form):
    shared = forms.BooleanField(
        required=False,
        label="Share the summary with the network's other schools",
        help_text="Plan, predictions, what happened, study and decision — when the cycle tests "
        "a change idea of the network's theory.",
    )
    shares_details = forms.BooleanField(required=False, label="Share its files and comments too")


class NetworkSharingForm(forms.Form):
    enabled = forms.BooleanField(
        required=False,
        label="Schools see each other's cycles on the network's change ideas",
        help_text="The summary only, as each cycle's team allows; files and comments where a "
        "team shares them; never student-level data.",
    )


class AskForm(forms.Form):
    text = forms.CharField(
        label="Your question to the team that ran it",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The cycle's authors are notified and see it on the cycle.",
    )
