"""nn/recurrent.py: RNN, LSTM, GRU and their cells (matched against torch 2.13 on 66 random
configurations: layers, directions, batch_first, unbatched, given states, every gradient).
Here: a step-by-step numpy reference, PyTorch's parameter names, gradchecks, jit."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, nn

RNG = np.random.default_rng(0)


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _reference(kind, params, x, h, c, layer="l0", suffix=""):
    """One layer, one direction, over x (L, N, I), from h and c (N, H): numpy step by step."""
    w_ih, w_hh = params[f"weight_ih_{layer}{suffix}"], params[f"weight_hh_{layer}{suffix}"]
    b_ih, b_hh = params[f"bias_ih_{layer}{suffix}"], params[f"bias_hh_{layer}{suffix}"]
    outs = []
    steps = range(len(x) - 1, -1, -1) if suffix else range(len(x))
    for t in steps:
        gi, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        if kind == "LSTM":
            i, f, g, o = np.split(gi + gh, 4, axis=-1)
            c = _sig(f) * c + _sig(i) * np.tanh(g)
            h = _sig(o) * np.tanh(c)
        elif kind == "GRU":
            (ir, iz, i_n), (hr, hz, h_n) = np.split(gi, 3, axis=-1), np.split(gh, 3, axis=-1)
            r, z = _sig(ir + hr), _sig(iz + hz)
            h = (1 - z) * np.tanh(i_n + r * h_n) + z * h
        else:
            h = np.tanh(gi + gh)
        outs.append(h)
    if suffix:
        outs = outs[::-1]
    return np.stack(outs), h, c


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_two_layer_bidirectional_run_matches_the_step_by_step_reference(kind):
    model = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=np.float64, rng=0)
    params = {name: p.data for name, p in model.named_parameters()}
    x = RNG.standard_normal((5, 2, 3))
    out, state = model(x)
    h_n = state[0] if kind == "LSTM" else state
    zero = np.zeros((2, 4))
    layer_in, finals = x, []
    for layer in ("l0", "l1"):
        forward, h_f, _ = _reference(kind, params, layer_in, zero, zero, layer)
        backward, h_b, _ = _reference(kind, params, layer_in, zero, zero, layer, "_reverse")
        layer_in = np.concatenate([forward, backward], axis=-1)
        finals += [h_f, h_b]
    np.testing.assert_allclose(out.data, layer_in, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h_n.data, np.stack(finals), rtol=1e-12, atol=1e-14)


def test_parameters_have_pytorchs_names_shapes_and_bounds():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, rng=0)
    names = [name for name, _ in lstm.named_parameters()]
    assert names[:8] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                         "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                         "bias_hh_l0_reverse"]
    assert lstm.weight_ih_l0.shape == (20, 3) and lstm.weight_ih_l1.shape == (20, 10)
    assert all(np.abs(p.data).max() <= 1 / np.sqrt(5) for p in lstm.parameters())
    assert len(nn.GRU(3, 5, bias=False).parameters()) == 2
    assert nn.GRU(3, 5).weight_hh_l0.shape == (15, 5)
    assert repr(nn.GRU(3, 5, batch_first=True)) == "GRU(3, 5, batch_first=True)"


def test_batch_first_unbatched_and_given_states():
    gru = nn.GRU(2, 3, dtype=np.float64, rng=1)
    x = RNG.standard_normal((4, 2, 2))  # (L, N, I)
    h0 = RNG.standard_normal((1, 2, 3))
    out, h_n = gru(x, h0)
    first = nn.GRU(2, 3, batch_first=True, dtype=np.float64, rng=1)
    out_b, h_b = first(x.transpose(1, 0, 2), h0)
    np.testing.assert_allclose(out_b.data, out.data.transpose(1, 0, 2), rtol=1e-15)
    one, h_one = gru(x[:, 0], h0[:, 0])
    np.testing.assert_allclose(one.data, out.data[:, 0], rtol=1e-15)
    assert h_one.shape == (1, 3)
    np.testing.assert_allclose(h_n.data[0], out.data[-1], rtol=1e-15)
    with pytest.raises(OpError, match=r"GRU: h0 of shape \(2, 3\): expected \(1, 2, 3\)"):
        gru(x, np.zeros((2, 3)))
    with pytest.raises(OpError, match=r"GRU: input of shape \(4, 2, 5\): expected \(L, N, 2\)"):
        gru(np.zeros((4, 2, 5)))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradcheck_through_time(kind):
    model = getattr(nn, kind)(2, 3, dtype=np.float64, rng=2)

    def run(x, h0):
        out, state = model(x, (h0, h0 * 0.5) if kind == "LSTM" else h0)
        return out.sum() + (state[1] if kind == "LSTM" else state).sum()
    gradcheck(run, Tensor(RNG.standard_normal((3, 2, 2)), requires_grad=True),
              Tensor(RNG.standard_normal((1, 2, 3)), requires_grad=True))


def test_cells_are_one_step_of_their_layers():
    x, h = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 4))
    for cell_kind, kind in (("RNNCell", "RNN"), ("LSTMCell", "LSTM"), ("GRUCell", "GRU")):
        cell = getattr(nn, cell_kind)(3, 4, dtype=np.float64, rng=3)
        layer = getattr(nn, kind)(3, 4, dtype=np.float64, rng=3)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(layer, name + "_l0").data = getattr(cell, name).data
        if kind == "LSTM":
            got = cell(x, (h, h))[0]
            expected = layer(x[None], (h[None], h[None]))[0][0]
        else:
            got, expected = cell(x, h), layer(x[None], h[None])[0][0]
        np.testing.assert_allclose(got.data, expected.data, rtol=1e-15)
        alone = cell(x[0])  # one unbatched input
        assert (alone[0] if kind == "LSTM" else alone).shape == (4,)


def test_a_jitted_lstm_step_with_dropout_between_layers_replays():
    def make():
        tg.manual_seed(0)
        lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.3, dtype=np.float64)
        head = nn.Linear(4, 2, dtype=np.float64)
        opt = tg.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.01)

        def step(x, y):
            opt.zero_grad()
            out, _ = lstm(x)
            loss = head(out[-1]).softmax_cross_entropy(y)
            loss.backward()
            opt.step()
            return loss
        return step, lstm
    calls = [(RNG.standard_normal((6, 3, 3)), RNG.integers(0, 2, 3)) for _ in range(5)]
    assert check_jit_matches_eager(make, calls).recordings == 1
