"""The hub's forms parse what was typed; services decide whether it may be saved. Every choice
offered is already one the user may make (sites they see, the network's own ideas and cycles)."""

from django import forms

from .models import Group


def _date(**kwargs) -> forms.DateField:
    return forms.DateField(
        input_formats=["%Y-%m-%d"],
        required=False,
        error_messages={"invalid": "Give the date as YYYY-MM-DD."},
        **kwargs,
    )


class GroupForm(forms.Form):
    name = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    description = forms.CharField(required=False)
    sites = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites


class ActivityForm(forms.Form):
    title = forms.CharField(required=False)
    description = forms.CharField(required=False)
    due = _date()
    group = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(network=network)


class AnnouncementForm(forms.Form):
    title = forms.CharField(required=False)
    body = forms.CharField(required=False)
    pinned = forms.BooleanField(required=False)


class ResourceForm(forms.Form):
    title = forms.CharField(required=False)
    url = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    description = forms.CharField(required=False)
    change_ideas = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, ideas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_ideas"].queryset = ideas


class SynthesisForm(forms.Form):
    title = forms.CharField(required=False)
    body = forms.CharField(required=False)
    change_ideas = forms.ModelMultipleChoiceField(queryset=None, required=False)
    cycles = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, ideas, cycles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_ideas"].queryset = ideas
        self.fields["cycles"].queryset = cycles


class PhaseForm(forms.Form):
    phase = forms.CharField(required=False)
    started_on = _date()
    note = forms.CharField(required=False)


class PickForm(forms.Form):
    """One of the hub's things, named by its ``pk``, to delete."""

    pk = forms.ModelChoiceField(
        queryset=None,
        error_messages={"required": "Choose what to delete.", "invalid_choice": "It is gone."},
    )

    def __init__(self, *args, among, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pk"].queryset = among


class SpreadStageForm(forms.Form):
    idea = forms.ModelChoiceField(queryset=None, to_field_name="key")
    site = forms.ModelChoiceField(queryset=None)
    stage = forms.CharField(required=False)
    on = _date()
    note = forms.CharField(required=False)

    def __init__(self, *args, ideas, sites, **kwargs):
        super().__init__(*args, **kwargs)
        message = "Choose a change idea and a site."
        for name, queryset in (("idea", ideas), ("site", sites)):
            self.fields[name].queryset = queryset
            self.fields[name].error_messages.update(required=message, invalid_choice=message)
