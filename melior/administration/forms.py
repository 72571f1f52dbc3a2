"""The settings pages' forms. They parse; the services decide."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from melior.learning.models import NetworkPhase
from melior.measures.models import Measure
from melior.networks.models import Organization, Role

from .permissions import may_grant, network_organizations


class NetworkForm(forms.Form):
    name = forms.CharField(max_length=200)
    aim = forms.CharField(
        label="Shared aim",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What will improve, for whom, by how much and by when, e.g. “85 % of 9th "
        "graders on track by June 2027”.",
    )
    problem_statement = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    why_it_matters = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    phase = forms.ChoiceField(
        label="Phase",
        required=False,
        choices=[("", "—"), *NetworkPhase.Phase.choices],
        help_text="Changing it starts a new phase today; the history is kept.",
    )


class NewNetworkForm(forms.Form):
    name = forms.CharField(max_length=200, label="Network name")
    aim = forms.CharField(
        label="Shared aim", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead_email = forms.EmailField(
        label="Network lead's email", help_text="They get a link to join as the network's lead."
    )


SCHOOL_ATTRIBUTES = ["name", "nces_id", "state_id", "level", "locale", "enrolment", "poverty_share"]


class SchoolForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = SCHOOL_ATTRIBUTES
        labels = {"nces_id": "NCES school id (NCESSCH)", "poverty_share": "Poverty share (0 to 1)"}

    def __init__(self, *args, network=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nces_id"].help_text = "12 digits, from the NCES Common Core of Data."
        if network is not None:  # adding: choose or name its district
            self.fields["district"] = forms.ModelChoiceField(
                queryset=network_organizations(network).filter(kind="district").order_by("name"),
                required=False,
                empty_label="— none, or a new district below —",
            )
            self.fields["new_district"] = forms.CharField(
                label="New district's name", required=False, max_length=200
            )
            self.fields["new_district_leaid"] = forms.CharField(
                label="New district's NCES id (LEAID)", required=False, max_length=7
            )

    def _clean_id(self, name: str, label: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        clash = Organization.objects.filter(**{name: value}).exclude(pk=self.instance.pk)
        if value and clash.exists():
            raise forms.ValidationError(f"Another school or district has the {label} {value}.")
        return value

    def clean_nces_id(self):
        return self._clean_id("nces_id", "NCES id")

    def clean_state_id(self):
        return self._clean_id("state_id", "state id")


class SchoolImportForm(forms.Form):
    text = forms.CharField(
        label="Rows of the CCD school file",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="Paste from the spreadsheet with the header row: NCESSCH, LEAID, SCH_NAME, "
        "LEA_NAME, LEVEL, ULOCALE, ENROLLMENT, TOTFRL (or FRL_SHARE).",
    )
    file = forms.FileField(label="…or a .csv file", required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            data["text"] = upload.read().decode("utf-8-sig", errors="replace")
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("Paste the rows or choose a file.")
        return data


class MeasureForm(forms.ModelForm):
    class Meta:
        model = Measure
        fields = [
            "name", "kind", "description", "value_type", "unit", "rate_multiplier",
            "numerator_definition", "denominator_definition", "data_source", "frequency",
            "desired_direction", "target", "default_chart",
        ]  # fmt: skip
        labels = {"kind": "Role in the family of measures", "value_type": "Type",
                  "desired_direction": "Better direction"}  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "numerator_definition": forms.Textarea(attrs={"rows": 2}),
            "denominator_definition": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"] = forms.ChoiceField(
            label="Where it sits on the theory",
            required=False,
            choices=[("", "— not on the theory yet —"),
                     *[(str(n.pk), f"{n.get_kind_display()}: {n.name}") for n in nodes]],
            help_text="Outcome measures on the aim, driver measures on a driver, process "
            "measures on a change idea; balancing measures anywhere.",
        )  # fmt: skip

    def validate_unique(self):
        """The slug is the service's."""


def scope_choices(user, network) -> list[tuple[str, str]]:
    organizations = network_organizations(network).order_by("kind", "name")
    choices = [("network", f"The whole network ({network.name})")]
    choices += [(str(o.pk), f"{o.get_kind_display()}: {o.name}") for o in organizations]
    return [
        (value, label)
        for value, label in choices
        if any(
            may_grant(
                user, network, role, None if value == "network" else _org(organizations, value)
            )
            for role in Role.values
        )
    ]


def _org(organizations, value):
    return next((o for o in organizations if str(o.pk) == value), None)


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField()
    scope = forms.ChoiceField(
        label="Where", help_text="Across the network, or at one district or school."
    )

    def __init__(self, *args, user, network, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.network = network
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        if Role.TEAM_MEMBER in roles:
            self.fields["role"].initial = Role.TEAM_MEMBER
        self.fields["scope"].choices = scope_choices(user, network)

    def organization(self):
        value = self.cleaned_data["scope"]
        if value == "network":
            return None
        return network_organizations(self.network).get(pk=value)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label="New role")


class JoinForm(UserCreationForm):
    """A new account from an invitation: its email is the invitation's."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "first_name", "last_name")
