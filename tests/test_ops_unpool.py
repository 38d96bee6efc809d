"""ops/unpool.py: the max pools' return_indices and max_unpool2d / max_unpool1d, with
PyTorch's numbers (torch 2.13, CPU, embedded) and naive loops."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn
from tinygrad_np.gradcheck import gradcheck

SPECS = specs("unpool")

test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)

NAN = np.nan
IMAGE = np.array([[[[1., 3., 3., 0.], [2., 3., 1., 1.], [0., NAN, 2., NAN],
                    [5., 5., 1., 2.]]]])


@pytest.mark.parametrize("settings, expected", [
    ({"kernel_size": 2}, [[1, 2], [9, 11]]),
    ({"kernel_size": 3, "stride": 1, "padding": 1},
     [[1, 1, 1, 2], [9, 9, 11, 11], [9, 9, 11, 11], [9, 9, 11, 11]]),
    ({"kernel_size": 2, "stride": 2, "padding": 1}, [[0, 1, 3], [4, 9, 11], [12, 13, 15]]),
])
def test_max_pool2d_indices_are_pytorchs(settings, expected):
    """Ties go to the first maximum in row-major order, a window holding NaN to its last
    NaN (the 3x3 windows over both NaNs give 11), padding is never picked."""
    out, indices = tg.max_pool2d(Tensor(IMAGE), return_indices=True, **settings)
    assert indices.dtype == np.int64 and not indices.requires_grad
    np.testing.assert_array_equal(indices.data[0, 0], expected)
    np.testing.assert_array_equal(out.data, tg.max_pool2d(Tensor(IMAGE), **settings).data)


def test_last_nan_and_ceil_mode_indices_are_pytorchs():
    row = Tensor(np.array([[[[NAN, 1., NAN, 0.]]]]))
    assert tg.max_pool2d(row, (1, 4), return_indices=True)[1].tolist() == [[[[2]]]]
    square = Tensor(np.array([[[[1., 2.], [3., 4.]]]]))
    _, indices = tg.max_pool2d(square, 2, stride=1, padding=1, ceil_mode=True,
                               return_indices=True)
    assert indices.tolist() == [[[[0, 1, 1], [2, 3, 3], [2, 3, 3]]]]


def _indices_ref(x, kernel, stride, padding, dilation, out_hw):
    """Per window, PyTorch's CPU loop: start at its first element inside the input, take
    any later one that is larger or NaN."""
    n, c, h, w = x.shape
    out = np.zeros((n, c) + out_hw, np.int64)
    for b, ch, y, xx in np.ndindex(out.shape):
        best = index = None
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                r = y * stride[0] + i * dilation[0] - padding[0]
                q = xx * stride[1] + j * dilation[1] - padding[1]
                if not (0 <= r < h and 0 <= q < w):
                    continue
                v = x[b, ch, r, q]
                if index is None or v > best or np.isnan(v):
                    best, index = v, r * w + q
        out[b, ch, y, xx] = index
    return out


@pytest.mark.parametrize("seed", range(6))
def test_max_pool2d_indices_match_a_naive_loop_with_ties_nan_and_minus_inf(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        kernel = tuple(int(k) for k in rng.integers(1, 4, 2))
        stride = tuple(int(s) for s in rng.integers(1, 4, 2))
        padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
        dilation = tuple(int(d) for d in rng.integers(1, 3, 2))
        shape = (2, 2) + tuple(int(v) for v in rng.integers(3, 8, 2))
        if any(d * (k - 1) + 1 > s + 2 * p for d, k, s, p in
               zip(dilation, kernel, shape[2:], padding)):
            continue
        x = rng.integers(-2, 3, shape).astype(np.float64)
        x[rng.random(shape) < 0.1] = NAN
        x[rng.random(shape) < 0.1] = -np.inf
        out, indices = tg.max_pool2d(Tensor(x), kernel, stride, padding, dilation,
                                     return_indices=True)
        expected = _indices_ref(x, kernel, stride, padding, dilation, out.shape[2:])
        np.testing.assert_array_equal(indices.data, expected)


def test_adaptive_and_1d_indices():
    """PyTorch's adaptive windows (uneven, overlapping) and the 1-D pools: positions along L."""
    out, indices = tg.adaptive_max_pool2d(Tensor(IMAGE), 2, return_indices=True)
    assert indices.tolist() == [[[[1, 2], [9, 11]]]]
    x = np.array([[[0., 4., 4., 1., 7.]]])
    _, indices = tg.adaptive_max_pool2d(Tensor(x[:, :, None]), (1, 3), return_indices=True)
    assert indices.tolist() == [[[[1, 1, 4]]]]  # windows [0, 2), [1, 4), [3, 5): the tie
    out, indices = tg.adaptive_max_pool1d(Tensor(x), 3, return_indices=True)  # at 1 and 2
    assert indices.tolist() == [[[1, 1, 4]]] and out.tolist() == [[[4.0, 4.0, 7.0]]]
    out, indices = tg.max_pool1d(Tensor(np.array([[[1., 5., 2., 7., 3.]]])), 2,
                                 return_indices=True)
    assert out.tolist() == [[[5.0, 7.0]]] and indices.tolist() == [[[1, 3]]]


def test_max_unpool2d_is_pytorchs():
    y = Tensor(np.arange(4.0).reshape(1, 1, 2, 2))
    indices = np.array([[[[0, 3], [8, 15]]]])
    np.testing.assert_array_equal(tg.max_unpool2d(y, indices, 2).data[0, 0],
                                  [[0, 0, 0, 1], [0, 0, 0, 0], [2, 0, 0, 0], [0, 0, 0, 3]])
    assert tg.max_unpool2d(y, indices, 2, output_size=(5, 5)).shape == (1, 1, 5, 5)
    assert tg.max_unpool2d(y, indices, 2, output_size=(1, 1, 5, 4)).shape == (1, 1, 5, 4)
    assert tg.max_unpool2d(y, np.array([[[[0, 3], [5, 8]]]]), 3, stride=2,
                           padding=1).shape == (1, 1, 3, 3)


def test_unpool_inverts_the_pool_and_its_gradient_gathers():
    """unpool(pool(x)) keeps each window's maximum where it was, zeros elsewhere; the
    gradient of each pooled value is the output gradient at its position."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 8))
    pooled, indices = tg.max_pool2d(Tensor(x), 2, return_indices=True)
    p = Tensor(pooled.data, requires_grad=True)
    back = tg.max_unpool2d(p, indices, 2)
    expected = np.where(x == np.repeat(np.repeat(pooled.data, 2, 2), 2, 3), x, 0)
    np.testing.assert_array_equal(back.data, expected)
    g = rng.standard_normal(back.shape)
    back.backward(g)
    np.testing.assert_array_equal(p.grad, g.reshape(2, 3, -1)[
        np.arange(2)[:, None, None], np.arange(3)[None, :, None],
        indices.data.reshape(2, 3, -1)].reshape(p.shape))


def test_duplicate_indices_keep_the_last_and_each_gets_its_gradient():
    """As PyTorch's CPU kernel: [1, 2] both to position 1 gives [0, 2, 0, 0]; both get
    the gradient at position 1."""
    y = Tensor(np.array([[[[1., 2.]]]]), requires_grad=True)
    out = tg.max_unpool2d(y, np.array([[[[1, 1]]]]), (1, 2), output_size=(1, 4))
    assert out.tolist() == [[[[0.0, 2.0, 0.0, 0.0]]]]
    out.backward(np.array([[[[10., 20., 30., 40.]]]]))
    assert y.grad.tolist() == [[[[20.0, 20.0]]]]


def test_max_unpool1d():
    out, indices = tg.max_pool1d(Tensor(np.array([[[1., 5., 2., 7., 3.]]])), 2,
                                 return_indices=True)
    assert tg.max_unpool1d(out, indices, 2).tolist() == [[[0.0, 5.0, 0.0, 7.0]]]
    assert tg.max_unpool1d(out, indices, 2, output_size=[5]).shape == (1, 1, 5)


def test_gradcheck_of_the_unpool_in_float64():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    indices = rng.permutation(36)[:9 * 4].reshape(2, 2, 3, 3) % 36
    assert gradcheck(lambda t: tg.max_unpool2d(t, indices, 2), (x,))
    assert tg.gradgradcheck(lambda t: tg.max_unpool2d(t, indices, 2) ** 2, (x,))


@pytest.mark.parametrize("call, message", [
    (lambda y, i: tg.max_unpool2d(y, i, 2, output_size=(9, 9)),
     "invalid output_size (9, 9) (dim 0 must be between 2 and 6, exclusive)"),
    (lambda y, i: tg.max_unpool2d(y, i, 2, output_size=(6, 6)), "between 2 and 6"),
    (lambda y, i: tg.max_unpool2d(y, i * 2, 2), "invalid max index 30 (the output images are 4x4)"),
    (lambda y, i: tg.max_unpool2d(y, -i, 2), "invalid max index -15"),
    (lambda y, i: tg.max_unpool2d(y, i.astype(np.float32), 2), "indices must be integers"),
    (lambda y, i: tg.max_unpool2d(y, i[..., :1], 2), "must have the input's shape (1, 1, 2, 2)"),
    (lambda y, i: tg.max_unpool2d(y[0, 0], i[0, 0], 2), "input must be 4-D"),
    (lambda y, i: tg.max_unpool2d(y, i, 2, output_size=(5,)), "output_size must be 2 ints"),
])
def test_bad_unpool_input_gets_a_clear_error(call, message):
    y = np.arange(4.0).reshape(1, 1, 2, 2)
    indices = np.array([[[[0, 3], [8, 15]]]])
    with pytest.raises(OpError, match=None) as error:
        call(y, indices)
    assert message in str(error.value), str(error.value)


def test_return_indices_must_be_a_bool():
    with pytest.raises(OpError, match="return_indices must be True or False"):
        tg.max_pool2d(Tensor(IMAGE), 2, return_indices="yes")
    with pytest.raises(ValueError, match="return_indices must be True or False"):
        nn.MaxPool2d(2, return_indices=1)


def test_nn_layers_return_indices_and_unpool_with_pytorchs_reprs():
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    out, indices = pool(IMAGE)
    assert indices.tolist() == [[[[1, 2], [9, 11]]]]
    assert unpool(out, indices).shape == (1, 1, 4, 4)
    assert unpool(out, indices, output_size=(5, 5)).shape == (1, 1, 5, 5)
    assert repr(pool) == ("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
                          "ceil_mode=False)")
    assert repr(unpool) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.MaxUnpool2d((2, 3), stride=1, padding=1)) == \
        "MaxUnpool2d(kernel_size=(2, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.MaxUnpool1d(2)) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    out, indices = nn.MaxPool1d(2, return_indices=True)(np.array([[[1., 5., 2., 7.]]]))
    assert nn.MaxUnpool1d(2)(out, indices).tolist() == [[[0.0, 5.0, 0.0, 7.0]]]
    out, indices = nn.AdaptiveMaxPool2d(2, return_indices=True)(IMAGE)
    assert indices.tolist() == [[[[1, 2], [9, 11]]]]
    _, indices = nn.AdaptiveMaxPool1d(2, return_indices=True)(np.array([[[1., 5., 2., 7.]]]))
    assert indices.tolist() == [[[1, 3]]]


def test_jit_replays_a_pool_unpool_step_exactly():
    """An encoder-decoder step (conv, pool with indices, unpool, conv) under jit equals
    eager bit for bit over several steps."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((3, 2, 3, 3)) * 0.3
    inputs = [rng.standard_normal((2, 2, 6, 6)) for _ in range(4)]

    def run(jitted):
        w = Tensor(w0.copy(), requires_grad=True)

        def step(x):
            w.grad = None
            h, indices = tg.max_pool2d(tg.conv2d(x, w, padding=1), 2, return_indices=True)
            loss = (tg.max_unpool2d(h, indices, 2) ** 2).mean()
            loss.backward()
            w.data -= 0.1 * w.grad
            return loss
        fn = tg.jit(step) if jitted else step
        return [fn(x).item() for x in inputs], w.data.copy()
    eager, jitted = run(False), run(True)
    assert eager[0] == jitted[0]
    np.testing.assert_array_equal(eager[1], jitted[1])


def test_an_empty_batch_pools_and_unpools_to_empty_shapes():
    x = Tensor(np.zeros((0, 2, 4, 4), np.float32), requires_grad=True)
    out, indices = tg.max_pool2d(x, 2, return_indices=True)
    assert out.shape == indices.shape == (0, 2, 2, 2)
    back = tg.max_unpool2d(out, indices, 2)
    assert back.shape == (0, 2, 4, 4)
    back.sum().backward()
    assert x.grad.shape == (0, 2, 4, 4)
    assert tg.adaptive_max_pool2d(Tensor(np.zeros((0, 2, 5, 5))), 2,
                                  return_indices=True)[1].shape == (0, 2, 2, 2)
