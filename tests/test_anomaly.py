"""tinygrad_np.anomaly: detect_anomaly() names the op, the numbers and the user's own line.

Every message test checks the content a user needs: the op's name, the shapes and statistics,
and the file:line of the test's own code that called the op (taken from this file's frame, so
the check fails if the site points into tinygrad_np or at the wrong line).
"""
from __future__ import annotations

import sys
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import TABLE

import tinygrad_np as tg
from tinygrad_np import (AnomalyError, Function, JitError, Tensor, detect_anomaly,
                         is_anomaly_enabled, jit, no_grad, optim)
from tinygrad_np.nn import Linear

HERE = __file__


def site(line: int) -> str:
    return f"{HERE}:{line}"


def next_line() -> int:
    """The line number of the caller's next line."""
    return sys._getframe(1).f_lineno + 1


@pytest.fixture(autouse=True)
def quiet_numpy():
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# -- forward ------------------------------------------------------------------------------------
def test_forward_nan_names_the_op_the_inputs_and_the_calling_line():
    x = Tensor([4.0, -1.0, 9.0], requires_grad=True, name="x")
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        x.sqrt()
    err = info.value
    message = str(err)
    assert isinstance(err, FloatingPointError)
    assert message.startswith("Sqrt: the output holds NaN (1 of 3 elements)")
    assert site(line) in message
    assert "x.sqrt()" in message  # the source line itself
    assert "input 0 ('x'): shape (3,) float32, min -1, max 9, 0 NaN, 0 inf" in message
    assert err.kind == "forward" and type(err.node).__name__ == "Sqrt"
    assert err.site.filename == HERE and err.site.lineno == line


def test_forward_nan_reports_every_inputs_statistics():
    a = Tensor(np.array([[1.0, np.inf], [2.0, 3.0]]))
    b = Tensor(np.array([np.nan, 0.0]), name="b")
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        a * b
    message = str(info.value)
    assert message.startswith("Mul: the output holds NaN")
    assert "input 0: shape (2, 2) float64, min 1, max 3, 0 NaN, 1 inf" in message
    assert "input 1 ('b'): shape (2,) float64, min 0, max 0, 1 NaN, 0 inf" in message
    assert site(line) in message


def test_forward_nan_is_caught_without_any_gradient_and_under_no_grad():
    x = Tensor([0.0])
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="Div"):
            x / x
        with no_grad(), pytest.raises(AnomalyError, match="Log"):
            Tensor([-1.0]).log()


def test_forward_site_is_the_users_line_not_the_modules():
    layer = Linear(2, 2, rng=0)
    x = np.array([[np.nan, 1.0]], dtype=np.float32)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = next_line()
        layer(x)
    assert site(line) in str(info.value)  # not tinygrad_np/nn/layers.py
    assert "tinygrad_np" + "/nn" not in str(info.value).split("called at")[1].splitlines()[0]


def test_inf_in_the_forward_is_not_an_anomaly():
    with detect_anomaly():
        y = Tensor([0.0, 1.0]).log()
    assert np.isneginf(y.data[0])


def test_outside_anomaly_mode_nan_passes_silently():
    assert np.isnan(Tensor([-1.0]).sqrt().data).all()


# -- backward -----------------------------------------------------------------------------------
def test_backward_inf_names_op_input_forward_line_and_incoming_gradient():
    x = Tensor([0.0, 4.0], requires_grad=True, name="x")
    with detect_anomaly():
        line = next_line()
        y = x.sqrt()
        loss = (y * 3.0).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    err = info.value
    message = str(err)
    assert message.startswith("Sqrt.backward returned NaN/inf in the gradient of input 0 ('x')")
    assert "shape (2,) float32, min 0.75, max 0.75, 0 NaN, 1 inf" in message
    assert f"Sqrt was called in the forward pass at {site(line)}" in message
    assert "incoming gradient (of Sqrt's output): shape (2,) float32, min 3, max 3, " \
           "0 NaN, 0 inf" in message
    assert err.kind == "backward" and err.tensor is loss


class HalfBroken(Function):
    """y = a * b whose backward gives NaN for b: which input's gradient must be named."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * np.nan


def test_backward_nan_names_which_inputs_gradient():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = Tensor([3.0, 4.0], requires_grad=True, name="b")
    with detect_anomaly():
        line = next_line()
        y = HalfBroken.apply(a, b)
        with pytest.raises(AnomalyError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "HalfBroken.backward returned NaN/inf in the gradient of input 1 ('b'): " \
           "shape (2,) float32, no finite element, 2 NaN, 0 inf" in message
    assert site(line) in message


def test_backward_anomaly_without_a_recorded_forward_says_so():
    x = Tensor([0.0], requires_grad=True)
    y = x.sqrt()  # outside anomaly mode: no call site recorded
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    assert "not recorded: the forward pass ran outside detect_anomaly()" in str(info.value)


def test_a_large_finite_gradient_whose_sum_overflows_is_not_an_anomaly():
    x = Tensor(np.full(4, 3e38, dtype=np.float32), requires_grad=True)
    with detect_anomaly():
        (x * 1.0).backward(np.ones(4, dtype=np.float32))
    np.testing.assert_array_equal(x.grad, np.ones(4, dtype=np.float32))


# -- in-place changes ---------------------------------------------------------------------------
def test_input_changed_in_place_before_backward_names_the_op_and_input():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    x = Tensor([3.0, 4.0], name="x")
    with detect_anomaly():
        line = next_line()
        loss = (w * x).sum()
        x.data += 1.0  # the gradient of w would silently use the new x
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    err = info.value
    message = str(err)
    assert message.startswith("Mul: input 1 ('x') of the op (kept as saved_tensors[1]) was "
                              "changed in place")
    assert site(line) in message
    assert err.kind == "inplace" and w.grad is None


def test_labels_changed_in_place_are_found_in_the_ops_own_slots():
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    labels = np.array([0, 2])
    with detect_anomaly():
        loss = logits.softmax_cross_entropy(labels)
        labels[0] = 1
        with pytest.raises(AnomalyError, match=r"SoftmaxCrossEntropy: the argument labels= "
                                               r"of the op \(kept as ctx\.\w+\) was changed"):
            loss.backward()


def test_an_optimizer_step_between_two_backwards_of_one_graph_is_caught():
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    with detect_anomaly():
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        opt.step()
        with pytest.raises(AnomalyError, match="Mul: input 0 of the op"):
            loss.backward()


def test_anomaly_mode_changes_no_result_of_a_training_step():
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 5)).astype(np.float32), rng.integers(0, 3, 8)

    def step() -> list[np.ndarray]:
        tg.manual_seed(0)
        model = tg.nn.Sequential(Linear(5, 4, rng=1), tg.nn.ReLU(), Linear(4, 3, rng=2))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            loss = model(x).softmax_cross_entropy(y) + 1e-3 * model[0].weight.l2()
            loss.backward()
            opt.step()
        return [p.data.copy() for p in model.parameters()]

    plain = step()
    with detect_anomaly():
        checked = step()
    for a, b in zip(plain, checked):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("spec", TABLE, ids=repr)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_every_op_passes_anomaly_mode_on_finite_inputs_with_the_same_gradients(spec, data):
    """No false alarm on any op of the table (their domains are finite and smooth), and the
    checks change neither the values nor the gradients."""
    case = data.draw(spec.case)

    def run() -> tuple[np.ndarray, list[np.ndarray]]:
        tensors = [Tensor(a.astype(np.float64), requires_grad=True) for a in case.arrays]
        out = spec.fn(*tensors, **case.params)
        out.backward(np.ones_like(out.data))
        return out.data, [t.grad for t in tensors]

    value, grads = run()
    with detect_anomaly():
        checked_value, checked_grads = run()
    np.testing.assert_array_equal(value, checked_value)
    for g, h in zip(grads, checked_grads):
        if g is None:
            assert h is None
        else:
            np.testing.assert_array_equal(g, h)


# -- the switch: decorator, nesting, threads, cost ------------------------------------------------
def test_decorator_forms_and_nesting_restore_the_mode():
    @detect_anomaly()
    def with_parentheses() -> bool:
        return is_anomaly_enabled()

    @detect_anomaly
    def bare() -> Tensor:
        return Tensor([-1.0]).log()

    assert not is_anomaly_enabled()
    assert with_parentheses() is True
    with pytest.raises(AnomalyError, match="Log"):
        bare()
    assert not is_anomaly_enabled()
    block = detect_anomaly()
    with block:
        with block:  # one instance nested in itself
            assert is_anomaly_enabled()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_set_detect_anomaly_switches_now_and_restores_as_a_context_manager():
    plain = Function.__dict__["apply"]
    tg.set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with pytest.raises(AnomalyError):
            Tensor([-1.0]).log()
        with tg.set_detect_anomaly(False):
            assert not is_anomaly_enabled()
            Tensor([-1.0]).log()  # unchecked
        assert is_anomaly_enabled()
    finally:
        tg.set_detect_anomaly(False)
    assert not is_anomaly_enabled() and Function.__dict__["apply"] is plain


def test_an_error_inside_the_block_restores_the_plain_apply():
    plain = Function.__dict__["apply"]
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            assert Function.__dict__["apply"] is not plain  # the checking path, only now
            Tensor([-1.0]).sqrt()
    assert Function.__dict__["apply"] is plain  # outside: exactly the plain hot path
    assert not is_anomaly_enabled()


def test_decorated_generator_checks_only_its_own_code():
    @detect_anomaly()
    def gen():
        yield is_anomaly_enabled()
        yield is_anomaly_enabled()

    seen = []
    for inside in gen():
        seen.append((inside, is_anomaly_enabled()))
    assert seen == [(True, False), (True, False)]


def test_anomaly_mode_in_one_thread_does_not_reach_another():
    entered, checked = threading.Event(), threading.Event()
    other: dict[str, object] = {}

    def worker() -> None:
        entered.wait(5)
        try:
            other["enabled"] = is_anomaly_enabled()
            other["value"] = Tensor([-1.0]).sqrt().data  # NaN, silently, as outside the mode
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            other["error"] = err
        checked.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with detect_anomaly():
        entered.set()
        checked.wait(5)
        with pytest.raises(AnomalyError):  # still on here
            Tensor([-1.0]).sqrt()
    thread.join(5)
    assert "error" not in other, other.get("error")
    assert other["enabled"] is False and np.isnan(other["value"]).all()


def test_two_threads_in_anomaly_mode_leave_the_plain_apply_when_both_are_done():
    plain = Function.__dict__["apply"]
    inside, release = threading.Barrier(2), threading.Event()

    def worker() -> None:
        with detect_anomaly():
            inside.wait(5)
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    with detect_anomaly():
        inside.wait(5)
    assert Function.__dict__["apply"] is not plain  # the other thread is still inside
    release.set()
    thread.join(5)
    assert Function.__dict__["apply"] is plain


# -- viz and jit --------------------------------------------------------------------------------
def test_error_draws_the_graph_with_the_failing_op_highlighted(tmp_path):
    w = Tensor([1.0, 0.0], requires_grad=True, name="w")
    with detect_anomaly():
        h = (w * 2.0).relu()
        loss = h.sqrt().sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    text = info.value.dot_source()
    marked = [line for line in text.splitlines() if "anomaly here" in line]
    assert len(marked) == 1 and 'label="Sqrt' in marked[0] and "#990000" in marked[0]
    path = info.value.draw(tmp_path / "anomaly.dot")
    assert path.read_text() == text


def test_around_draws_only_the_neighbourhood_of_the_failing_op():
    w = Tensor([1.0, 0.0], requires_grad=True, name="w")
    with detect_anomaly():
        h = w
        for _ in range(10):
            h = h * 1.0
        loss = (h.sqrt() * 2.0).exp().sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    whole = info.value.dot_source()
    near = info.value.dot_source(around=2)
    assert "Exp" in whole and "Exp" not in near  # after the failing op: not drawn
    assert near.count('label="Mul') == 1  # Sqrt, then one Mul before it; the rest hidden
    assert "more nodes" in near
    assert [line for line in near.splitlines() if "anomaly here" in line][0].count("Sqrt") == 1


def test_forward_error_without_a_graph_still_draws_the_op_and_its_inputs():
    a = Tensor([0.0], name="a")
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        a / a
    text = info.value.dot_source()
    assert text.count('label="a\\n') == 1
    assert [line for line in text.splitlines() if "anomaly here" in line][0].count("Div") == 1


def test_jit_refuses_to_record_in_anomaly_mode():
    w = Tensor([1.0, 2.0], requires_grad=True)

    @jit
    def step(x):
        (w * x).sum().backward()

    x = np.ones(2, dtype=np.float32)
    with detect_anomaly():
        step(x)  # the first call runs as written: checked
        with pytest.raises(JitError, match="detect_anomaly"):
            step(x)  # the second would record: refused rather than replayed unchecked


class TensorGrads(Function):
    """A backward that returns Tensors, as a differentiable (create_graph) backward does."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return Tensor(np.ones(2)), Tensor(np.array([1.0, np.inf]))


def test_checked_backward_takes_tensor_gradients_too():
    """What a create_graph walk would hand it: Tensors in, Tensors out, checked all the same."""
    from tinygrad_np.anomaly import check_gradients, checked_backward

    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = TensorGrads.apply(a, b)
        with pytest.raises(AnomalyError, match=r"gradient of input 1: shape \(2,\) float64, "
                                               r"min 1, max 1, 0 NaN, 1 inf"):
            checked_backward(y.grad_fn, Tensor([1.0, 1.0]), y)
        with pytest.raises(AnomalyError, match="TensorGrads.backward returned NaN/inf"):
            check_gradients(y.grad_fn, Tensor([1.0, 1.0]),
                            (Tensor([1.0, 1.0]), Tensor([np.nan, 1.0])), y)
        check_gradients(y.grad_fn, Tensor([1.0, 1.0]), (Tensor([1.0, 1.0]), None), y)
