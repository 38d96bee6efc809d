"""tinygrad_np.creation: zeros, ones, full, arange, eye, rand, randn, zeros_like, ones_like."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor


@pytest.mark.parametrize("make, value", [(tg.zeros, 0.0), (tg.ones, 1.0)])
def test_zeros_and_ones_take_the_shape_either_way(make, value):
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
        np.testing.assert_array_equal(t.data, np.full((2, 3), value))
    assert make(4).shape == (4,) and make(()).shape == ()
    w = make(3, dtype=np.float64, requires_grad=True)
    assert w.dtype == np.float64 and w.requires_grad and w.is_leaf
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])


def test_full_eye_arange():
    np.testing.assert_array_equal(tg.full((2, 2), 3.5).data, np.full((2, 2), 3.5, np.float32))
    assert tg.full(3, -1, dtype=np.int64).tolist() == [-1, -1, -1]
    np.testing.assert_array_equal(tg.eye(3).data, np.eye(3, dtype=np.float32))
    assert tg.eye(2, 3).shape == (2, 3)
    a = tg.arange(5)
    assert a.tolist() == [0, 1, 2, 3, 4] and a.dtype == np.int64  # indices, as PyTorch
    assert tg.arange(2, 8, 3).tolist() == [2, 5]
    f = tg.arange(0, 1, 0.25)
    assert f.dtype == np.float32 and f.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(3, dtype=np.float64, requires_grad=True).requires_grad
    with pytest.raises(OpError, match="arange: step"):
        tg.arange(0, 3, 0)


def test_rand_and_randn_follow_manual_seed_in_any_dtype():
    tg.manual_seed(123)
    a = tg.rand(3, 4)
    b = tg.randn((3, 4), dtype=np.float64)
    assert a.dtype == np.float32 and b.dtype == np.float64
    assert np.all((a.data >= 0) & (a.data < 1))
    gen = np.random.default_rng(123)  # the stream manual_seed gives, drawn in float64
    np.testing.assert_array_equal(a.data, gen.random((3, 4)).astype(np.float32))
    np.testing.assert_array_equal(b.data, gen.standard_normal((3, 4)))
    tg.manual_seed(123)
    np.testing.assert_array_equal(tg.rand((3, 4)).data, a.data)
    big = tg.randn(100_000).data
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1) < 0.02
    assert tg.rand(2, requires_grad=True).requires_grad
    with pytest.raises(OpError, match="rand: dtype must be floating point"):
        tg.rand(2, dtype=np.int32)


def test_like_constructors_copy_shape_and_dtype():
    t = Tensor(np.ones((2, 3), dtype=np.float64))
    z = tg.zeros_like(t)
    assert z.shape == (2, 3) and z.dtype == np.float64 and z.data.sum() == 0
    o = tg.ones_like(np.zeros(4, dtype=np.int32))
    assert o.dtype == np.int32 and o.tolist() == [1, 1, 1, 1]
    assert tg.ones_like([1.0, 2.0]).dtype == np.float32
    assert tg.zeros_like(t, dtype=np.float32, requires_grad=True).requires_grad


@pytest.mark.parametrize("bad", [(-1, 2), (2.5,), ("3",), (True,)])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(OpError, match="zeros: shape"):
        tg.zeros(*bad)


def test_from_numpy_shares_memory_and_keeps_the_dtype():
    a = np.arange(3, dtype=np.int32)
    t = tg.from_numpy(a)
    assert t.data is a and t.dtype == np.int32
    a[0] = 7
    assert t.tolist() == [7, 1, 2]
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        tg.from_numpy([1.0, 2.0])


def test_bernoulli_draws_zeros_and_ones_with_the_probabilities():
    tg.manual_seed(0)
    p = Tensor(np.full((200, 100), 0.3))
    draws = tg.bernoulli(p)
    assert draws.dtype == np.float64 and set(np.unique(draws.data)) <= {0.0, 1.0}
    assert abs(float(draws.data.mean()) - 0.3) < 0.01 and not draws.requires_grad
    tg.manual_seed(0)
    np.testing.assert_array_equal(p.bernoulli().data, draws.data)  # the framework generator
    assert tg.bernoulli(Tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
    for bad in ([0.5, 1.5], [-0.1], [np.nan]):
        with pytest.raises(OpError, match="bernoulli: probabilities of shape"):
            tg.bernoulli(Tensor(bad))


def test_multinomial_draws_class_indices():
    tg.manual_seed(0)
    weights = Tensor(np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 0.0]]))
    picks = tg.multinomial(weights, 1000, replacement=True)
    assert picks.dtype == np.int64 and picks.shape == (2, 1000)
    assert set(np.unique(picks.data[0])) == {0, 2} and set(np.unique(picks.data[1])) == {1}
    assert abs(float((picks.data[0] == 2).mean()) - 0.75) < 0.05
    unique = weights[0].multinomial(2)  # without replacement: each once
    assert sorted(unique.tolist()) == [0, 2]
    with pytest.raises(OpError, match="at most as many samples as non-zero weights \\(1\\)"):
        tg.multinomial(weights, 2)
    with pytest.raises(OpError, match="positive sum"):
        tg.multinomial(Tensor(np.zeros(3)), 1, replacement=True)


def test_pytorchs_other_constructors():
    x = tg.Tensor(np.ones((2, 3), np.float64))
    assert tg.full_like(x, 2.5).tolist() == [[2.5] * 3] * 2
    assert tg.full_like(x, 1).dtype == np.float64
    assert tg.empty(2, 3).tolist() == [[0.0] * 3] * 2 and tg.empty_like(x).dtype == np.float64
    assert tg.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert tg.logspace(0, 2, 3, base=10).tolist() == [1.0, 10.0, 100.0]
    tg.manual_seed(3)
    first = tg.randint(2, 5, (1000,))
    tg.manual_seed(3)
    assert tg.randint(2, 5, size=(1000,)).tolist() == first.tolist()
    assert set(first.tolist()) == {2, 3, 4} and first.dtype == np.int64
    assert tg.randint(3, (2, 2)).data.max() < 3
    assert tg.randint(10, size=(4,)).shape == (4,)  # PyTorch's randint(high, size=...)
    assert tg.rand_like(x).dtype == np.float64
    assert tg.randn_like(x, dtype=np.float32).shape == (2, 3)
    a = np.zeros(2)
    assert tg.as_tensor(a).data is a and tg.as_tensor(x) is x
    assert tg.as_tensor([1, 2], dtype=np.float32).dtype == np.float32
    with pytest.raises(OpError, match="randint: high"):
        tg.randint(5, 5, (2,))


def test_device_cpu_is_accepted_and_other_devices_refused():
    x = tg.zeros(2, device="cpu")
    assert tg.ones(2, device=x.device).tolist() == [1.0, 1.0]
    assert tg.randn(2, device="cpu:0").shape == (2,)
    with pytest.raises(ValueError, match="zeros: device 'cuda': tinygrad_np runs on numpy"):
        tg.zeros(2, device="cuda")


def test_tg_tensor_is_pytorchs_constructor_and_still_the_module():
    import tinygrad_np.tensor as module

    assert tg.tensor([1, 2]).dtype == np.int64 and tg.tensor([1.5, 2.0]).dtype == np.float32
    assert tg.tensor(True).dtype == np.bool_ and tg.tensor(np.zeros(2)).dtype == np.float64
    assert tg.tensor([1, 2], dtype=np.float64).dtype == np.float64
    source = np.zeros(2)
    copied = tg.tensor(source, requires_grad=True)
    source[0] = 5.0
    assert copied.tolist() == [0.0, 0.0] and copied.requires_grad  # a copy, as PyTorch's
    assert module.Tensor is tg.Tensor and tg.tensor.Tensor is tg.Tensor
    with pytest.raises(ValueError, match="device 'cuda'"):
        tg.tensor([1.0], device="cuda")
