"""The permission matrix of docs/permissions.md, enforced through the selectors and rules."""

import pytest

from melior.networks.models import NetworkSite
from melior.networks.selectors import network_site_for, networks_for, sites_for

NETWORK_ROLES = [
    "network_lead",
    "improvement_coach",
    "site_lead",
    "team_member",
    "data_steward",
    "viewer",
]


def link(world, school):
    return NetworkSite.objects.get(network=world.network, organization=school)


@pytest.mark.parametrize("role", NETWORK_ROLES)
def test_network_level_roles_see_every_site_of_their_network_only(world, role):
    user = world.users[f"network:{role}"]
    assert list(networks_for(user)) == [world.network]
    assert set(sites_for(user, world.network)) == {world.school, world.sibling_school}
    assert not sites_for(user, world.other_network).exists()


@pytest.mark.parametrize("role", NETWORK_ROLES)
def test_school_level_roles_see_their_network_but_only_their_school(world, role):
    user = world.users[f"school:{role}"]
    assert list(networks_for(user)) == [world.network]
    assert list(sites_for(user, world.network)) == [world.school]
    assert network_site_for(user, world.network, world.sibling_school.slug) is None


def test_district_role_covers_the_districts_schools(world):
    user = world.users["district:site_lead"]
    assert set(sites_for(user, world.network)) == {world.school, world.sibling_school}
    assert user.has_perm("networks.enter_data", link(world, world.sibling_school))


def test_member_of_one_network_sees_nothing_of_another(world):
    outsider = world.users["outsider"]
    assert list(networks_for(outsider)) == [world.other_network]
    assert not sites_for(outsider, world.network).exists()
    assert not outsider.has_perm("networks.view_network", world.network)
    assert not outsider.has_perm("networks.view_site", link(world, world.school))
    assert not outsider.has_perm("networks.enter_data", link(world, world.school))


def test_user_with_no_membership_sees_nothing(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody")
    assert not networks_for(nobody).exists()
    assert not sites_for(nobody, world.network).exists()


# capability -> roles that have it (the matrix in docs/permissions.md)
MATRIX = {
    "networks.view_site": set(NETWORK_ROLES),
    "networks.enter_data": {
        "network_lead",
        "improvement_coach",
        "site_lead",
        "team_member",
        "data_steward",
    },
    "networks.manage_projects": {"network_lead", "improvement_coach", "site_lead"},
}
NETWORK_MATRIX = {
    "networks.view_network": set(NETWORK_ROLES),
    "networks.define_measures": {"network_lead", "data_steward"},
    "networks.manage_network": {"network_lead"},
}


@pytest.mark.parametrize("scope", ["network", "school"])
@pytest.mark.parametrize("role", NETWORK_ROLES)
@pytest.mark.parametrize("perm", sorted(MATRIX))
def test_site_capabilities_follow_the_matrix(world, scope, role, perm):
    user = world.users[f"{scope}:{role}"]
    assert user.has_perm(perm, link(world, world.school)) == (role in MATRIX[perm])
    # a school-level role gives nothing at a sibling school
    expected_sibling = role in MATRIX[perm] and scope == "network"
    assert user.has_perm(perm, link(world, world.sibling_school)) == expected_sibling


@pytest.mark.parametrize("role", NETWORK_ROLES)
@pytest.mark.parametrize("perm", sorted(NETWORK_MATRIX))
def test_network_capabilities_need_a_network_level_role(world, role, perm):
    assert world.users[f"network:{role}"].has_perm(perm, world.network) == (
        role in NETWORK_MATRIX[perm]
    )
    school_user = world.users[f"school:{role}"]
    # belonging through a school is enough to view the network, never to run it
    assert school_user.has_perm(perm, world.network) == (perm == "networks.view_network")


def test_viewer_cannot_edit(world):
    for scope in ("network", "school"):
        viewer = world.users[f"{scope}:viewer"]
        assert viewer.has_perm("networks.view_site", link(world, world.school))
        assert not viewer.has_perm("networks.enter_data", link(world, world.school))
        assert not viewer.has_perm("networks.manage_projects", link(world, world.school))


def test_superuser_sees_everything(world, django_user_model):
    admin = django_user_model.objects.create_superuser("root-admin", password="x")
    assert set(networks_for(admin)) == {world.network, world.other_network}
