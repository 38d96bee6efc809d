"""Evaluation metrics on logits or probabilities (Tensors or arrays); no gradients involved."""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["accuracy"]


def accuracy(logits: Any, labels: Any) -> float:
    """Fraction of rows whose largest score is the label (ties go to the first class,
    as `np.argmax`).

    `logits` has shape (N, C), as a Tensor or an array; `labels` are N integer class
    indices, or N one-hot (or probability) rows of shape (N, C), whose argmax is the label.

    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    scores = logits.data if isinstance(logits, Tensor) else np.asarray(logits)
    target = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    where = f"accuracy: logits {scores.shape}, labels {target.shape}"
    if scores.ndim != 2:
        raise ValueError(f"{where}: logits must be 2-D (batch, classes)")
    n, classes = scores.shape
    if classes < 2:
        # With one column argmax is always 0: a binary sigmoid output needs a threshold.
        raise ValueError(f"{where}: argmax needs at least 2 classes; for a single sigmoid "
                         f"output use ((logits > 0) == labels).mean()")
    if target.ndim == 2:
        if target.shape[1] != classes:
            raise ValueError(f"{where}: one-hot labels need {classes} columns, one per class")
        target = target.argmax(axis=1)
    elif target.ndim != 1 or target.dtype.kind not in "iu":
        raise ValueError(f"{where}: labels must be integer class indices of shape (N,) or "
                         f"one-hot rows of shape (N, {classes}); got dtype {target.dtype}")
    elif n and (target.min() < 0 or target.max() >= classes):
        raise ValueError(f"{where}: class indices must be in [0, {classes}), got values from "
                         f"{target.min()} to {target.max()}")
    if target.shape[0] != n:
        raise ValueError(f"{where}: {n} rows of logits but {target.shape[0]} labels")
    if n == 0:
        raise ValueError(f"{where}: accuracy of an empty batch is undefined")
    return float(np.mean(scores.argmax(axis=1) == target))
