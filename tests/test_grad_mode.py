"""grad_mode.py: no_grad / enable_grad as context managers and decorators."""
from __future__ import annotations

import threading
import weakref

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Function, Tensor, enable_grad, is_grad_enabled, no_grad


@pytest.fixture
def w():
    return Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)


def test_grad_is_enabled_by_default():
    assert is_grad_enabled() is True


def test_no_grad_records_no_graph(w):
    with no_grad():
        assert is_grad_enabled() is False
        outs = [w * 2, w + w, w.exp(), w.relu(), (w @ w), w.sum(), w[0], w.reshape(3, 1),
                w.softmax(), w.reshape(1, 3).softmax_cross_entropy([1]), w.l2()]
    assert is_grad_enabled() is True
    for out in outs:
        assert out.grad_fn is None and out.requires_grad is False
    np.testing.assert_array_equal(outs[0].data, [2.0, -4.0, 6.0])  # values are computed
    with pytest.raises(RuntimeError):
        outs[-1].backward()


def test_no_grad_keeps_no_saved_arrays_alive(w):
    """Under no_grad nothing is kept for backward: the result holds no node, so an array the
    forward saved is gone as soon as the call returns."""
    saved = []

    class SaveSomething(Function):
        @staticmethod
        def forward(ctx, x):
            extra = x * 10
            saved.append(weakref.ref(extra))
            ctx.save_for_backward(extra)
            return x + 1

        @staticmethod
        def backward(ctx, grad):
            return grad

    with no_grad():
        out = SaveSomething.apply(w)
    assert out.grad_fn is None
    assert saved[0]() is None
    out2 = SaveSomething.apply(w)  # with grad on, the node keeps it until backward
    assert saved[1]() is not None
    out2.sum().backward()
    assert saved[1]() is None


def test_no_grad_restores_the_previous_mode_after_an_exception(w):
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError("inside the block")
    assert is_grad_enabled() is True
    assert (w * 2).grad_fn is not None


def test_no_grad_as_a_decorator(w):
    @no_grad()
    def predict(t):
        assert is_grad_enabled() is False
        return t * 3

    out = predict(w)
    assert out.grad_fn is None and not out.requires_grad
    assert is_grad_enabled() is True
    assert predict.__name__ == "predict"

    @no_grad()
    def fails():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert is_grad_enabled() is True


def test_enable_grad_inside_no_grad(w):
    with no_grad():
        with enable_grad():
            assert is_grad_enabled() is True
            inner = w * 2
        assert is_grad_enabled() is False
        outer = w * 2
    assert inner.grad_fn is not None and outer.grad_fn is None
    inner.sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 2.0, 2.0])


def test_enable_grad_as_a_decorator_and_nesting(w):
    @enable_grad()
    def train_step(t):
        return (t * t).sum()

    with no_grad():
        loss = train_step(w)
        assert is_grad_enabled() is False
        with no_grad():
            assert is_grad_enabled() is False
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * w.data)


def test_tensors_made_under_no_grad_can_still_require_grad():
    with no_grad():
        t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert t.requires_grad
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])


# -- one instance, several entries (issue 12) ---------------------------------------------------
def test_one_instance_nested_in_itself_restores_each_entrys_mode():
    again = enable_grad()
    with no_grad():
        with again:  # found False
            with again:  # found True
                assert is_grad_enabled() is True
            assert is_grad_enabled() is True
        assert is_grad_enabled() is False  # was True when the entry's mode sat on the instance
    assert is_grad_enabled() is True


# -- generators (issue 12) -------------------------------------------------------------------------
def test_no_grad_on_a_generator_applies_while_it_runs_and_not_between_yields(w):
    seen = []

    @no_grad()
    def predictions(batches):
        for x in batches:
            seen.append(is_grad_enabled())
            yield w * x

    for out in predictions([1.0, 2.0, 3.0]):
        assert out.grad_fn is None and not out.requires_grad
        assert is_grad_enabled() is True  # the caller's mode between yields
        assert (w * 2).grad_fn is not None
    assert seen == [False, False, False]
    assert predictions.__name__ == "predictions"


def test_enable_grad_on_a_generator_inside_no_grad(w):
    @enable_grad()
    def steps():
        yield (w * w).sum()

    with no_grad():
        loss, = list(steps())
        assert is_grad_enabled() is False
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * w.data)


def test_a_decorated_generator_sends_throws_closes_and_returns_in_its_mode():
    modes = []

    @no_grad()
    def echo():
        try:
            received = yield "ready"
            modes.append(("send", is_grad_enabled(), received))
            try:
                yield "waiting"
            except KeyError:
                modes.append(("throw", is_grad_enabled()))
                yield "caught"
            return "done"
        finally:
            modes.append(("finally", is_grad_enabled()))

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send(41) == "waiting" and is_grad_enabled() is True
    assert gen.throw(KeyError("k")) == "caught" and is_grad_enabled() is True
    gen.close()
    assert is_grad_enabled() is True
    assert modes == [("send", False, 41), ("throw", False), ("finally", False)]

    @no_grad()
    def inner():
        yield 1
        return "value"

    def outer():
        result = yield from inner()
        modes.append(result)

    assert list(outer()) == [1] and modes[-1] == "value"


# -- threads (issue 12) ----------------------------------------------------------------------------
def _run_threads(*targets):
    """Run each target in its own thread; re-raise the first failure in the test's thread."""
    errors = []

    def guarded(target):
        try:
            target()
        except BaseException as err:  # noqa: BLE001 - handed to the test's thread
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def test_overlapping_no_grad_in_two_threads_leaves_both_recording_afterwards():
    """Thread A enters, B enters, A leaves, B leaves. With one process-wide flag B's exit
    restored the False it found, so recording stayed off for good."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after = {}

    def a():
        with no_grad():
            a_in.set()
            assert b_in.wait(10)
        after["a"] = is_grad_enabled()
        a_out.set()

    def b():
        assert a_in.wait(10)
        with no_grad():
            b_in.set()
            assert a_out.wait(10)
        after["b"] = is_grad_enabled()

    _run_threads(a, b)
    assert after == {"a": True, "b": True}
    assert is_grad_enabled() is True


def test_a_training_step_overlapping_another_threads_no_grad_gets_every_gradient():
    w1 = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    w2 = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    inside, stepped = threading.Event(), threading.Event()

    def evaluator():
        with no_grad():
            inside.set()
            assert stepped.wait(10)
            assert (w1 * 2).grad_fn is None

    def trainer():
        assert inside.wait(10)
        h = (Tensor(np.array([[1.0, 1.0]])) @ w1).relu()
        loss = (h * w2).sum()
        loss.backward()
        stepped.set()

    _run_threads(evaluator, trainer)
    np.testing.assert_array_equal(w1.grad, [[0.5, -1.0], [0.5, -1.0]])
    np.testing.assert_array_equal(w2.grad, [4.0, 6.0])


def test_one_no_grad_instance_entered_by_two_threads_restores_each_threads_mode():
    """Thread A (inside no_grad) enters a shared enable_grad, then B (recording) enters the
    same instance. With the mode to restore stored on the instance, A's exit restored B's True."""
    shared = enable_grad()
    a_in, b_in = threading.Event(), threading.Event()
    after = {}

    def a():
        with no_grad():
            with shared:
                a_in.set()
                assert b_in.wait(10)
            after["a"] = is_grad_enabled()

    def b():
        assert a_in.wait(10)
        with shared:
            b_in.set()
        after["b"] = is_grad_enabled()

    _run_threads(a, b)
    assert after == {"a": False, "b": True}


def test_no_grad_and_enable_grad_as_decorators_without_parentheses(w):
    @no_grad
    def predict(t):
        return t * 3

    @enable_grad
    def steps():
        yield (w * w).sum()

    assert predict(w).grad_fn is None and predict.__name__ == "predict"
    with no_grad():
        loss, = steps()
    assert loss.grad_fn is not None


def test_set_grad_enabled_switches_at_once_or_inside_a_block():
    w = Tensor([1.0], requires_grad=True)
    tg.set_grad_enabled(False)
    try:
        assert not (w * 2).requires_grad and not tg.is_grad_enabled()
    finally:
        tg.set_grad_enabled(True)
    assert (w * 2).requires_grad
    with tg.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert tg.is_grad_enabled()
    with tg.no_grad():
        with tg.set_grad_enabled(True):
            assert (w * 2).requires_grad
        assert not tg.is_grad_enabled()  # back to the no_grad it was in

    @tg.set_grad_enabled(False)
    def off():
        return tg.is_grad_enabled()
    assert off() is False and tg.is_grad_enabled()
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be True or False"):
        tg.set_grad_enabled(0)


def test_inference_mode_is_no_grad_and_false_records():
    w = Tensor([1.0], requires_grad=True)
    with tg.inference_mode():
        assert not (w * 2).requires_grad

    @tg.inference_mode
    def bare():
        return tg.is_grad_enabled()

    @tg.inference_mode()
    def called():
        return tg.is_grad_enabled()
    assert bare() is False and called() is False and tg.is_grad_enabled()
    with tg.inference_mode(False):
        assert tg.is_grad_enabled()
    with tg.no_grad(), tg.inference_mode(False):
        assert tg.is_grad_enabled()  # PyTorch's: inference_mode(False) turns grad mode on


@pytest.mark.parametrize("make", [lambda: tg.set_grad_enabled(False), lambda: tg.inference_mode(),
                                  lambda: tg.no_grad()])
def test_every_mode_decorates_generator_functions(make):
    seen = []

    @make()
    def steps():
        seen.append(tg.is_grad_enabled())
        yield 1
        seen.append(tg.is_grad_enabled())
        yield 2

    assert list(steps()) == [1, 2]
    assert seen == [False, False] and tg.is_grad_enabled()


def test_inference_mode_false_records_again_even_inside_no_grad():
    # PyTorch 2.13: is_grad_enabled() is True in inference_mode(False), inside no_grad too
    with tg.no_grad():
        with tg.inference_mode(False):
            assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()
        assert not tg.is_grad_enabled()
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled()
        with tg.inference_mode(False):
            assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()
        assert tg.is_inference_mode_enabled()
    assert not tg.is_inference_mode_enabled()
