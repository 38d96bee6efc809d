"""`torch.nn.utils.rnn`'s `pad_sequence`: sequences of different lengths as one batch.

>>> from tinygrad_np import Tensor
>>> from tinygrad_np.nn.utils.rnn import pad_sequence
>>> pad_sequence([Tensor([1.0]), Tensor([2.0, 3.0])]).shape
(2, 2)
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...tensor import Tensor
from ...tensor_ops import _tensor, pad, stack

__all__ = ["pad_sequence"]


def pad_sequence(sequences: Iterable[Any], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Sequences (L_i, *) padded with `padding_value` to the longest and stacked into
    (L_max, B, *), or (B, L_max, *) with batch_first (differentiable), as PyTorch's
    torch.nn.utils.rnn.pad_sequence.

    >>> pad_sequence([Tensor([1.0, 2.0]), Tensor([3.0])], batch_first=True).tolist()
    [[1.0, 2.0], [3.0, 0.0]]
    """
    items = [_tensor(s) for s in sequences]
    if not items:
        raise ValueError("pad_sequence: expected at least one sequence")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    trailing = items[0].shape[1:]
    for index, item in enumerate(items):
        if item.ndim == 0 or item.shape[1:] != trailing:
            raise ValueError(f"pad_sequence: sequence {index} has shape {item.shape}; every "
                             f"sequence must be (L, {', '.join(map(str, trailing)) or '*'})")
    longest = max(item.shape[0] for item in items)
    padded = []
    for item in items:
        extra = longest - item.shape[0]
        before, after = (0, extra) if padding_side == "right" else (extra, 0)
        padded.append(pad(item, [(before, after)] + [(0, 0)] * len(trailing), padding_value)
                      if extra else item)
    return stack(padded, 0 if batch_first else 1)
