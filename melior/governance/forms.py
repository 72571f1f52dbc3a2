"""The data steward's forms parse what was typed; services decide whether it may be saved.
The choices a steward is offered are already limited to what they steward."""

from django import forms

CHOOSE_SCHOOL = "Choose a school you are the data steward for."
CHOOSE_DISTRICT = "Choose a district you are the data steward for."


def _limit(field: forms.ModelChoiceField, queryset, message: str) -> None:
    """A choice among the steward's own things; anything else gets the same plain refusal."""
    field.queryset = queryset
    field.error_messages.update(required=message, invalid_choice=message)


def _date(**kwargs) -> forms.DateField:
    return forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give the date as YYYY-MM-DD."},
        **kwargs,
    )


class ConsentForm(forms.Form):
    site = forms.ModelChoiceField(queryset=None)
    student_id = forms.CharField(required=False, strip=False)
    purpose = forms.ModelChoiceField(queryset=None)
    status = forms.CharField(required=False)
    given_by = forms.CharField(required=False)
    date = _date(required=False)
    source = forms.CharField(required=False, strip=False)

    def __init__(self, *args, sites, purposes, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["site"], sites, CHOOSE_SCHOOL)
        _limit(self.fields["purpose"], purposes, "Choose a purpose of this network.")


class PurposeForm(forms.Form):
    name = forms.CharField(required=False)
    description = forms.CharField(required=False, strip=False)
    opt_in = forms.BooleanField(required=False)


class GrantForm(forms.Form):
    username = forms.CharField(required=False)
    site = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["site"], sites, CHOOSE_SCHOOL)


class RevokeForm(forms.Form):
    grant = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, grants, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["grant"], grants, "Choose someone's access to revoke.")


class AgreementForm(forms.Form):
    """A school's agreement, or (``site_kind`` = district) a joined district's for its schools."""

    site_kind = forms.CharField(required=False)
    site = forms.IntegerField(required=False)
    level = forms.CharField(required=False)
    starts = _date(required=False)
    ends = _date(required=False)
    note = forms.CharField(required=False, strip=False)

    def __init__(self, *args, sites, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites, self.districts = sites, districts

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("site_kind") == "district":
            chosen = next((d for d in self.districts if d.pk == data.get("site")), None)
            message = CHOOSE_DISTRICT
        else:
            chosen = self.sites.filter(pk=data.get("site") or 0).first()
            message = CHOOSE_SCHOOL
        if chosen is None:
            raise forms.ValidationError({"site": message})
        data["site"] = chosen
        return data


class JoinForm(forms.Form):
    district = forms.IntegerField(required=False)
    network = forms.CharField(required=False)
    level = forms.CharField(required=False)
    starts = _date(required=False)
    ends = _date(required=False)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.districts = districts

    def clean_district(self):
        chosen = self.cleaned_data.get("district")
        district = next((d for d in self.districts if d.pk == chosen), None)
        if district is None:
            raise forms.ValidationError(CHOOSE_DISTRICT)
        return district


class PrivacyForm(forms.Form):
    min_cell_size = forms.IntegerField(error_messages={"invalid": "Give whole numbers."})
    retention_days = forms.IntegerField(error_messages={"invalid": "Give whole numbers."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = "Give whole numbers."
