"""Initialisers: the right distribution (checked on large samples), shapes, dtypes, seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_np import Tensor
from tinygrad_np.nn import init

FAN_IN, FAN_OUT = 400, 600          # 240,000 samples: the standard error of a sample std is
N = FAN_IN * FAN_OUT                # ~0.1% (uniform) or ~0.15% (normal) of the true std, so
STD_RTOL = 0.01                     # the 1% tolerance below is 7+ standard errors wide.


def test_glorot_uniform_bound_and_spread() -> None:
    bound = np.sqrt(6 / (FAN_IN + FAN_OUT))
    w = init.glorot_uniform((FAN_IN, FAN_OUT), rng=0, dtype=np.float64)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound                       # fills the whole interval
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=STD_RTOL)
    assert abs(w.mean()) < 5 * bound / np.sqrt(3 * N)            # 5 standard errors
    # Uniform, not bell-shaped: each tenth of [-bound, bound] holds ~10% of the samples.
    counts, _ = np.histogram(w, bins=10, range=(-bound, bound))
    np.testing.assert_allclose(counts / N, 0.1, atol=0.003)


def test_he_normal_std_and_shape_of_distribution() -> None:
    std = np.sqrt(2 / FAN_IN)
    w = init.he_normal((FAN_IN, FAN_OUT), rng=0, dtype=np.float64)
    np.testing.assert_allclose(w.std(), std, rtol=STD_RTOL)
    assert abs(w.mean()) < 5 * std / np.sqrt(N)
    # Normal: ~68.27% within one std, ~95.45% within two (binomial SE < 0.1%).
    np.testing.assert_allclose(np.mean(np.abs(w) < std), 0.6827, atol=0.005)
    np.testing.assert_allclose(np.mean(np.abs(w) < 2 * std), 0.9545, atol=0.005)


def test_he_uniform_bound_and_spread() -> None:
    bound = np.sqrt(6 / FAN_IN)
    w = init.he_uniform((FAN_IN, FAN_OUT), rng=0, dtype=np.float64)
    assert bound * 0.999 < np.abs(w).max() <= bound
    np.testing.assert_allclose(w.std(), np.sqrt(2 / FAN_IN), rtol=STD_RTOL)


def test_zeros() -> None:
    z = init.zeros((3, 2))
    assert z.dtype == np.float32 and z.shape == (3, 2) and not z.any()


@pytest.mark.parametrize("fn", [init.glorot_uniform, init.he_normal, init.he_uniform])
def test_seeds_and_dtypes(fn) -> None:
    a = fn((7, 5), rng=11)
    assert a.dtype == np.float32 and a.shape == (7, 5)
    np.testing.assert_array_equal(a, fn((7, 5), rng=11))
    np.testing.assert_array_equal(a, fn((7, 5), rng=np.random.default_rng(11)))
    assert not np.array_equal(a, fn((7, 5), rng=12))
    # Sampled in float64, then cast: the same seed gives the same weights in any dtype.
    np.testing.assert_array_equal(a, fn((7, 5), rng=11, dtype=np.float64).astype(np.float32))
    gen = np.random.default_rng(0)
    assert not np.array_equal(fn((7, 5), rng=gen), fn((7, 5), rng=gen))   # the generator moves


@pytest.mark.parametrize("fn", [init.glorot_uniform, init.he_normal, init.he_uniform])
def test_bad_shapes_and_dtypes(fn) -> None:
    with pytest.raises(ValueError, match=r"2-D weight shape .* got \(3,\)"):
        fn((3,), rng=0)
    with pytest.raises(ValueError, match=r"got \(0, 3\)"):
        fn((0, 3), rng=0)
    with pytest.raises(ValueError, match="floating-point dtype, got int64"):
        fn((2, 3), rng=0, dtype=np.int64)


def test_get_initializer_and_as_rng() -> None:
    assert init.get_initializer("glorot") is init.glorot_uniform
    assert init.get_initializer("he") is init.he_normal
    assert init.get_initializer(init.zeros) is init.zeros
    with pytest.raises(TypeError, match="init must be a name or a callable"):
        init.get_initializer(3)  # type: ignore[arg-type]
    gen = np.random.default_rng(0)
    assert init.as_rng(gen) is gen
    assert isinstance(init.as_rng(None), np.random.Generator)
    with pytest.raises(TypeError, match="got bool"):
        init.as_rng(True)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(fan_in=st.integers(1, 50), fan_out=st.integers(1, 50), seed=st.integers(0, 2**32 - 1))
def test_bounds_hold_for_any_shape(fan_in: int, fan_out: int, seed: int) -> None:
    w = init.glorot_uniform((fan_in, fan_out), rng=seed)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float32
    assert np.abs(w).max() <= np.float32(np.sqrt(6 / (fan_in + fan_out)))
    assert np.abs(init.he_uniform((fan_in, fan_out), rng=seed)).max() <= np.float32(
        np.sqrt(6 / fan_in))


# -- PyTorch's in-place initialisers ---------------------------------------------------------
def test_gains_and_fans_are_pytorchs():
    # torch.nn.init.calculate_gain(...) in PyTorch 2.13
    assert init.calculate_gain("relu") == np.sqrt(2.0)
    assert init.calculate_gain("leaky_relu", 0.2) == np.sqrt(2 / 1.04)
    assert init.calculate_gain("tanh") == 5 / 3 and init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("conv2d") == init.calculate_gain("sigmoid") == 1.0
    assert init.fans((784, 100)) == (784, 100)  # (in, out) here: x @ W
    assert init.fans((16, 6, 5, 5)) == (150, 400)  # a conv's (out, in, kh, kw), as PyTorch
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match=r"fewer than 2 axes"):
        init.fans((5,))


@pytest.mark.parametrize("fill, kwargs, std", [
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}, np.sqrt(2 / (128 * 9))),
    (init.kaiming_uniform_, {"a": np.sqrt(5)}, np.sqrt(1 / 3) / np.sqrt(64 * 9)),
    (init.xavier_uniform_, {"gain": 2.0}, 2 * np.sqrt(2 / (64 * 9 + 128 * 9))),
    (init.xavier_normal_, {}, np.sqrt(2 / (64 * 9 + 128 * 9))),
    (init.normal_, {"std": 0.5}, 0.5),
    (init.uniform_, {"a": -1.0, "b": 1.0}, np.sqrt(1 / 3)),
])
def test_in_place_initialisers_draw_pytorchs_distributions(fill, kwargs, std):
    from tinygrad_np import Tensor, manual_seed
    manual_seed(0)
    weight = Tensor(np.zeros((128, 64, 3, 3), dtype=np.float32), requires_grad=True)
    array = weight.data
    assert fill(weight, **kwargs) is weight and weight.data is array  # filled where it lies
    assert weight.data.dtype == np.float32
    assert abs(weight.data.mean()) < 0.01 * std * 10
    assert abs(weight.data.std() / std - 1) < 0.01  # 73,728 draws: within 1%


def test_truncated_normal_stays_in_its_range_with_pytorchs_moments():
    from tinygrad_np import manual_seed
    manual_seed(0)
    values = init.trunc_normal_(np.zeros(200_000), mean=0.0, std=1.0, a=-1.0, b=0.5)
    assert values.min() >= -1.0 and values.max() <= 0.5
    # the moments of N(0, 1) truncated to [-1, 0.5] (PyTorch 2.13 drew -0.2058 and 0.4159)
    assert abs(values.mean() - (-0.2047)) < 0.005 and abs(values.std() - 0.4163) < 0.005
    for fill in (init.zeros_, init.ones_, lambda t: init.constant_(t, 3.0)):
        assert len(set(fill(np.empty(4)).tolist())) == 1
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(np.zeros((4, 4)), mode="fan")
    with pytest.raises(TypeError, match="expected a floating-point Tensor or ndarray"):
        init.normal_(np.zeros(3, dtype=np.int64))


def test_eye_dirac_orthogonal_and_sparse_are_pytorchs():
    """torch 2.13's eye_ and dirac_ give the same arrays; orthogonal_ and sparse_ the same
    properties (their numbers come from another generator)."""
    np.testing.assert_array_equal(init.eye_(np.empty((2, 3))), np.eye(2, 3))
    weight = init.dirac_(np.empty((4, 2, 3, 3)), groups=2)
    assert weight.sum() == 4 and weight[0, 0, 1, 1] == weight[3, 1, 1, 1] == 1
    assert weight[1, 0].sum() == 0 and weight[1, 1, 1, 1] == 1
    w = init.orthogonal_(np.empty((4, 6)), gain=2.0)
    np.testing.assert_allclose(w @ w.T, 4 * np.eye(4), atol=1e-12)
    tall = init.orthogonal_(Tensor(np.empty((6, 2, 2)), requires_grad=True)).data.reshape(6, 4)
    np.testing.assert_allclose(tall.T @ tall, np.eye(4), atol=1e-6)
    sparse = init.sparse_(np.empty((7, 5)), sparsity=0.4, std=0.5)
    assert (sparse == 0).sum(axis=0).tolist() == [3] * 5  # ceil(0.4 * 7) per column
    with pytest.raises(ValueError, match="dirac_: groups 3 must divide"):
        init.dirac_(np.empty((4, 2, 3)), groups=3)
    with pytest.raises(ValueError, match="eye_: expected a matrix"):
        init.eye_(np.empty(3))


# -- the fans of weights kept (out, in), PyTorch's layout -------------------------------------
def _frozen_copy_of_lstm_weight():
    import copy

    from tinygrad_np import nn
    lstm = nn.LSTM(100, 50, rng=0).requires_grad_(False)  # freezing rewrites _nn_parameter
    return copy.deepcopy(lstm).weight_ih_l0


def _weights():
    from tinygrad_np import nn
    mha = nn.MultiheadAttention(8, 2, kdim=4, vdim=6, rng=0)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, rng=0)
    encoder = nn.TransformerEncoder(layer, 2)  # deep copies of the layer
    return {
        # (fan_in, fan_out) from torch.nn.init._calculate_fan_in_and_fan_out on the same
        # PyTorch 2.13 modules (nn.Linear's weight is (in, out) here, (out, in) there).
        "plain (in, out)": (Tensor(np.zeros((100, 50)), requires_grad=True), (100, 50)),
        "nn.Linear": (nn.Linear(100, 50, rng=0).weight, (100, 50)),
        "LSTM weight_ih": (nn.LSTM(100, 50, rng=0).weight_ih_l0, (100, 200)),
        "LSTM weight_hh": (nn.LSTM(100, 50, rng=0).weight_hh_l0, (50, 200)),
        "GRU weight_ih_reverse": (nn.GRU(10, 6, bidirectional=True, rng=0).weight_ih_l0_reverse,
                                  (10, 18)),
        "RNNCell weight_ih": (nn.RNNCell(10, 6, rng=0).weight_ih, (10, 6)),
        "MHA in_proj_weight": (nn.MultiheadAttention(8, 2, rng=0).in_proj_weight, (8, 24)),
        "MHA k_proj_weight": (mha.k_proj_weight, (4, 8)),
        "MHA v_proj_weight": (mha.v_proj_weight, (6, 8)),
        "linear1": (layer.linear1.weight, (8, 16)),
        "linear2": (layer.linear2.weight, (16, 8)),
        "cloned linear1": (encoder.layers[1].linear1.weight, (8, 16)),
        "frozen LSTM, deep-copied": (_frozen_copy_of_lstm_weight(), (100, 200)),
    }


@pytest.mark.parametrize("kind", list(_weights()))
def test_fans_follow_each_weights_layout_as_pytorchs(kind) -> None:
    from tinygrad_np import manual_seed
    manual_seed(0)  # even 32 draws fill 3/4 of their range (odds 0.75**32 = 1e-4 against)
    weight, expected = _weights()[kind]
    assert init._calculate_fan_in_and_fan_out(weight) == expected
    fan_in, fan_out = expected
    # kaiming_uniform_: U(-b, b), b = gain * sqrt(3 / fan), PyTorch's formula
    init.kaiming_uniform_(weight, mode="fan_out", nonlinearity="relu")
    bound = np.sqrt(2.0) * np.sqrt(3.0 / fan_out)
    assert 0.75 * bound < np.abs(weight.data).max() <= bound * (1 + 1e-6)
    init.kaiming_uniform_(weight, a=np.sqrt(5))  # PyTorch's Linear default: b = 1/sqrt(fan_in)
    assert 0.75 / np.sqrt(fan_in) < np.abs(weight.data).max() <= (1 + 1e-6) / np.sqrt(fan_in)


def test_kaiming_normal_of_an_lstm_weight_has_pytorchs_std() -> None:
    from tinygrad_np import manual_seed, nn
    manual_seed(0)
    weight = nn.LSTM(100, 50, rng=0).weight_ih_l0  # (200, 100): fan_in 100, as PyTorch's
    init.kaiming_normal_(weight)
    # PyTorch 2.13: std ~0.1411 for gain sqrt(2) / sqrt(100) = 0.1414 (20,000 draws: SE 0.5%)
    np.testing.assert_allclose(weight.data.std(), np.sqrt(2) / 10, rtol=0.02)
    init.kaiming_normal_(weight, mode="fan_out")
    np.testing.assert_allclose(weight.data.std(), np.sqrt(2 / 200), rtol=0.02)


def test_mark_out_in_is_kept_by_parameter_and_refuses_non_matrices() -> None:
    from tinygrad_np.nn import Parameter
    weight = init.mark_out_in(Tensor(np.zeros((3, 5)), requires_grad=True))
    assert init.is_out_in(weight) and init.fans((3, 5), out_in=True) == (5, 3)
    assert init.is_out_in(Parameter(weight))  # the same array, the same layout
    assert not init.is_out_in(Tensor(np.zeros((3, 5)))) and not init.is_out_in(np.zeros((3, 5)))
    with pytest.raises(TypeError, match="expected a 2-D Tensor"):
        init.mark_out_in(Tensor(np.zeros((2, 3, 4))))
    with pytest.raises(TypeError, match="expected a 2-D Tensor"):
        init.mark_out_in(np.zeros((3, 5)))
