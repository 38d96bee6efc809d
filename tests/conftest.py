"""Shared test settings: one hypothesis profile for the whole suite, a guard that keeps every
test off the network, and small fixtures.

The profile keeps the core suite well under a minute on two cores: no per-example deadline
(a gradcheck's time depends on the drawn shape, and a slow CI machine must not turn that into
a failure) and a modest number of examples per property. Set HYPOTHESIS_PROFILE=thorough to
draw many more examples locally.
"""
from __future__ import annotations

import os
import socket
from typing import Any

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


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any name lookup other than loopback fails: tests must never need the network (and a
    loader that tried to download would say so instead of hanging)."""
    real = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"test tried to reach the network: {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
