"""Creates COUNT users bench0@bench.test … with one password and TOTP enrolled with SECRET."""
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--secret", required=True)

    def handle(self, count, password, secret, **_):
        User = get_user_model()
        # One hash for all (a fresh salt each would only slow the set-up down): logins still
        # verify it with the configured hasher's full cost.
        hashed = make_password(password)
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(username=f"bench{i}", email=f"bench{i}@bench.test", password=hashed)
                for i in range(count)
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
            )
            Authenticator.objects.bulk_create(
                Authenticator(user=u, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)})
                for u in users
            )
