from django import forms

from .models import ImprovementProject


class CharterForm(forms.ModelForm):
    class Meta:
        model = ImprovementProject
        fields = [
            "title",
            "problem_statement",
            "why_it_matters",
            "aim_statement",
            "aim_measure",
            "population",
            "baseline_value",
            "target_value",
            "target_date",
            "status",
        ]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "problem_statement": forms.Textarea(attrs={"rows": 4}),
            "why_it_matters": forms.Textarea(attrs={"rows": 3}),
            "aim_statement": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aim_measure"].queryset = self.instance.network.measures.all()
