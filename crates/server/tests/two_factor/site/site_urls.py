"""two_factor.urls at the root, and the example project's register and logout
(django-two-factor-auth's example/urls.py and example/views.py)."""
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.views import LogoutView
from django.urls import include, path, reverse_lazy
from django.views.generic import FormView, TemplateView
from two_factor.urls import urlpatterns as tf_urls


class RegistrationView(FormView):
    form_class = UserCreationForm
    template_name = "registration.html"
    success_url = reverse_lazy("registration_complete")

    def form_valid(self, form):
        form.save()
        return super().form_valid(form)


urlpatterns = [
    path("", include(tf_urls)),
    path("account/register/", RegistrationView.as_view(), name="registration"),
    path(
        "account/register/done/",
        TemplateView.as_view(template_name="registration_complete.html"),
        name="registration_complete",
    ),
    path("account/logout/", LogoutView.as_view(), name="logout"),
]
