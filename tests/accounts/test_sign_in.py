"""Signing in: username or email, no self sign-up, password reset by email, and the second
step that data stewards and operators must set up."""

import re
import time

import pyotp
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse

from melior.accounts.services import record_verified_email

PASSWORD = "pw-melior-1"


def sign_in(client, login, password=PASSWORD, address="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": login, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_in_by_username_or_by_a_verified_email(client, world):
    user = world.users["school:team_member"]
    record_verified_email(user, "Teacher@Lincoln.example.org")
    assert sign_in(client, "school-team_member").status_code == 302 and signed_in(client)
    client.logout()
    assert sign_in(client, "teacher@lincoln.example.org").status_code == 302
    assert signed_in(client)
    client.logout()
    wrong = sign_in(client, "teacher@lincoln.example.org", "not-it")
    assert wrong.status_code == 200 and "correct username and password" in wrong.text


def test_nobody_signs_themselves_up(client, db, django_user_model):
    django_user_model.objects.create_user("someone")
    response = client.post(
        reverse("account_signup"),
        {"username": "eve", "email": "eve@example.org", "password1": "x-9-long-pass",
         "password2": "x-9-long-pass"},
    )  # fmt: skip
    assert "Accounts come by invitation" in response.text
    assert not django_user_model.objects.filter(username="eve").exists()


def test_a_forgotten_password_is_reset_by_email(client, world):
    user = world.users["network:viewer"]
    record_verified_email(user, "viewer@hub.example.org")
    client.post(reverse("account_reset_password"), {"email": "viewer@hub.example.org"})
    (message,) = mail.outbox
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", message.body).group(0)
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(
        action, {"password1": "a-new-pass-phrase-7", "password2": "a-new-pass-phrase-7"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-pass-phrase-7")
    # an address nobody has gets the same answer and no reset link
    answer = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert answer.status_code == 302 and "password/reset/key" not in mail.outbox[-1].body


def _enrol(client) -> pyotp.TOTP:
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    totp = pyotp.TOTP(secret)
    answer = client.post(reverse("mfa_activate_totp"), {"code": totp.now()})
    assert answer.status_code == 302, answer.text
    return totp


def test_a_steward_sets_up_a_second_step_before_anything_else(client, world, settings):
    settings.MELIOR_MFA_REQUIRED = True
    steward = world.users["school:data_steward"]
    assert sign_in(client, "school-data_steward").status_code == 302
    students = client.get(reverse("students", kwargs={"network": world.network.slug}))
    # sent to choose a second step: an authenticator app or a security key
    assert students.status_code == 302 and students["Location"] == reverse("mfa_index")
    assert client.get(reverse("home"))["Location"] == reverse("mfa_index")
    choices = client.get(reverse("mfa_index")).text
    assert reverse("mfa_activate_totp") in choices and reverse("mfa_add_webauthn") in choices
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=steward).exists()
    totp = _enrol(client)
    assert client.get(reverse("home")).status_code == 200
    # signing in again: the password, then a code from the app
    client.post(reverse("logout"))
    first = sign_in(client, "school-data_steward")
    assert first["Location"] == reverse("mfa_authenticate") and not signed_in(client)
    next_code = totp.at(time.time() + 30)  # not the one used to enrol
    assert client.post(reverse("mfa_authenticate"), {"code": next_code}).status_code == 302
    assert signed_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_others_may_but_need_not_use_a_second_step(client, world, settings):
    settings.MELIOR_MFA_REQUIRED = True
    sign_in(client, "school-team_member")
    assert client.get(reverse("home")).status_code == 200
    _enrol(client)
    client.post(reverse("logout"))
    assert sign_in(client, "school-team_member")["Location"] == reverse("mfa_authenticate")


def test_wrong_codes_count_toward_the_sign_in_limit(client, world, settings):
    sign_in(client, "school-team_member")
    totp = _enrol(client)
    client.post(reverse("logout"))
    sign_in(client, "school-team_member")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        answer = client.post(
            reverse("mfa_authenticate"), {"code": f"{attempt:06d}"}, REMOTE_ADDR="203.0.113.7"
        )
        assert not signed_in(client)
    answer = client.post(
        reverse("mfa_authenticate"), {"code": totp.at(time.time() + 30)}, REMOTE_ADDR="203.0.113.7"
    )
    assert answer.status_code == 429 and "Too many failed sign-in attempts" in answer.text
    assert not signed_in(client)
