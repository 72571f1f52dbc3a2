"""The account page: change your password, see, create and revoke your own API tokens."""

from django.urls import reverse

from melior.api.models import ApiToken
from melior.api.services import create_token, user_for_key


def signed_in(client, world, key="network:viewer"):
    client.force_login(world.users[key])
    return world.users[key]


def test_the_user_menu_leads_to_the_account_page(client, world):
    signed_in(client, world)
    home = client.get(reverse("home"))
    assert f'href="{reverse("account")}"' in home.text
    page = client.get(reverse("account"))
    assert page.status_code == 200
    assert "Change password" in page.text and "You have no API tokens." in page.text


def test_changing_the_password_keeps_this_session_and_needs_the_old_one(client, world):
    user = signed_in(client, world)
    wrong = client.post(
        reverse("change-password"),
        {
            "old_password": "not it",
            "new_password1": "x7-new-phrase",
            "new_password2": "x7-new-phrase",
        },
    )
    assert wrong.status_code == 400 and "Your old password was entered incorrectly" in wrong.text
    response = client.post(
        reverse("change-password"),
        {
            "old_password": "pw-melior-1",
            "new_password1": "a-fresh-pass-phrase-9",
            "new_password2": "a-fresh-pass-phrase-9",
        },
        follow=True,
    )
    assert "Your password was changed" in response.text
    user.refresh_from_db()
    assert user.check_password("a-fresh-pass-phrase-9")
    assert client.get(reverse("home")).status_code == 200  # still signed in here


def test_a_token_is_shown_once_listed_by_prefix_and_works(client, world):
    user = signed_in(client, world)
    created = client.post(reverse("create-api-token"), {"name": "SIS sync"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    key = created.text.split('<code class="token">', 1)[1].split("</code>", 1)[0]
    assert user_for_key(key) == user
    listed = client.get(reverse("account")).text
    assert "SIS sync" in listed and token.prefix in listed and key not in listed
    assert client.post(reverse("create-api-token"), {"name": " "}).status_code == 400


def test_revoking_ends_the_token_and_only_ones_own(client, world):
    user = signed_in(client, world)
    mine, my_key = create_token(user=user, name="mine")
    theirs, their_key = create_token(user=world.users["network:network_lead"], name="theirs")
    assert client.post(reverse("revoke-api-token", args=[theirs.pk])).status_code == 404
    assert user_for_key(their_key) is not None
    assert "theirs" not in client.get(reverse("account")).text
    response = client.post(reverse("revoke-api-token", args=[mine.pk]), follow=True)
    assert "Revoked the token “mine”" in response.text
    assert user_for_key(my_key) is None
    headers = {"Authorization": f"Bearer {my_key}"}
    client.logout()
    assert client.get("/api/networks", headers=headers).status_code == 401


def test_the_account_page_needs_sign_in(client, world):
    response = client.get(reverse("account"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_api_documentation_is_linked_for_someone_holding_an_active_token(client, world):
    user = signed_in(client, world)
    docs = reverse("api:openapi-view")
    assert f'href="{docs}"' not in client.get(reverse("account")).text
    token, _key = create_token(user=user, name="SIS sync")
    page = client.get(reverse("account")).text
    assert f'href="{docs}"' in page
    assert client.get(docs).status_code == 200
    token.revoked_at = token.created_at
    token.save()
    assert f'href="{docs}"' not in client.get(reverse("account")).text
