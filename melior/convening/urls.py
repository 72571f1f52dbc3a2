from django.urls import path

from . import views

urlpatterns = [
    path("hub/convening/", views.convening_page, name="convening"),
    path("hub/convening/pack.pdf", views.convening_pack, {"fmt": "pdf"}, name="convening-pdf"),
    path("hub/convening/pack.pptx", views.convening_pack, {"fmt": "pptx"}, name="convening-pptx"),
]
