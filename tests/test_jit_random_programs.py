"""jit against the function as written on random training steps: models drawn from the
public ops and layers (activations, reshapes, concatenation, dropout, layer and batch norm,
convolutions, pools, upsampling), a loss and an optimizer; every call's loss and the whole
state (parameters, running statistics, counts) must equal eager's bit for bit, over calls
that replay, change the batch size (a new recording) and switch to eval mode.
A generator of such steps found the two silent replay bugs fixed with it (a dropout mask
drawn again after a failed guard, batch norm's statistics frozen at recording)."""
from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import nn, optim

ACTIVATIONS = [
    lambda h: h.relu(), lambda h: h.tanh(), lambda h: tg.gelu(h), lambda h: tg.softplus(h),
    lambda h: h * h, lambda h: tg.exp(tg.clamp(h, -5, 5)), lambda h: abs(h),
    lambda h: tg.where(h.data > 0, h, h * 0.1), lambda h: h - h.max(axis=1, keepdims=True),
    lambda h: h / (h.std(axis=1, keepdims=True) + 1.0), lambda h: h.T.T,
    lambda h: tg.cat([h[:, 1:], h[:, :1]], axis=1), lambda h: tg.dropout(h, 0.3, training=True),
    lambda h: tg.log_softmax(h, 1), lambda h: tg.maximum(h, h * -0.5),
    lambda h: tg.cumsum(h, 1) * 0.1, lambda h: (h * h + 1.0) ** 0.75,
]


def mlp_step(seed):
    """A random MLP step (a function of x and y) and what it changes (a module)."""
    rng = random.Random(seed)
    dtype = rng.choice([np.float32, np.float64])
    tg.manual_seed(seed)
    layers: list = []
    hidden = rng.randint(0, 2)  # hidden layers, each 8 wide
    for index in range(hidden):
        layers.append(nn.Linear(6 if not index else 8, 8, dtype=dtype))
        layers.append(rng.choice([nn.LayerNorm(8, dtype=dtype), nn.BatchNorm1d(8, dtype=dtype),
                                  nn.Identity()]))
        layers += [_Lambda(rng.choice(ACTIVATIONS)) for _ in range(rng.randint(0, 2))]
    model = nn.Sequential(*layers, nn.Linear(8 if hidden else 6, 4, dtype=dtype))
    loss = rng.choice([lambda h, y: h.softmax_cross_entropy(y),
                       lambda h, y: tg.cross_entropy(h, y, label_smoothing=0.1),
                       lambda h, y: tg.nll_loss(tg.log_softmax(h, 1), y),
                       lambda h, y: tg.mse_loss(h, tg.one_hot(y, 4).data.astype(h.dtype))])
    return _step(model, loss, rng), model, (6, 4, dtype)


def cnn_step(seed):
    rng = random.Random(seed)
    dtype = rng.choice([np.float32, np.float64])
    tg.manual_seed(seed)
    channels, size, layers = 1, 8, []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["conv", "conv", "pool", "bn", "drop", "up", "act"])
        if kind == "conv" and size >= 3:
            out, padding = rng.randint(2, 3), rng.choice([0, 1])
            layers.append(nn.Conv2d(channels, out, 3, stride=rng.choice([1, 2]),
                                    padding=padding, dtype=dtype))
            size = (size + 2 * padding - 3) // layers[-1].stride[0] + 1
            channels = out
        elif kind == "pool" and size >= 2:
            layers.append(nn.MaxPool2d(2, ceil_mode=rng.random() < 0.5))
            size = -(-size // 2) if layers[-1].ceil_mode else size // 2
        elif kind == "bn":
            layers.append(nn.BatchNorm2d(channels, momentum=rng.choice([0.1, None]),
                                         dtype=dtype))
        elif kind == "drop":
            layers.append(nn.Dropout2d(0.3))
        elif kind == "up" and size <= 8:
            layers.append(nn.Upsample(scale_factor=2, mode=rng.choice(["nearest", "bilinear"])))
            size *= 2
        else:
            layers.append(rng.choice([nn.ReLU(), nn.SiLU(), nn.Tanh()]))
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * size * size, 3,
                                                           dtype=dtype))
    return _step(model, lambda h, y: h.softmax_cross_entropy(y), rng), model, \
        ((1, 8, 8), 3, dtype)


class _Lambda(nn.Module):
    def __init__(self, fn) -> None:
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def _step(model, loss_of, rng):
    params = list(model.parameters())
    opt = rng.choice([lambda: optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True,
                                        weight_decay=1e-3),
                      lambda: optim.Adam(params, lr=0.01),
                      lambda: optim.AdamW(params, lr=0.01, amsgrad=True),
                      lambda: optim.RMSprop(params, lr=0.01, centered=True)])()

    def step(x, y):
        opt.zero_grad()
        loss = loss_of(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


SCHEDULE = [(5, True)] * 4 + [(3, True)] * 3 + [(5, True)] + [(5, False)] * 3


@pytest.mark.parametrize("make, seed", [(mlp_step, s) for s in range(24)]
                         + [(cnn_step, s) for s in range(12)])
def test_a_random_step_replays_as_written(make, seed):
    (eager, eager_model, shape), (fn, jit_model, _) = make(seed), make(seed)
    jitted = tg.jit(fn)
    inputs, classes, dtype = shape
    data = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no call may fall back to running as written
        # replays, a new batch size (recorded anew, then replayed with the old one), eval mode
        for call, (n, train) in enumerate(SCHEDULE):
            eager_model.train(train)
            jit_model.train(train)
            x = data.standard_normal((n, *np.atleast_1d(inputs))).astype(dtype)
            y = data.integers(0, classes, n)
            tg.manual_seed(100 + call)
            expected = eager(x, y).data
            tg.manual_seed(100 + call)
            np.testing.assert_array_equal(jitted(x, y).data, expected)
            state, expected_state = jit_model.state_dict(), eager_model.state_dict()
            for name, value in expected_state.items():
                np.testing.assert_array_equal(state[name], value, err_msg=f"{name}, call {call}")
    assert jitted.recordings == 3  # batch 5, batch 3, eval mode: the other calls replayed
