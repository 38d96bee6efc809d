"""accuracy: exact on hand-made cases, with clear errors for inputs it cannot score."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor
from tinygrad_np.metrics import accuracy

LOGITS = np.array([[2.0, 1.0, 0.0],     # argmax 0
                   [0.0, 3.0, 1.0],     # argmax 1
                   [0.1, 0.2, 0.3],     # argmax 2
                   [5.0, 4.0, 6.0]])    # argmax 2
LABELS = np.array([0, 1, 2, 0])         # the last row is wrong: 3 of 4


def test_accuracy_with_integer_labels_is_exact() -> None:
    result = accuracy(LOGITS, LABELS)
    assert result == 0.75 and type(result) is float


def test_accuracy_accepts_tensors_one_hot_rows_and_lists() -> None:
    one_hot = np.eye(3, dtype=np.float32)[LABELS]
    assert accuracy(Tensor(LOGITS, requires_grad=True), one_hot) == 0.75
    assert accuracy(LOGITS.tolist(), LABELS.tolist()) == 0.75
    assert accuracy(LOGITS, Tensor(LABELS)) == 0.75
    assert accuracy(LOGITS, np.array([0, 1, 2, 2], dtype=np.uint8)) == 1.0
    assert accuracy(LOGITS, np.array([1, 0, 0, 1])) == 0.0


def test_ties_go_to_the_first_class() -> None:
    assert accuracy(np.zeros((2, 3)), np.array([0, 1])) == 0.5


@pytest.mark.parametrize("logits, labels, message", [
    (LOGITS, LABELS[:3], r"4 rows of logits but 3 labels"),
    (LOGITS, np.eye(3)[:2], r"4 rows of logits but 2 labels"),
    (LOGITS, np.array([0, 1, 3, 0]), r"class indices must be in \[0, 3\), got values from 0 to 3"),
    (LOGITS, np.array([0, 1, -1, 0]), r"got values from -1 to 1"),
    (LOGITS, np.array([0.0, 1.0, 2.0, 0.0]), r"integer class indices .* got dtype float64"),
    (LOGITS, np.eye(4), r"one-hot labels need 3 columns"),
    (LOGITS[:, 0], LABELS, r"logits must be 2-D"),
    (LOGITS[:, :1], LABELS, r"at least 2 classes; for a single sigmoid output"),
    (np.zeros((0, 3)), np.zeros(0, dtype=int), r"empty batch"),
])
def test_bad_inputs_give_clear_errors(logits, labels, message) -> None:
    with pytest.raises(ValueError, match=message):
        accuracy(logits, labels)
