"""Arrays the framework allocates for itself are 64-byte aligned."""
import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import nn, optim
from tinygrad_np.memory import (ALIGNMENT, aligned, empty_aligned, empty_aligned_like,
                                full_aligned_like, is_aligned)


@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 5), (784, 100), (2, 3, 4, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "complex128"])
def test_empty_aligned_is_contiguous_aligned_and_of_the_asked_shape(shape, dtype):
    arrays = [empty_aligned(shape, dtype) for _ in range(8)]  # malloc gives 16: 8 tries
    for a in arrays:
        assert a.shape == shape and a.dtype == np.dtype(dtype)
        assert a.flags.c_contiguous and a.flags.writeable
        assert a.size == 0 or a.ctypes.data % ALIGNMENT == 0  # no element: nothing to align
    # distinct memory: writing one leaves the others alone
    if arrays[0].size:
        arrays[0][...] = 1
        arrays[1][...] = 0
        assert (arrays[0] == 1).all()


def test_an_int_shape_is_one_axis():
    assert empty_aligned(7, np.float32).shape == (7,)


@pytest.mark.parametrize("shape", [(-1,), (2, -3), -4])
def test_a_negative_dimension_is_refused_as_numpy_refuses_it(shape):
    with pytest.raises(ValueError, match="negative dimensions"):
        empty_aligned(shape, np.float32)


def test_aligned_keeps_an_aligned_array_and_copies_any_other():
    a = empty_aligned((4, 4), np.float64)
    a[...] = np.arange(16.0).reshape(4, 4)
    assert aligned(a) is a
    view = a[:, 1:]  # not contiguous, not aligned
    copy = aligned(view)
    assert copy is not view and is_aligned(copy) and copy.flags.c_contiguous
    np.testing.assert_array_equal(copy, view)
    off = a.reshape(-1)[1:]  # contiguous, 8 bytes off the boundary
    assert not is_aligned(off)
    np.testing.assert_array_equal(aligned(off), off)
    assert is_aligned(aligned(off))


def test_full_aligned_like_fills_and_empty_aligned_like_keeps_shape_and_dtype():
    like = np.ones((3, 2), dtype=np.float32)
    z = full_aligned_like(like)
    assert is_aligned(z) and z.dtype == np.float32 and (z == 0).all()
    f = full_aligned_like(like, 0.25)
    assert (f == 0.25).all()
    e = empty_aligned_like(like)
    assert is_aligned(e) and e.shape == like.shape and e.dtype == like.dtype


def test_parameters_the_framework_makes_are_aligned():
    for _ in range(4):
        model = nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10),
                              nn.BatchNorm1d(10), nn.LayerNorm(10))
        conv = nn.Conv2d(3, 5, 3)
        emb = nn.Embedding(7, 3)
        for p in [*model.parameters(), *conv.parameters(), *emb.parameters()]:
            assert is_aligned(p.data), p.name
        for make in (tg.zeros, tg.ones, tg.randn, tg.rand):
            assert is_aligned(make(33, 7, requires_grad=True).data)
        # the initialisers the examples and tutorials wrap in Tensor(...) themselves; a
        # 784x100 float32 array is mapped fresh by glibc, 16 bytes past a page, unless copied
        for name, initializer in nn.init.INITIALIZERS.items():
            for shape in ((784, 100), (100, 10), (3, 5)):
                assert is_aligned(initializer(shape, rng=0)), (name, shape)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-3),
    lambda ps: optim.Adam(ps, lr=1e-3, amsgrad=True),
    lambda ps: optim.RMSprop(ps, lr=1e-3, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=1e-2),
])
def test_optimizer_state_and_scratch_are_aligned(make):
    rng = np.random.default_rng(0)
    # a parameter off the boundary: its state is aligned all the same
    raw = rng.normal(size=(50 * 33 + 1,)).astype(np.float32)[1:].reshape(50, 33)
    w = tg.Tensor(raw, requires_grad=True)
    opt = make([w])
    for _ in range(2):
        w.grad = rng.normal(size=w.shape).astype(np.float32)
        opt.step()
    arrays = [v for v in opt.state[w].values() if isinstance(v, np.ndarray)]
    arrays += opt.scratch_arrays()
    assert arrays
    for a in arrays:
        assert is_aligned(a)
