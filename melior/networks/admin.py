from django.contrib import admin

from .models import Membership, Network, NetworkSite, Organization


class NetworkSiteInline(admin.TabularInline):
    model = NetworkSite
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "hub"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [NetworkSiteInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "nces_id", "state_id", "level", "enrolment", "locale"]
    list_filter = ["kind", "level", "locale"]
    search_fields = ["name", "slug", "nces_id", "state_id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "network", "organization"]
    list_filter = ["role", "network"]
    search_fields = ["user__username", "organization__name", "network__name"]
    autocomplete_fields = ["organization", "network"]
