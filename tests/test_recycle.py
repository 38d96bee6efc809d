"""recycle.py: big arrays reused from one eager step to the next, only once nothing else holds
them; and the eager conv step that uses it, which must compute exactly what it computes
without it."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor, nn, optim, recycle

pytestmark = pytest.mark.skipif(not recycle.ENABLED, reason="reference counts are not exact "
                                "on this Python: nothing is recycled (by design)")

BIG = (64, 6, 28, 28)  # 1.2 MB of float32


@pytest.fixture(autouse=True)
def _own_pool(monkeypatch):
    """Each test starts with an empty pool of its own (other tests' arrays may still be held
    in this thread's)."""
    monkeypatch.setattr(recycle, "_pool", recycle._Pool())
    yield
    recycle.clear()


def test_an_array_is_reused_only_once_nothing_else_holds_it():
    like = np.ones(BIG, np.float32)
    first = recycle.empty(like, BIG)
    address = first.ctypes.data
    assert first.shape == BIG and first.dtype == np.float32 and first.base is None
    second = recycle.empty(like, BIG)
    assert second.ctypes.data != address  # `first` is held
    view = first[:, :2]
    del first
    third = recycle.empty(like, BIG)
    assert third.ctypes.data != address  # a view of it is held
    del view
    fourth = recycle.empty(like, BIG)
    assert fourth.ctypes.data == address  # nothing holds it now
    assert recycle.stats()["made"] == 3 and recycle.stats()["reused"] == 1


def test_zeros_and_full_are_filled_when_reused():
    like = np.ones(BIG, np.float32)
    a = recycle.empty(like, BIG)
    a[...] = 7
    address = a.ctypes.data
    del a
    z = recycle.zeros(like, BIG)
    assert z.ctypes.data == address and not z.any()
    del z
    f = recycle.full(like, BIG, -np.inf)
    assert f.ctypes.data == address and np.all(f == -np.inf)
    del f
    c = recycle.copy(like[:, ::-1])
    assert c.ctypes.data == address and c.flags.c_contiguous and np.array_equal(c, like[:, ::-1])


def test_small_arrays_and_other_array_types_are_not_recycled():
    small = np.ones((10, 10), np.float32)
    assert recycle.out(small) is None
    assert recycle.out(np.ones(BIG, np.float32), (4, 4)) is None
    assert recycle.out([1.0, 2.0]) is None  # not an ndarray: made by its own library
    before = recycle.stats()
    a = recycle.zeros(small, (10, 10))
    assert a.shape == (10, 10) and not a.any() and recycle.stats() == before


def test_the_pool_is_bounded_and_clear_keeps_arrays_in_use(monkeypatch):
    monkeypatch.setattr(recycle, "MAX_BYTES", 3 * 64 * 6 * 28 * 28 * 4)
    like = np.ones(BIG, np.float32)
    kept = [recycle.empty(like, BIG) for _ in range(3)]
    assert recycle.stats()["held"] == 3
    extra = recycle.empty(like, BIG)  # the pool is full of arrays in use: not kept
    assert recycle.stats()["held"] == 3 and id(extra) not in recycle.HELD
    del kept[0]
    other = recycle.empty(like, (64, 6, 14, 56))  # a free array is dropped to make room
    assert recycle.stats()["held"] == 3 and id(other) in recycle.HELD
    recycle.clear()  # the two still in `kept` and `other` stay
    assert recycle.stats()["held"] == 3
    ids = {id(a) for a in kept + [other]}
    del kept, other
    recycle.clear()
    assert recycle.stats() | {"made": 0, "reused": 0} == {"held": 0, "bytes": 0, "made": 0,
                                                          "reused": 0}
    assert not ids & recycle.HELD


def test_each_thread_has_its_own_pool_and_its_ids_go_when_it_ends():
    like = np.ones(BIG, np.float32)
    mine = recycle.empty(like, BIG)
    address = mine.ctypes.data
    del mine
    seen = {}

    def work():
        a = recycle.empty(like, BIG)
        seen["address"], seen["id"] = a.ctypes.data, id(a)
        seen["in_held"] = id(a) in recycle.HELD
        del a

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["in_held"] and seen["address"] != address  # not this thread's free array
    assert seen["id"] not in recycle.HELD  # the thread's pool went with it
    assert recycle.empty(like, BIG).ctypes.data == address


def test_the_walk_masks_a_recycled_gradient_in_place_only_when_it_alone_holds_it(monkeypatch):
    x = Tensor(np.random.default_rng(0).standard_normal(BIG).astype(np.float32),
               requires_grad=True)

    def forward():
        return tg.max_pool2d(tg.relu(x), 2)  # the pool's input gradient is recycled

    refused = tg.ops.elementwise.Relu.backward
    x.grad = None
    forward().sum().backward()
    expected = x.grad.copy()

    def not_in_place(ctx, grad):
        raise AssertionError("the walk copied a gradient it alone held")

    monkeypatch.setattr(tg.ops.elementwise.Relu, "backward", not_in_place)
    x.grad = None
    forward().sum().backward()
    assert np.array_equal(x.grad, expected)
    monkeypatch.setattr(tg.ops.elementwise.Relu, "backward", refused)

    # A hook keeps the relu output's gradient: then it is not masked in place.
    kept = []
    x.grad = None
    h = tg.relu(x)
    h.register_hook(lambda g: kept.append(g))
    tg.max_pool2d(h, 2).sum().backward()
    pooled_grad = kept[0]
    assert np.array_equal(x.grad, expected)
    assert np.count_nonzero(pooled_grad) == BIG[0] * BIG[1] * 14 * 14  # one per window, unmasked
    assert np.count_nonzero(x.grad) < np.count_nonzero(pooled_grad)


def _lenet_step(seed: int = 0, keep: bool = True):
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 10))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(seed)
    batches = [(rng.random((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64))
               for _ in range(5)]

    def run():
        losses, features = [], []
        for images, labels in batches:
            opt.zero_grad()
            first = model[1](model[0](Tensor(images)))
            if keep:
                features.append(first.data)  # a user keeps an activation
            loss = model[2:](first).softmax_cross_entropy(labels)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            del first, loss
        return losses, [f.copy() for f in features], features, \
            [p.data.copy() for p in model.parameters()]

    return run


def test_an_eager_conv_step_is_the_same_with_and_without_recycling(monkeypatch):
    with_pool = _lenet_step()()
    assert recycle.stats()["made"] > 0 and recycle.stats()["reused"] > 0
    monkeypatch.setattr(recycle, "ENABLED", False)
    without = _lenet_step()()
    assert with_pool[0] == without[0]  # losses, bit for bit
    for a, b in zip(with_pool[3], without[3]):
        np.testing.assert_array_equal(a, b)
    # what the user kept is, five steps later, what it was when made
    assert len({f.ctypes.data for f in with_pool[2]}) == 5
    for copied, kept in zip(with_pool[1], with_pool[2]):
        np.testing.assert_array_equal(copied, kept)


def test_after_its_first_step_an_eager_conv_step_makes_no_new_big_arrays():
    run = _lenet_step(1, keep=False)
    run()
    made, reused = recycle.stats()["made"], recycle.stats()["reused"]
    run()
    assert recycle.stats()["made"] == made
    assert recycle.stats()["reused"] - reused >= 5 * 10  # each step takes ten or more


def _mlp_run(steps: int = 4):
    """The MNIST step (784-100-10, plain SGD): the weight's gradient from its matmul (its
    .grad, the only share) and the update lr * grad go through recycled arrays. Returns the
    losses, the weights, the first step's W1.grad as the user kept it, and the most memory
    `step()` allocated at once in the last step."""
    import tracemalloc

    rng = np.random.default_rng(0)
    w1 = Tensor((rng.standard_normal((784, 100)) * 0.05).astype(np.float32), requires_grad=True)
    b1 = Tensor(np.zeros(100, np.float32), requires_grad=True)
    w2 = Tensor((rng.standard_normal((100, 10)) * 0.1).astype(np.float32), requires_grad=True)
    opt = optim.SGD([w1, b1, w2], lr=0.1)
    batches = [(rng.random((64, 784), dtype=np.float32), rng.integers(0, 10, 64))
               for _ in range(steps)]
    losses, kept, peak = [], None, None
    for step, (x, y) in enumerate(batches):
        opt.zero_grad()
        loss = (tg.relu(Tensor(x) @ w1 + b1) @ w2).softmax_cross_entropy(y)
        loss.backward()
        if step == 0:
            kept = w1.grad  # the user keeps a gradient: no later step may write into it
        if step == steps - 1:
            tracemalloc.start()
            try:
                opt.step()
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        else:
            opt.step()
        losses.append(loss.item())
        del loss
    return losses, [w1.data.copy(), b1.data.copy(), w2.data.copy()], kept, peak


def test_an_mlp_step_updates_through_recycled_memory_exactly(monkeypatch):
    """With recycling, the same losses and weights bit for bit as without; a gradient the
    user keeps stays as it was; and the optimizer's step makes no weight-sized array."""
    with_pool = _mlp_run()
    # three arrays of the weight's size serve all four steps: the one the user keeps, and two
    # that the matmul and the update take in turn
    assert recycle.stats()["made"] == 3 and recycle.stats()["reused"] >= 5
    monkeypatch.setattr(recycle, "ENABLED", False)
    without = _mlp_run()
    assert with_pool[0] == without[0]
    for a, b in zip(with_pool[1], without[1]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(with_pool[2], without[2])  # the kept first gradient
    assert with_pool[3] < 784 * 100 * 4 // 4, with_pool[3]
