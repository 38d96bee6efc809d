"""tinygrad_np.jit: `jit` replays a recorded step and gives exactly what running it does.

Every check compares a jitted function with the same function run as written, on the same
inputs, from the same start; calls 1, 2 and 3+ are the eager warm-up, the recording and
the replays.
"""
from __future__ import annotations

from collections import deque

import doctest
import importlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import TABLE

from tinygrad_np import Function, JitError, OpError, Tensor, jit, no_grad, optim, relu


def make_net(dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (12, 8), "b1": (8,), "W2": (8, 5), "b2": (5,)}
    return {k: Tensor(rng.normal(0, 0.5, s).astype(dtype), requires_grad=True)
            for k, s in shapes.items()}


def batch(n=6, dtype="float32", seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 12)).astype(dtype), rng.integers(0, 5, n)


def two_layer_step(net, zero_inside=False):
    """The MNIST step's shape, small: loss, backward (and zero_grad when asked)."""
    opt = optim.SGD(list(net.values()), lr=0.1)

    def loss_and_grads(x, y):
        if zero_inside:
            opt.zero_grad()
        logits = relu(Tensor(x) @ net["W1"] + net["b1"]) @ net["W2"] + net["b2"]
        loss = logits.softmax_cross_entropy(y) + 1e-4 * (net["W1"].l2() + net["W2"].l2())
        loss.backward()
        return loss

    return opt, loss_and_grads


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("zero_inside", [False, True])
def test_training_with_jit_is_exactly_training_without(dtype, zero_inside):
    eager_net, jit_net = make_net(dtype), make_net(dtype)
    eager_opt, eager_fn = two_layer_step(eager_net, zero_inside)
    jit_opt, jit_fn = two_layer_step(jit_net, zero_inside)
    jitted = jit(jit_fn)
    for step in range(6):
        x, y = batch(dtype=dtype, seed=step)
        for opt, fn in ((eager_opt, eager_fn), (jit_opt, jitted)):
            if not zero_inside:
                opt.zero_grad()
            loss = fn(x, y)
            opt.step()
            if fn is eager_fn:
                expected = loss.data
        assert loss.data.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(loss.data, expected)
        for name in eager_net:
            np.testing.assert_array_equal(jit_net[name].data, eager_net[name].data, err_msg=name)
            np.testing.assert_array_equal(jit_net[name].grad, eager_net[name].grad, err_msg=name)
            assert jit_net[name].grad.dtype == np.dtype(dtype)


def replaying(fn, *args):
    """jit(fn), called three times on args: from the next call on, it replays."""
    jitted = jit(fn)
    for _ in range(3):
        jitted(*args)
    return jitted


def counting(fn):
    """fn, and a deque that grows each time fn's Python body runs. A deque, not a list: the
    jit gives up on a function that changes plain values in the lists, dicts and attributes
    it can reach (a replay would not change them again), and does not look into a deque."""
    runs: deque = deque()

    def wrapped(*args):
        runs.append(1)
        return fn(*args)
    return wrapped, runs


def counted_step():
    """A small net, its step, the step jitted, and the list counting runs of its Python."""
    net = make_net()
    _, fn = two_layer_step(net)
    body, runs = counting(fn)
    return net, fn, jit(body), runs


def test_the_third_call_runs_none_of_the_functions_python():
    _, _, jitted, runs = counted_step()
    x, y = batch()
    for _ in range(5):
        jitted(x, y)
    assert len(runs) == 2  # the warm-up and the recording


def test_gradients_add_up_across_calls_as_backward_does_when_not_zeroed():
    net = make_net()
    _, fn = two_layer_step(net)
    jitted = jit(fn)
    x, y = batch()
    grads = []
    for _ in range(4):
        jitted(x, y)
        grads.append(net["W1"].grad.copy())
    # the weights never change (no optimizer step), so each call adds the same gradient
    np.testing.assert_allclose(grads[3], 4 * grads[0], rtol=1e-5)
    np.testing.assert_allclose(grads[2], 3 * grads[0], rtol=1e-5)


def test_a_new_batch_size_is_recorded_anew_and_the_old_one_still_replays():
    eager_net, jit_net = make_net(), make_net()
    _, eager_fn = two_layer_step(eager_net)
    _, fn = two_layer_step(jit_net)
    body, runs = counting(fn)
    jitted = jit(body)
    for n in (6, 6, 6, 4, 4, 4, 6, 4):
        x, y = batch(n)
        for t in list(eager_net.values()) + list(jit_net.values()):
            t.grad = None
        np.testing.assert_array_equal(jitted(x, y).data, eager_fn(x, y).data)
        np.testing.assert_array_equal(jit_net["W1"].grad, eager_net["W1"].grad)
    assert len(runs) == 4  # two calls (warm-up, recording) for each batch size


def test_labels_out_of_range_raise_the_ops_error_on_replay():
    net = make_net()
    _, fn = two_layer_step(net)
    x, y = batch()
    jitted = replaying(fn, x, y)
    bad = y.copy()
    bad[2] = 5
    with pytest.raises(OpError, match=r"class indices must be in \[0, 5\)"):
        jitted(x, bad)
    bad[2] = -1
    with pytest.raises(OpError, match=r"class indices must be in \[0, 5\)"):
        jitted(x, bad)
    jitted(x, y)  # and the good labels still replay


class Inverse(Function):
    """A user's op that numpy can refuse by value: a singular matrix has no inverse."""

    def forward(ctx, a):
        inverse = np.linalg.inv(a)
        ctx.save_for_backward(inverse)
        return inverse

    def backward(ctx, grad):
        inverse, = ctx.saved_tensors
        return -(inverse.T @ grad @ inverse.T)


def test_a_call_that_fails_in_a_replay_raises_the_ops_own_error_and_adds_no_gradient():
    w = Tensor(np.eye(2), requires_grad=True)

    def fn(x):
        out = Inverse.apply(Tensor(x) @ w).sum()
        out.backward()
        return out

    body, runs = counting(fn)
    good, singular = np.array([[2.0, 1.0], [1.0, 3.0]]), np.ones((2, 2))
    jitted = jit(body)
    for _ in range(3):
        w.grad = None
        jitted(good)
    expected = w.grad.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # failing calls are not values that changed: no giving up
        for _ in range(4):  # as written: numpy's own error, not relabelled as a shape error
            w.grad = None
            with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
                jitted(singular)
            assert w.grad is None  # the failed calls added nothing
    before = len(runs)
    w.grad = None
    assert jitted(good).item() == pytest.approx(np.linalg.inv(good).sum())
    np.testing.assert_array_equal(w.grad, expected)
    assert len(runs) == before  # replayed again


def test_values_the_same_on_every_call_are_computed_once():
    calls = []
    # a ufunc that counts its calls: on ones made from a shape, its result is the same on
    # every call, so it runs once, while recording
    counted = np.frompyfunc(lambda v: calls.append(1) or v, 1, 1)

    class Counted(Function):
        def forward(ctx, a):
            return a * 2.0

        def backward(ctx, grad):
            return grad * counted(np.ones_like(grad)).astype(grad.dtype) * 2.0

    w = Tensor(np.ones(3), requires_grad=True)

    def fn(x):
        loss = (Counted.apply(w) * Tensor(x)).sum()
        loss.backward()
        return loss

    jitted = jit(fn)
    for call in range(6):
        w.grad = None
        x = np.arange(3.0) + call
        jitted(x)
        np.testing.assert_array_equal(w.grad, 2 * x)
    assert len(calls) == 2 * 3  # 3 elements, in the call as written and in the recording


class Twice(Function):
    """A user's op whose backward starts from zeros and adds the gradient in: a value made
    from a shape alone, then written with data, which later lines read."""

    def forward(ctx, a):
        return a * 2.0

    def backward(ctx, grad):
        summed = np.zeros_like(grad)
        summed += grad
        return summed * 2.0


class Scaled(Function):
    """A user's op whose backward multiplies the gradient by ones made from its shape: an
    array computed once, which the call reading it last must not write into."""

    def forward(ctx, a):
        return a * 1.0

    def backward(ctx, grad):
        return np.ones_like(grad) * grad


@pytest.mark.parametrize("make_loss, expected", [
    # summed in Twice.backward: made from a shape, then written with data, then read
    (lambda w, x: (Twice.apply(x * w) * x).sum(), lambda x: 2 * x * x),
    # ones in Scaled.backward: computed once; its last reader must not write into it
    (lambda w, x: (Scaled.apply(w) * x).sum(), lambda x: x),
], ids=["written with data", "never written into"])
def test_values_made_from_shapes_are_right_on_every_call(make_loss, expected):
    w = Tensor(np.ones(3), requires_grad=True)

    def fn(x):
        loss = make_loss(w, Tensor(x))
        loss.backward()
        return loss

    jitted = jit(fn)
    for call in range(5):
        x = np.arange(3.0) + call
        w.grad = None
        jitted(x)
        np.testing.assert_array_equal(w.grad, expected(x))


class TimesThree(Function):
    """A user's op whose gradient is a constant array, the same on every call."""

    def forward(ctx, a):
        return a * 3.0

    def backward(ctx, grad):
        return np.full(grad.shape, 3.0)


@pytest.mark.parametrize("make_loss", [
    lambda x, b: (Tensor(x) * b).sum() + (b * 2.0).sum(),  # from the seed: the same each call
    lambda x, b: (Tensor(x) * b).sum() + b.sum(),          # a view of the seed
    lambda x, b: (Tensor(x) * TimesThree.apply(b)).sum(),  # a constant the backward made
])
def test_a_gradient_handed_to_grad_is_the_callers_to_change(make_loss):
    b = Tensor(np.ones(3), requires_grad=True)

    def fn(x):
        loss = make_loss(Tensor(x), b)
        loss.backward()
        return loss

    x = np.arange(3.0)
    b.grad = None
    fn(x)
    expected = b.grad.copy()
    jitted = jit(fn)
    for _ in range(5):
        b.grad = None
        jitted(x)
        np.testing.assert_array_equal(b.grad, expected)
        b.grad[...] = 123.0  # the caller's array: a later call must not see it


def test_one_gradient_reaching_two_parameters_gives_each_its_own_array():
    a, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True)

    def fn(x):
        loss = (Tensor(x) * (a + b)).sum()  # Add hands the same array to both
        loss.backward()
        return loss

    jitted = jit(fn)
    for _ in range(4):
        a.grad = b.grad = None
        jitted(np.arange(3.0))
        assert not np.shares_memory(a.grad, b.grad)
        np.testing.assert_array_equal(a.grad, np.arange(3.0))
        np.testing.assert_array_equal(b.grad, np.arange(3.0))


def test_a_tensor_argument_replays_and_is_keyed_apart_from_an_array():
    net, fn, jitted, runs = counted_step()
    x, y = batch()
    for _ in range(4):
        for t in net.values():
            t.grad = None
        loss = jitted(Tensor(x), y)
    assert len(runs) == 2
    for t in net.values():
        t.grad = None
    expected = fn(x, y).data
    np.testing.assert_array_equal(loss.data, expected)
    jitted(x, y)  # an array of the same shape: its own key, first called as written
    assert len(runs) == 3 and len(jitted.replays) == 2


def test_a_parameter_given_a_new_array_is_read_afresh():
    eager_net, jit_net = make_net(), make_net()
    _, eager_fn = two_layer_step(eager_net)
    _, fn = two_layer_step(jit_net)
    x, y = batch()
    jitted = replaying(fn, x, y)
    fresh = np.full((12, 8), 0.25, dtype=np.float32)
    jit_net["W1"].data, eager_net["W1"].data = fresh.copy(), fresh.copy()
    np.testing.assert_array_equal(jitted(x, y).data, eager_fn(x, y).data)


def test_a_parameter_of_a_new_shape_runs_the_function_as_written():
    net = make_net()
    _, fn = two_layer_step(net)
    x, y = batch()
    jitted = replaying(fn, x, y)
    net["W2"].data = np.zeros((8, 3), np.float32)
    net["b2"].data = np.zeros(3, np.float32)
    for t in net.values():
        t.grad = None
    y3 = y % 3
    loss, grad = jitted(x, y3).data, net["W2"].grad
    for t in net.values():
        t.grad = None
    np.testing.assert_array_equal(loss, fn(x, y3).data)  # the function as written
    assert grad.shape == (8, 3)
    np.testing.assert_array_equal(grad, net["W2"].grad)


def test_a_branch_on_a_value_is_checked_on_every_call():
    w = Tensor(np.array([1.0, -1.0]), requires_grad=True)

    def fn(x):
        out = (Tensor(x) * w).sum()
        if out.item() > 0:  # Python branches on the value
            out = out * 10.0
        out.backward()
        return out

    jitted = jit(fn)
    for x, expected in (([3.0, 1.0], 20.0), ([3.0, 1.0], 20.0), ([3.0, 1.0], 20.0),
                        ([1.0, 3.0], -2.0), ([2.0, 1.0], 10.0)):
        w.grad = None
        assert jitted(np.array(x)).item() == pytest.approx(expected)
        sign = 10.0 if expected > 0 else 1.0
        np.testing.assert_array_equal(w.grad, sign * np.array(x))


def test_a_value_that_changes_on_every_call_stops_the_replay_with_a_warning():
    w = Tensor(np.array([1.0]), requires_grad=True)

    def fn(x):
        out = (Tensor(x) * w).sum()
        print(out.item())  # logging reads the value: a guard, which fails on every call
        return out

    jitted = jit(fn, max_recordings=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in range(1, 8):  # as written, recorded, as written, recorded, ...
            assert jitted(np.array([float(value)])).item() == value
    with pytest.warns(RuntimeWarning, match="max_recordings=3"):
        assert jitted(np.array([8.0])).item() == 8.0
    assert jitted(np.array([9.0])).item() == 9.0


@pytest.mark.parametrize("case", ["state write", "parameter argument"])
def test_what_a_replay_could_not_reproduce_is_refused_while_recording(case):
    net = make_net()
    opt = optim.SGD(list(net.values()), lr=0.1, momentum=0.9)
    x, y = batch()

    def fn(x, y):
        h = Tensor(x) @ net["W1"]
        if case == "asarray":
            h = Tensor(np.asarray(h.data) * 2)
        if case == "retain_grad":
            h.retain_grad()
        loss = (h @ net["W2"]).softmax_cross_entropy(y)
        opt.zero_grad()
        loss.backward()
        if case == "optimizer step":
            opt.step()  # reads .grad, which is only added after the function returns
        if case == "state write":
            np.add(state, h.data.sum(), out=state)  # an array made outside the function
        return loss

    state = np.zeros(())
    messages = {"state write": "writes into an array the recording did not make",
                "parameter argument": "arguments are data"}
    jitted = jit(fn)
    with pytest.raises(JitError, match=messages[case]):
        for _ in range(2):
            jitted(net["W1"] if case == "parameter argument" else x, y)


def test_python_numbers_in_the_result_replay_as_the_constants_they_are():
    w = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    runs = deque()

    def fn(x):
        runs.append(1)
        loss = (Tensor(x) * w).sum()
        loss.backward()
        return 3.5, "done", None  # numbers the function computes from no array

    jitted = jit(fn)
    for call in range(4):
        w.grad = None
        assert jitted(np.array([1.0, 4.0 + call])) == (3.5, "done", None)
        np.testing.assert_array_equal(w.grad, [1.0, 4.0 + call])
    assert len(runs) == 2  # replayed from the third call


def test_a_number_read_from_an_array_is_returned_as_eager_returns_it():
    # loss.item() puts a check on the loss's value: a replay whose checks hold returns the
    # same number, any other call runs as written (so the number is always the call's own)
    w = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    jitted = jit(lambda x: (Tensor(x) * w).sum().item())
    for x in ([1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [3.0, 1.0], [1.0, 1.0]):
        assert jitted(np.array(x)) == 2.0 * x[0] - x[1]


def test_under_no_grad_a_separate_recording_is_made():
    w = Tensor(np.array([2.0]), requires_grad=True)
    jitted = jit(lambda x: Tensor(x) * w)
    for _ in range(3):
        assert jitted(np.array([3.0])).item() == 6.0
        with no_grad():
            assert jitted(np.array([4.0])).item() == 8.0
    assert len(jitted.replays) == 2


def test_a_reused_intermediate_is_not_overwritten():
    w = Tensor(np.array([1.5, -2.0, 0.5]), requires_grad=True)

    def fn(x):
        h = Tensor(x) * w
        a = h + 1.0  # h stays live: it is read again below
        b = h * 3.0
        out = (a * b + h).sum()
        out.backward()
        return out, a

    jitted = jit(fn)
    x = np.array([1.0, 2.0, 3.0])
    h = x * w.data
    for _ in range(4):
        w.grad = None
        out, a = jitted(x)
        np.testing.assert_array_equal(a.data, h + 1.0)
        assert out.item() == pytest.approx(((h + 1.0) * (h * 3.0) + h).sum())
        np.testing.assert_allclose(w.grad, x * (6 * h + 3 + 1))


# dropout's row seeds the generator inside the function: jit runs it as written (warning)
@pytest.mark.filterwarnings("ignore:jit.*manual_seed:RuntimeWarning")
@pytest.mark.parametrize("spec", TABLE, ids=lambda spec: spec.name)
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_every_op_replays_to_its_eager_forward_and_gradients(spec, data):
    case = data.draw(spec.case, label="case")
    leaves = [Tensor(a.astype(np.float64), requires_grad=True) for a in case.arrays]

    def fn(weights):
        out = spec.fn(*leaves, **case.params)
        (out * Tensor(weights)).sum().backward()
        return out

    jitted = jit(fn)
    shape = spec.fn(*leaves, **case.params).shape
    for call in range(4):
        weights = np.random.default_rng(call).normal(size=shape)
        for t in leaves:
            t.grad = None
        got = jitted(weights)
        got_grads = [t.grad for t in leaves]
        for t in leaves:
            t.grad = None
        expected = fn(weights)
        np.testing.assert_array_equal(got.data, expected.data, err_msg=spec.name)
        for g, t in zip(got_grads, leaves):
            np.testing.assert_array_equal(g, t.grad, err_msg=spec.name)


def test_docstring_example():
    module = importlib.import_module("tinygrad_np.jit")
    assert doctest.testmod(module).failed == 0


class InPlaceSGD(optim.Optimizer):
    """A user's optimizer on the public API: param_groups, state made on a parameter's first
    step, updates in place without temporaries."""

    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "scratch" not in state:
                    state["scratch"] = np.zeros_like(p.data)
                np.multiply(p.grad, group["lr"], out=state["scratch"])
                p.data -= state["scratch"]


def whole_step(opt_factory, dtype="float64", sizes=(200, 100, 10)):
    rng = np.random.default_rng(0)
    n_in, hidden, n_out = sizes
    ps = [Tensor(rng.normal(0, 0.1, s).astype(dtype), requires_grad=True)
          for s in ((n_in, hidden), (hidden,), (hidden, n_out), (n_out,))]
    w1, b1, w2, b2 = ps
    opt = opt_factory(ps)

    def step(x, y):
        opt.zero_grad()
        loss = (relu(Tensor(x) @ w1 + b1) @ w2 + b2).softmax_cross_entropy(y) \
            + 1e-4 * (w1.l2() + w2.l2())
        loss.backward()
        opt.step()
        return loss

    return step, ps, opt


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "sgd momentum weight decay": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9,
                                                      weight_decay=1e-3),
    "sgd nesterov": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True,
                                         weight_decay=1e-2),
    "adam": lambda ps: optim.Adam(ps, lr=1e-2, weight_decay=1e-3),
    "in-place sgd": lambda ps: InPlaceSGD(ps, 0.1),
    "adamw amsgrad": lambda ps: optim.AdamW(ps, lr=1e-2, amsgrad=True),
    "rmsprop centered": lambda ps: optim.RMSprop(ps, lr=1e-2, momentum=0.5, centered=True),
    "adagrad": lambda ps: optim.Adagrad(ps, lr=0.1, weight_decay=1e-3),
    "adamax": lambda ps: optim.Adamax(ps, lr=1e-2, weight_decay=1e-3),
    "adadelta": lambda ps: optim.Adadelta(ps, weight_decay=1e-3),
    "nadam": lambda ps: optim.NAdam(ps, lr=1e-2, weight_decay=1e-3),
    "radam decoupled": lambda ps: optim.RAdam(ps, lr=1e-2, betas=(0.8, 0.95), weight_decay=1e-2,
                                              decoupled_weight_decay=True),
    "two groups": lambda ps: optim.SGD([{"params": ps[:2], "lr": 0.05},
                                        {"params": ps[2:], "momentum": 0.9}], lr=0.1),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows", [6, 60])  # 60 rows of 5 classes: softmax's column-wise max
def test_the_whole_step_replays_bit_for_bit_with_optimizer_state(name, dtype, rows):
    eager, eager_ps, _ = whole_step(OPTIMIZERS[name], dtype, (12, 8, 5))
    step, jit_ps, _ = whole_step(OPTIMIZERS[name], dtype, (12, 8, 5))
    body, runs = counting(step)
    jitted = jit(body)
    for call in range(25):
        x, y = batch(rows, dtype=dtype, seed=call)
        expected = eager(x, y).data
        np.testing.assert_array_equal(jitted(x, y).data, expected)
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)
            np.testing.assert_array_equal(p.grad, q.grad)
    assert len(runs) == 2  # one replay for all of it: zero_grad, backward and step inside


def test_schedules_and_group_hyperparameters_set_between_calls_take_effect():
    worlds = []
    for _ in range(2):
        step, ps, opt = whole_step(OPTIMIZERS["two groups"], sizes=(12, 8, 5))
        schedule = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        worlds.append((step, ps, opt, schedule))
    jitted = jit(worlds[1][0])
    for call in range(12):
        x, y = batch(dtype="float64", seed=call)
        results = []
        for fn, (_, _, opt, schedule) in zip((worlds[0][0], jitted), worlds):
            if call == 7:
                opt.param_groups[1]["momentum"] = 0.5
            results.append(fn(x, y).data)
            schedule.step()
        np.testing.assert_array_equal(results[0], results[1])
        for p, q in zip(worlds[0][1], worlds[1][1]):
            np.testing.assert_array_equal(p.data, q.data)
    assert jitted.recordings == 1


def test_a_replay_reuses_its_buffers_and_allocates_no_arrays():
    import tracemalloc

    step, ps, _ = whole_step(OPTIMIZERS["in-place sgd"])
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(64, 200)), rng.integers(0, 10, 64)

    def peak_extra(fn):
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(5):
                fn(x, y)
            return tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()

    jitted = jit(step)
    for _ in range(4):
        step(x, y), jitted(x, y)
    grads = [p.grad for p in ps]
    del grads  # nothing outside holds last call's gradients: their buffers come back
    first = [id(p.grad) for p in ps]
    jitted(x, y)
    assert [id(p.grad) for p in ps] == first
    # every (64, 100) intermediate, gradient and weight-sized array lives in a planned
    # buffer; what remains is numpy's own iterator buffer for broadcasting (`+ b1`, at most
    # 8192 elements) and scalars
    assert peak_extra(step) > 400_000
    assert peak_extra(jitted) <= 8192 * 8 + 4096


def test_a_replayed_sgd_step_updates_big_weights_through_the_adopted_scratch():
    """Eager, plain SGD updates a big weight through a recycled array; recorded and
    replayed, through its scratch array, which the replay's plan adopts. The thread is
    marked as replaying only while a replay runs, and the weights match the eager step's
    bit for bit."""
    from tinygrad_np.grad_mode import config

    marks = []

    class Spy(optim.SGD):
        def step(self):
            marks.append(config.replaying)
            super().step()

    eager, eager_ps, _ = whole_step(lambda ps: optim.SGD(ps, lr=0.1), "float32", (784, 100, 10))
    step, ps, opt = whole_step(lambda ps: Spy(ps, lr=0.1), "float32", (784, 100, 10))
    jitted = jit(step)
    for call in range(5):
        rng = np.random.default_rng(call)
        x, y = rng.random((32, 784), dtype=np.float32), rng.integers(0, 10, 32)
        eager(x, y)
        jitted(x, y)
        assert not config.replaying
    assert marks == [False, False, True, True, True]
    assert any(a.shape == (784, 100) for a in opt.scratch_arrays())
    for p, q in zip(ps, eager_ps):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_gradient_the_caller_keeps_is_never_written_by_a_later_replay():
    step, ps, _ = whole_step(OPTIMIZERS["in-place sgd"], sizes=(12, 8, 5))
    jitted = jit(step)
    x, y = batch(dtype="float64")
    for _ in range(3):
        jitted(x, y)
    kept = ps[0].grad
    snapshot = kept.copy()
    for _ in range(3):
        jitted(x, y)
        assert ps[0].grad is not kept
    np.testing.assert_array_equal(kept, snapshot)


def test_a_module_called_on_raw_arrays_trains_the_same_under_jit():
    from tinygrad_np import nn

    worlds = []
    for _ in range(2):
        model = nn.Sequential(nn.Linear(12, 8, rng=0), nn.ReLU(), nn.Linear(8, 5, rng=1))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def train_step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = model(x).softmax_cross_entropy(y)  # x: an ndarray, as a DataLoader yields
            loss.backward()
            opt.step()
            return loss
        worlds.append((train_step, model))
    (eager, eager_model), (step, jit_model) = worlds
    jitted = jit(step)
    for call in range(10):
        x, y = batch(seed=call)
        np.testing.assert_array_equal(jitted(x, y).data, eager(x, y).data)
    for p, q in zip(jit_model.parameters(), eager_model.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    assert jitted.recordings == 1


def test_the_decay_term_lives_in_the_optimizers_scratch_and_the_step_stays_exact():
    # The weight-decay term (1e-4 * w1, dead once added to the gradient) is planned into
    # the array SGD's step() then writes lr * grad into: one weight-sized buffer fewer, and
    # the update's write finds memory still in cache. The arithmetic is unchanged.
    eager, eager_ps, _ = whole_step(OPTIMIZERS["sgd"], "float32")
    step, ps, opt = whole_step(OPTIMIZERS["sgd"], "float32")
    jitted = jit(step)
    for call in range(6):
        rng = np.random.default_rng(call)
        x, y = rng.normal(size=(16, 200)).astype(np.float32), rng.integers(0, 10, 16)
        np.testing.assert_array_equal(jitted(x, y).data, eager(x, y).data)
        for p, q in zip(ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)
    replay = next(e for e in jitted.replays.values() if callable(e))
    scratch = {id(a) for a in opt.scratch_arrays()}
    adopted = [b for b in replay.buffers if id(b) in scratch]
    # both weights' decay terms; a bias-sized buffer dead at the step may take a bias's
    # scratch too, depending on how the plan happened to share buffers in this process
    assert {(200, 100), (100, 10)} <= {b.shape for b in adopted}


class _Windows(Function):
    """Sums of three neighbours along axis 1 (zero padded), plus 2x: its forward and backward
    work through views of arrays they make (zeros_like, empty_like): slices written into, a
    sliding_window_view, a transpose, and a reshape that has to copy."""

    @staticmethod
    def forward(ctx, x):
        from numpy.lib.stride_tricks import sliding_window_view
        n, m = x.shape
        padded = np.zeros_like(x, shape=(n, m + 2))
        padded[:, 1:-1] = x
        out = sliding_window_view(padded, 3, axis=1).sum(axis=-1)
        doubled = np.empty_like(x, shape=(m, n))
        doubled.T[...] = x * 2
        flat = doubled.T.reshape(-1)  # not a view: a transposed array flattens by copying
        flat[...] = -1.0  # so this write must leave `doubled` alone
        out += doubled.T
        return out

    @staticmethod
    def backward(ctx, grad):
        n, m = grad.shape
        spread = np.zeros_like(grad, shape=(n, m + 2))
        for k in range(3):
            part = spread[:, k:k + m]
            part += grad
        return spread[:, 1:-1] + 2 * grad


def test_views_of_the_replays_own_arrays_are_made_once_and_replay_exactly():
    """A view of an array the replay owns, with constant arguments, is the same array on
    every call: the replay makes it once instead of running numpy's Python for it each time
    (sliding_window_view's, here). Results, gradients and results kept by the caller stay
    exactly the eager ones."""
    import sys

    def step(x):
        t = Tensor(x, requires_grad=True)
        out = _Windows.apply(t) * 3.0
        (out * out).sum().backward()
        return out, t.grad

    jitted = jit(step)
    rng = np.random.default_rng(5)
    batches = [rng.normal(size=(4, 7)) for _ in range(6)]
    kept = []
    for x in batches:
        out, grad = jitted(x)
        expected_out, expected_grad = step(x)
        np.testing.assert_array_equal(out.data, expected_out.data)
        np.testing.assert_array_equal(grad, expected_grad)
        kept.append((out.data, out.data.copy()))
    for data, snapshot in kept:  # no later replay wrote into a result handed out before
        np.testing.assert_array_equal(data, snapshot)

    called: list[str] = []

    def watch(frame, event, arg):
        if event == "call":
            called.append(frame.f_code.co_name)

    for fn in (step, jitted):
        called.clear()
        sys.setprofile(watch)
        try:
            fn(batches[0])
        finally:
            sys.setprofile(None)
        assert ("sliding_window_view" in called) == (fn is step)
