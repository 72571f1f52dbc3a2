"""Services refuse bad input with a field-keyed ``ValidationError``; views show it on the form."""

from django.core.exceptions import ValidationError


def apply_service_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: under the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def submit(form, change) -> bool:
    """Hand a valid form's cleaned data to `change` (a service call); a refusal goes onto the
    form. True when the change was made."""
    if not form.is_valid():
        return False
    try:
        change(form.cleaned_data)
    except ValidationError as error:
        apply_service_errors(form, error)
        return False
    return True
