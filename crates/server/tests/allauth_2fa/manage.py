#!/usr/bin/env python3
"""The minimal django-allauth-2fa site of the conformance test (run.sh)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "site"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")

from django.core.management import execute_from_command_line  # noqa: E402

execute_from_command_line(sys.argv)
