"""django-allauth-2fa's URLs before allauth's, as its README includes them."""
from django.urls import include, path

urlpatterns = [
    path("accounts/two-factor/", include("allauth_2fa.urls")),
    path("accounts/", include("allauth.urls")),
]
