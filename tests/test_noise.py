"""noise.py: alpha_dropout, feature_alpha_dropout, rrelu and gumbel_softmax, and dropout3d:
their distributions (PyTorch's, checked against torch 2.13 on samples; the numbers differ,
the generator is ours), their gradients, eval mode, the modules, and fresh draws under jit."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn
from tinygrad_np.noise import ALPHA

X = np.random.default_rng(0).standard_normal((400, 50, 4))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_keeps_zero_mean_and_unit_variance(p):
    tg.manual_seed(1)
    out = tg.alpha_dropout(X, p, training=True).data
    a = 1 / np.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(out, -ALPHA * a * (1 - p), rtol=0, atol=1e-12)
    kept = ~dropped
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(out[kept], a * X[kept] + ALPHA * a * p, rtol=1e-13)
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1) < 0.05  # SELU's fixed point kept
    np.testing.assert_array_equal(tg.alpha_dropout(X, p).data, X)  # training=False: PyTorch's
    assert tg.alpha_dropout(X[:2], 1.0, training=True).data.sum() == 0.0


def test_feature_alpha_dropout_drops_whole_channels():
    tg.manual_seed(2)
    out = tg.feature_alpha_dropout(X, 0.5, training=True).data
    a = 1 / np.sqrt((ALPHA ** 2 * 0.5 + 1) * 0.5)
    dropped = np.isclose(out, -ALPHA * a * 0.5, rtol=0, atol=1e-12)
    assert np.array_equal(dropped.all(axis=2), dropped.any(axis=2))  # a channel as one
    assert abs(dropped[:, :, 0].mean() - 0.5) < 0.02
    with pytest.raises(OpError, match="feature_alpha_dropout: input of shape"):
        tg.feature_alpha_dropout(X[0, 0, 0], training=True)
    with pytest.raises(OpError, match="p must be a probability"):
        tg.alpha_dropout(X, 1.5, training=True)


def test_rrelu_draws_a_slope_per_negative_element_and_passes_it_back():
    x = Tensor(X, requires_grad=True)
    tg.manual_seed(3)
    out = tg.rrelu(x, 0.1, 0.3, training=True)
    out.sum().backward()
    negative = X <= 0
    slopes = out.data[negative] / X[negative]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.002
    np.testing.assert_allclose(x.grad[negative], slopes, rtol=1e-12)
    np.testing.assert_array_equal(x.grad[~negative], 1.0)
    np.testing.assert_array_equal(out.data[~negative], X[~negative])
    # eval: a leaky ReLU with the mean slope
    np.testing.assert_array_equal(tg.rrelu(X, 0.1, 0.3).data, np.where(X > 0, X, X * 0.2))
    with pytest.raises(OpError, match="rrelu: lower 0.5 must be at most upper 0.1"):
        tg.rrelu(X, 0.5, 0.1)


def test_gumbel_softmax_samples_the_categorical_distribution():
    probabilities = np.array([0.1, 0.2, 0.7])
    logits = np.tile(np.log(probabilities), (20000, 1))
    tg.manual_seed(4)
    hard = tg.gumbel_softmax(logits, tau=0.5, hard=True).data
    assert set(np.unique(hard)) == {0.0, 1.0} and np.all(hard.sum(axis=1) == 1)
    np.testing.assert_allclose(hard.mean(axis=0), probabilities, atol=0.012)  # 3 sigma
    soft = tg.gumbel_softmax(logits[:5], tau=2.0)
    np.testing.assert_allclose(soft.data.sum(axis=1), 1.0, rtol=1e-12)
    # hard: the one-hot forward, the soft sample's gradient (straight through)
    x = Tensor(logits[:5], requires_grad=True)
    tg.manual_seed(5)
    (tg.gumbel_softmax(x, tau=2.0, hard=True) * np.arange(3.0)).sum().backward()
    y = Tensor(logits[:5], requires_grad=True)
    tg.manual_seed(5)
    (tg.gumbel_softmax(y, tau=2.0) * np.arange(3.0)).sum().backward()
    np.testing.assert_allclose(x.grad, y.grad, rtol=1e-12)
    sample = tg.gumbel_softmax(np.zeros((3, 4, 5)), hard=True, axis=1).data
    assert np.all(sample.sum(axis=1) == 1)
    with pytest.raises(OpError, match="tau must be positive"):
        tg.gumbel_softmax(logits, tau=0.0)


def test_dropout3d_drops_whole_channels():
    volumes = np.ones((200, 4, 2, 2, 2))
    tg.manual_seed(6)
    out = tg.dropout3d(volumes, 0.25).data
    channels = out.reshape(200, 4, -1)
    assert np.all(channels.min(axis=2) == channels.max(axis=2))  # a channel as one
    assert set(np.unique(out)) == {0.0, 4 / 3}
    assert abs((channels[:, :, 0] == 0).mean() - 0.25) < 0.04
    with pytest.raises(OpError, match=r"dropout3d: input must be 5-D \(N, C, D, H, W\)"):
        tg.dropout3d(volumes[0])


@pytest.mark.parametrize("layer, data, in_eval", [
    (nn.Dropout3d(0.3), np.ones((8, 4, 2, 2, 2)), lambda x: x),
    (nn.AlphaDropout(0.3), np.ones((8, 4)), lambda x: x),
    (nn.FeatureAlphaDropout(0.3), np.ones((8, 4, 3)), lambda x: x),
    (nn.RReLU(), -np.ones((8, 4)), lambda x: x * (1 / 8 + 1 / 3) / 2),
])
def test_the_modules_draw_while_training_only(layer, data, in_eval):
    tg.manual_seed(7)
    assert not np.allclose(layer(data).data, in_eval(data))
    layer.eval()
    np.testing.assert_allclose(layer(data).data, in_eval(data), rtol=1e-15)
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    assert repr(nn.AlphaDropout(0.2)) == "AlphaDropout(p=0.2, inplace=False)"


def test_a_jitted_step_draws_afresh_on_every_replay():
    def make():
        layer = nn.Linear(4, 3, dtype=np.float64, rng=0)
        opt = tg.optim.SGD(layer.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            h = tg.rrelu(layer(x), training=True)
            loss = ((tg.gumbel_softmax(h, hard=True) * h).sum()
                    + tg.alpha_dropout(h, 0.3, training=True).sum()
                    + tg.feature_alpha_dropout(h.reshape(5, 3, 1), 0.5, training=True).sum()
                    + tg.dropout3d(h.reshape(5, 3, 1, 1, 1), 0.5).sum())
            loss.backward()
            opt.step()
            return loss
        return step, layer
    data = np.random.default_rng(2)
    x = data.standard_normal((5, 4))
    # the same input every call: only the draws differ, and the losses with them
    jitted = check_jit_matches_eager(make, [(x,)] * 6)
    assert jitted.recordings == 1
    losses = set()
    for seed in range(6):
        tg.manual_seed(seed)
        losses.add(jitted(x).item())
    assert len(losses) == 6
