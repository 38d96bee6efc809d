"""ops/conv_banded.py: conv2d as a banded matmul, against the naive loop and the im2col form."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import conv2d_ref

import tinygrad_np as tg
from tinygrad_np import Tensor
from tinygrad_np.gradcheck import gradcheck
from tinygrad_np.ops import conv_banded
from tinygrad_np.ops.conv_banded import banded_fits


@pytest.fixture
def banded(monkeypatch):
    """Every groups=1 conv2d takes the banded form."""
    monkeypatch.setattr(conv_banded, "MAX_RATIO", float("inf"))
    monkeypatch.setattr(conv_banded, "MAX_SPREAD", float("inf"))


def test_lenets_second_conv_is_banded_and_its_first_is_not():
    """6->16 5x5 on 14x14 (W'/kw = 2.8); 1->6 5x5 padded to 32x32 (6.4) stays im2col, as do
    grouped convs and wide layers."""
    assert banded_fits((64, 6, 14, 14), (16, 6, 5, 5), 1, (1, 1), (1, 1), (10, 10), 4)
    assert not banded_fits((64, 1, 28, 28), (6, 1, 5, 5), 1, (1, 1), (1, 1), (28, 28), 4)
    assert not banded_fits((64, 6, 14, 14), (16, 3, 5, 5), 2, (1, 1), (1, 1), (10, 10), 4)
    assert not banded_fits((64, 128, 4, 4), (128, 128, 3, 3), 1, (1, 1), (1, 1), (4, 4), 4)


def test_the_banded_form_is_what_conv2d_takes_for_lenets_second_conv(monkeypatch):
    calls = []
    forward = conv_banded.banded_forward
    monkeypatch.setattr("tinygrad_np.ops.conv.banded_forward",
                        lambda *args: calls.append(1) or forward(*args))
    tg.conv2d(np.ones((2, 6, 14, 14), np.float32), np.ones((16, 6, 5, 5), np.float32))
    assert calls == [1]


CASES = [  # stride, padding, dilation, image (h, w), kernel (kh, kw)
    (1, 0, 1, (7, 9), (3, 2)),
    (1, 2, 1, (6, 5), (5, 5)),
    (1, (1, 2), (2, 1), (7, 9), (3, 2)),
    (2, 1, 1, (7, 9), (3, 3)),      # the last input column met by no window
    ((2, 3), (0, 2), 2, (9, 8), (2, 2)),
    ((3, 1), 0, 1, (8, 4), (1, 4)),
    (1, 0, 1, (1, 6), (1, 3)),      # conv1d's shape
]


@pytest.mark.parametrize("stride, padding, dilation, size, kernel", CASES)
@pytest.mark.parametrize("chunks", ["one-chunk", "chunks"])
def test_banded_forward_and_all_gradients_match_the_naive_loop(
        stride, padding, dilation, size, kernel, chunks, banded, rng, monkeypatch):
    """The output against the definition (the naive loop), and the input's, weight's and
    bias's gradients of <out, g> against their sums written out, float64."""
    if chunks == "chunks":  # a budget below one image: one image per chunk
        monkeypatch.setattr(conv_banded, "CHUNK_BYTES", 1)
    x = Tensor(rng.standard_normal((5, 3) + size), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3) + kernel), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    out = tg.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    expected = conv2d_ref(x.data, w.data, b.data, stride, padding, dilation)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    (sh, sw), (ph, pw), (dh, dw) = (_pair(v) for v in (stride, padding, dilation))
    xp = np.pad(x.data, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = out.shape[2:]
    grad_w = np.zeros(w.shape)
    grad_xp = np.zeros(xp.shape)
    for i in range(kernel[0]):  # kernel offset (i, j) meets these pixels of every window
        for j in range(kernel[1]):
            rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
            cols = slice(j * dw, j * dw + (wo - 1) * sw + 1, sw)
            grad_w[:, :, i, j] = np.einsum("noyx,ncyx->oc", g, xp[:, :, rows, cols])
            grad_xp[:, :, rows, cols] += np.einsum("noyx,oc->ncyx", g, w.data[:, :, i, j])
    grad_x = grad_xp[:, :, ph:ph + size[0], pw:pw + size[1]]
    np.testing.assert_allclose(w.grad, grad_w, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(x.grad, grad_x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(b.grad, g.sum(axis=(0, 2, 3)), rtol=1e-12)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False),
                                   (False, False, True), (False, True, True),
                                   (True, False, True)])
def test_each_gradient_alone_equals_the_im2col_forms(needs, rng, monkeypatch):
    """Whichever of input, weight and bias want a gradient, the banded form gives the same
    numbers as the im2col form (float64, to rounding), and None for the others."""
    x0, w0, b0 = (rng.standard_normal((4, 3, 8, 7)), rng.standard_normal((5, 3, 3, 3)),
                  rng.standard_normal(5))
    results = {}
    for form, ratio in (("banded", float("inf")), ("im2col", 0.0)):
        monkeypatch.setattr(conv_banded, "MAX_RATIO", ratio)
        monkeypatch.setattr(conv_banded, "MAX_SPREAD", float("inf"))
        tensors = [Tensor(a, requires_grad=need) for a, need in zip((x0, w0, b0), needs)]
        out = tg.conv2d(*tensors, padding=1)
        out.backward(np.cos(np.arange(out.size)).reshape(out.shape))
        results[form] = (out.data, [t.grad for t in tensors])
    np.testing.assert_allclose(results["banded"][0], results["im2col"][0], rtol=1e-12,
                               atol=1e-12)
    for need, got, want in zip(needs, results["banded"][1], results["im2col"][1]):
        if need:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        else:
            assert got is None and want is None


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def test_gradcheck_in_float64(banded, rng):
    x = Tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: tg.conv2d(x, w, b, stride=(1, 2), padding=1), (x, w, b))


def test_float32_stays_float32_and_matches_im2col(rng, monkeypatch):
    x = rng.standard_normal((8, 6, 14, 14)).astype(np.float32)
    w = (rng.standard_normal((16, 6, 5, 5)) * 0.1).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    outs = []
    for ratio in (float("inf"), 0.0):
        monkeypatch.setattr(conv_banded, "MAX_RATIO", ratio)
        tensors = [Tensor(a, requires_grad=True) for a in (x, w, b)]
        out = tg.conv2d(*tensors)
        out.backward(np.ones(out.shape, np.float32))
        assert out.dtype == np.float32 and all(t.grad.dtype == np.float32 for t in tensors)
        outs.append([out.data] + [t.grad for t in tensors])
    for banded_value, im2col_value in zip(*outs):
        np.testing.assert_allclose(banded_value, im2col_value, rtol=2e-4, atol=2e-4)


def test_a_non_contiguous_input_and_an_empty_batch(banded, rng):
    """A transposed view goes through the general (sliding-window) view of its rows; a batch
    of none gives empty outputs and gradients of the right shapes."""
    data = rng.standard_normal((3, 2, 6, 5))
    x = Tensor(data.transpose(0, 1, 3, 2), requires_grad=True)  # (3, 2, 5, 6), not contiguous
    w = Tensor(rng.standard_normal((4, 2, 3, 3)), requires_grad=True)
    out = tg.conv2d(x, w, padding=1)
    np.testing.assert_allclose(out.data, conv2d_ref(x.data, w.data, None, 1, 1), rtol=1e-12)
    out.backward(np.ones(out.shape))
    contiguous = Tensor(np.ascontiguousarray(x.data), requires_grad=True)
    w2 = Tensor(w.data, requires_grad=True)
    tg.conv2d(contiguous, w2, padding=1).backward(np.ones(out.shape))
    np.testing.assert_allclose(x.grad, contiguous.grad, rtol=1e-13)
    np.testing.assert_allclose(w.grad, w2.grad, rtol=1e-13)
    empty = Tensor(np.zeros((0, 2, 5, 6)), requires_grad=True)
    w3 = Tensor(w.data, requires_grad=True)
    out = tg.conv2d(empty, w3, padding=1)
    assert out.shape == (0, 4, 5, 6)
    out.sum().backward()
    assert empty.grad.shape == (0, 2, 5, 6)
    np.testing.assert_array_equal(w3.grad, np.zeros(w.shape))


def test_jit_replays_a_banded_conv_step_exactly(banded, rng):
    """A jitted conv step (forward, backward, SGD on .data) on the banded form equals eager,
    bit for bit, over several steps with new inputs."""
    w0, b0 = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    inputs = [rng.standard_normal((5, 3, 6, 7)) for _ in range(4)]

    def run(jitted):
        w, b = Tensor(w0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)

        def step(x):
            w.grad = b.grad = None
            loss = (tg.relu(tg.conv2d(x, w, b, padding=1)) ** 2).mean()
            loss.backward()
            w.data -= 0.1 * w.grad
            b.data -= 0.1 * b.grad
            return loss
        fn = tg.jit(step) if jitted else step
        return [fn(x).item() for x in inputs], w.data.copy(), b.data.copy()
    eager, jitted = run(False), run(True)
    assert eager[0] == jitted[0]
    np.testing.assert_array_equal(eager[1], jitted[1])
    np.testing.assert_array_equal(eager[2], jitted[2])
