import datetime

from django import forms

from .scale import CHOICES


class AssessmentForm(forms.Form):
    score = forms.ChoiceField(choices=CHOICES, label="Progress score")
    assessed_on = forms.DateField(
        label="Assessed on",
        initial=datetime.date.today,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the team's score is a whole step or more from the suggestion.",
    )
