import os

from django.urls import include, path

urlpatterns = [path("_allauth/", include("allauth.headless.urls"))]
if os.environ.get("ALLAUTH_HTML"):
    urlpatterns.append(path("accounts/", include("allauth.urls")))
