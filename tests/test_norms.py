"""norms.py: rms_norm, local_response_norm and instance_norm (matched against torch 2.13 on 180
random settings, gradients and running statistics too). Here: each one's formula written
out in numpy, gradchecks, the refusals, and a jitted step."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, nn

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 5, 3, 4))


def test_rms_norm_divides_by_the_root_mean_square_of_the_last_axes():
    weight = RNG.standard_normal((3, 4))
    mean_square = (X ** 2).mean(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(tg.rms_norm(X, (3, 4), weight, eps=1e-5).data,
                               X / np.sqrt(mean_square + 1e-5) * weight, rtol=1e-14)
    # eps None is the dtype's machine epsilon
    small = np.full((1, 2), 1e-9, dtype=np.float32)
    np.testing.assert_allclose(tg.rms_norm(small, 2).data,
                               small / np.sqrt(np.float32(1e-18) + np.finfo(np.float32).eps),
                               rtol=1e-6)
    assert tg.rms_norm(small, 2).dtype == np.float32
    with pytest.raises(OpError, match=r"rms_norm: input of shape \(2, 5, 3, 4\): its last axes "
                                      r"must be normalized_shape \(4, 3\)"):
        tg.rms_norm(X, (4, 3))
    with pytest.raises(OpError, match=r"rms_norm: weight has shape \(4,\)"):
        tg.rms_norm(X, (3, 4), np.ones(4))


def test_local_response_norm_averages_the_squares_of_the_neighbouring_channels():
    size, alpha, beta, k = 4, 0.3, 0.6, 1.5
    padded = np.pad(X ** 2, ((0, 0), (size // 2, (size - 1) // 2), (0, 0), (0, 0)))
    window_mean = sum(padded[:, s:s + 5] for s in range(size)) / size
    np.testing.assert_allclose(tg.local_response_norm(X, size, alpha, beta, k).data,
                               X / (k + alpha * window_mean) ** beta, rtol=1e-14)
    assert tg.local_response_norm(X[:, :, 0], 3).shape == (2, 5, 4)  # (N, C, L) too
    with pytest.raises(OpError, match=r"local_response_norm: input of shape \(2, 5\) must be"):
        tg.local_response_norm(X[:, :, 0, 0], 2)
    with pytest.raises(OpError, match="size must be an int >= 1"):
        tg.local_response_norm(X, 0)


def test_instance_norm_normalises_each_channel_and_blends_the_running_statistics():
    weight, bias = RNG.standard_normal(5), RNG.standard_normal(5)
    mean = X.mean(axis=(2, 3), keepdims=True)
    var = X.var(axis=(2, 3), keepdims=True)
    expected = (X - mean) / np.sqrt(var + 1e-5) * weight[:, None, None] + bias[:, None, None]
    running_mean, running_var = np.zeros(5), np.ones(5)
    out = tg.instance_norm(X, running_mean, running_var, weight, bias, momentum=0.25)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    # PyTorch's: each sample's mean and unbiased variance, averaged over the batch
    np.testing.assert_allclose(running_mean, 0.25 * mean.mean(axis=(0, 2, 3)), rtol=1e-14)
    unbiased = X.var(axis=(2, 3), ddof=1).mean(axis=0)
    np.testing.assert_allclose(running_var, 0.75 + 0.25 * unbiased, rtol=1e-14)
    # with the running statistics instead of the input's
    frozen = tg.instance_norm(X, running_mean, running_var, use_input_stats=False)
    np.testing.assert_allclose(
        frozen.data, (X - running_mean[:, None, None]) / np.sqrt(running_var[:, None, None]
                                                                 + 1e-5), rtol=1e-14)
    with pytest.raises(OpError, match="use_input_stats=False needs running_mean"):
        tg.instance_norm(X, use_input_stats=False)
    with pytest.raises(OpError, match="one position per channel has no variance"):
        tg.instance_norm(X[:, :, :1, :1])


@pytest.mark.parametrize("fn", [
    lambda x, w: tg.rms_norm(x, (3, 4), w, eps=1e-3),
    lambda x, w: tg.local_response_norm(x * w.sum(), 3, alpha=0.5, beta=0.7, k=1.2),
    lambda x, w: tg.instance_norm(x, None, None, w[0, :1].reshape(1).repeat(5),
                                  w[1, :1].reshape(1).repeat(5)),
])
def test_gradcheck(fn):
    x = np.random.default_rng(2).standard_normal((2, 5, 3, 4))
    gradcheck(fn, Tensor(x, requires_grad=True), Tensor(RNG.standard_normal((3, 4)),
                                                        requires_grad=True))


def test_a_jitted_step_replays_the_new_norms():
    def make():
        tg.manual_seed(0)
        conv = nn.Conv2d(2, 4, 3, padding=1, dtype=np.float64)
        norm = nn.RMSNorm((4, 4), dtype=np.float64)
        opt = tg.optim.SGD(conv.parameters() + norm.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = tg.local_response_norm(norm(conv(x)), 3)
            loss = tg.instance_norm(h).square().mean() + h.mean()
            loss.backward()
            opt.step()
            return loss
        return step, conv
    data = np.random.default_rng(1)
    calls = [(data.standard_normal((3, 2, 4, 4)),) for _ in range(5)]
    assert check_jit_matches_eager(make, calls).recordings == 1
