from django.urls import path

from .views import help, home, search, week

urlpatterns = [
    path("", home.my_work, name="home"),
    path("notifications/bell/", home.bell, name="notification-bell"),
    path("checklist/dismiss/", home.dismiss_checklist, name="checklist-dismiss"),
    path("search/", search.search, name="search"),
    path("help/", help.index, name="help"),
    path("help/glossary/", help.glossary_page, name="help-glossary"),
    path("help/img/<str:name>", help.image, name="help-image"),
    path("help/<slug:page>/", help.page, name="help-page"),
]

network_urlpatterns = [
    path("week/", week.week_start, name="week-entry-start"),
    path("s/<slug:site>/week/", week.week_entry, name="week-entry"),
    path("s/<slug:site>/week/check/", week.week_check, name="week-entry-check"),
]
