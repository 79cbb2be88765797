"""Shared test configuration: hypothesis profiles.

``ci`` (the default) keeps property tests fast, free of timing flakiness on a
loaded machine and reproducible (derandomized: every run draws the same
examples, so a red run can be replayed); ``thorough`` explores more, with fresh
random draws each run. Choose one with the environment
variable ``HYPOTHESIS_PROFILE``, e.g. ``HYPOTHESIS_PROFILE=thorough pytest``.
Tests that set their own ``max_examples`` keep it under either profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=50,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The type tests are data for mypy (tests/test_typing.py), not modules to import:
# the fail cases would raise if executed.
collect_ignore = ["typing"]
