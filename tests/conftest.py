"""Shared test settings: one hypothesis profile for the whole suite, and small fixtures.

The profile keeps the core suite well under a minute on two cores: no per-example deadline
(a gradcheck's time depends on the drawn shape, and a slow CI machine must not turn that into
a failure) and a modest number of examples per property. Set HYPOTHESIS_PROFILE=thorough to
draw many more examples locally.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "tinygrad_np",
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=500,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tinygrad_np"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so every test draws the same numbers on every run."""
    return np.random.default_rng(12345)
