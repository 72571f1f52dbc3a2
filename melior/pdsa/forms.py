"""Forms parse what a team typed; the services decide whether it may be saved."""

from django import forms
from django.contrib.auth import get_user_model

from melior.theory.models import DriverDiagram, Node

from .models import Cycle, LearningQuestion

DATE = forms.DateInput(attrs={"type": "date"})


def idea_choices(project):
    """Change ideas a project can test: its own adaptation's if it has one, else the network's."""
    diagram = DriverDiagram.objects.filter(project=project).first()
    if diagram is None:
        diagram = DriverDiagram.objects.filter(network=project.network, project=None).first()
    if diagram is None:
        return Node.objects.none()
    return diagram.nodes.filter(kind=Node.Kind.CHANGE_IDEA, hidden=False).order_by("position")


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
        self.fields["change_idea"].queryset = idea_choices(project)
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
