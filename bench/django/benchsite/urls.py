from django.urls import include, path

urlpatterns = [
    # /_allauth/app/v1/auth/login, /_allauth/app/v1/auth/2fa/authenticate, ...
    path("_allauth/", include("allauth.headless.urls")),
]
