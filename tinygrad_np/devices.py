"""PyTorch's device vocabulary, for code that asks where to run: `tg.device("cpu")`,
`tg.cuda.is_available()` (False), `tg.backends.mps.is_available()` (False),
`tg.accelerator.is_available()` (False). numpy arrays live on the CPU, so "cpu" is the one
device; the usual first line of a PyTorch script picks it:

>>> import tinygrad_np as tg
>>> device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
>>> device, device.type, str(device), tg.zeros(2, device=device).device == "cpu"
(device(type='cpu'), 'cpu', 'cpu', True)
"""
from __future__ import annotations

import types
from typing import Any

__all__ = ["accelerator", "backends", "cuda", "device"]


class device(str):  # noqa: N801 - PyTorch's name
    """A device name: a string ("cpu"), so that anything taking `device="cpu"` takes it, with
    PyTorch's `.type` and `.index`. Any other device is refused here, where it is named."""

    type: str
    index: int | None  # type: ignore[assignment]  # PyTorch's attribute, over str.index

    def __new__(cls, type: Any = "cpu", index: int | None = None) -> device:  # noqa: A002
        name = str(type)
        kind, _, number = name.partition(":")
        if kind != "cpu" or (number and number != "0") or index not in (None, 0):
            raise ValueError(f"device {name!r}: tinygrad_np runs on numpy, on the CPU "
                             f"(device('cpu')); check tg.cuda.is_available() first")
        made = super().__new__(cls, "cpu")
        made.type, made.index = "cpu", None if not number and index is None else 0
        return made

    def __repr__(self) -> str:
        return "device(type='cpu')" if self.index is None else "device(type='cpu', index=0)"


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _nothing(*args: Any, **kwargs: Any) -> None:
    """Accepted and does nothing: there is no such device here."""


# `torch.cuda`: no GPU; seeding it is a no-op, as PyTorch's is without one
cuda = types.SimpleNamespace(is_available=_false, device_count=lambda: 0,
                             manual_seed=_nothing, manual_seed_all=_nothing,
                             synchronize=_nothing, empty_cache=_nothing)
# `torch.backends.mps` / `.cuda` / `.cudnn`: unavailable; cudnn's switches are plain settings
backends = types.SimpleNamespace(
    mps=types.SimpleNamespace(is_available=_false, is_built=_false),
    cuda=types.SimpleNamespace(is_built=_false),
    cudnn=types.SimpleNamespace(is_available=_false, deterministic=False, benchmark=False,
                                enabled=False))
# `torch.accelerator` (PyTorch 2.6+): none
accelerator = types.SimpleNamespace(is_available=_false, current_accelerator=lambda: None,
                                    device_count=lambda: 0)
