"""recompute.py: checkpoint and checkpoint_sequential give the gradients of the plain call,
dropout included, keep none of the function's intermediates, reach parameters the function
closes over, and replay under jit."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import Tensor, nn

X = np.random.default_rng(0).standard_normal((5, 4))


def model():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8, dtype=np.float64), nn.ReLU(), nn.Dropout(0.3),
                         nn.Linear(8, 8, dtype=np.float64), nn.Tanh(),
                         nn.Linear(8, 2, dtype=np.float64))


@pytest.mark.parametrize("run", [
    lambda m, x: tg.checkpoint(m, x),
    lambda m, x: tg.checkpoint_sequential(m, 2, x),
    lambda m, x: tg.checkpoint_sequential(m.layers, 3, x),
])
def test_the_gradients_are_the_plain_calls(run):
    plain, checkpointed = model(), model()
    x1, x2 = Tensor(X, requires_grad=True), Tensor(X, requires_grad=True)
    tg.manual_seed(1)
    expected = (plain(x1) ** 2).sum()
    expected.backward()
    tg.manual_seed(1)
    got = (run(checkpointed, x2) ** 2).sum()  # the dropout mask drawn again alike
    got.backward()
    assert got.item() == expected.item()
    for p, q in zip(plain.parameters(), checkpointed.parameters()):
        np.testing.assert_allclose(q.grad, p.grad, rtol=1e-14)
    np.testing.assert_allclose(x2.grad, x1.grad, rtol=1e-14)


def test_nothing_inside_is_kept_and_closed_over_parameters_get_gradients():
    layer = nn.Linear(4, 4, dtype=np.float64, rng=0)
    inside = []

    def block(x):
        h = layer(x)
        inside.append(weakref.ref(h.data))
        return h.tanh()

    out = tg.checkpoint(block, Tensor(X))  # no argument requires grad
    gc.collect()
    assert inside[0]() is None  # the intermediate is gone
    out.sum().backward()
    assert layer.weight.grad is not None and layer.bias.grad.shape == (4,)
    with tg.no_grad():
        assert not tg.checkpoint(block, Tensor(X)).requires_grad
    with pytest.raises(TypeError, match="checkpoint: the function must return one Tensor"):
        tg.checkpoint(lambda x: (x, x), Tensor(X, requires_grad=True))


def test_a_jitted_step_through_a_checkpoint_replays():
    def make():
        net = model()
        opt = tg.optim.SGD(net.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = (tg.checkpoint_sequential(net, 2, x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return step, net
    calls = [(np.random.default_rng(i).standard_normal((5, 4)),) for i in range(4)]
    assert check_jit_matches_eager(make, calls).recordings == 1
