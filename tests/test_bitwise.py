"""bitwise.py: &, |, ^, ~ on bool tensors (logical) and integer tensors (bit by bit), as
PyTorch's; float tensors are refused."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor

X = Tensor(np.array([-1.0, 0.5, 2.0]))
POSITIVE, BELOW_ONE = X > 0, X < 1


def test_bool_tensors_combine_logically():
    assert (POSITIVE & BELOW_ONE).tolist() == [False, True, False]
    assert (POSITIVE | BELOW_ONE).tolist() == [True, True, True]
    assert (POSITIVE ^ BELOW_ONE).tolist() == [True, False, True]
    assert (~POSITIVE).tolist() == [True, False, False]
    assert (POSITIVE & True).tolist() == [False, True, True]
    assert (np.array([True, True, False]) & POSITIVE).tolist() == [False, True, False]
    result = POSITIVE & BELOW_ONE
    assert result.dtype == np.bool_ and not result.requires_grad


def test_integer_tensors_combine_bit_by_bit():
    i = Tensor(np.array([5, 3, -8]))
    assert (i & 1).tolist() == [1, 1, 0]
    assert (6 | i).tolist() == [7, 7, -2]
    assert (i ^ np.array([1, 1, 1])).tolist() == [4, 2, -7]
    assert (~i).tolist() == [-6, -4, 7]
    assert tg.bitwise_and(i, 4).tolist() == [4, 0, 0]
    assert i.bitwise_not().dtype == np.int64


def test_float_tensors_are_refused_clearly():
    with pytest.raises(TypeError, match=r"&: needs bool or integer tensors, got float64"):
        _ = X & POSITIVE
    with pytest.raises(TypeError, match=r"~: needs bool or integer tensors"):
        _ = ~X
    with pytest.raises(TypeError, match=r"\|: needs bool or integer tensors, got float"):
        _ = POSITIVE | 0.5
