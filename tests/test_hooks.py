"""tinygrad_np.hooks: Tensor.register_hook and Module.register_forward(_pre)_hook.

Expected gradients are worked out by hand in each test (or against the same graph without
hooks), so each check can fail.
"""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import JitError, RemovableHandle, Tensor, jit
from tinygrad_np.hooks import run_tensor_hooks
from tinygrad_np.nn import Linear, ReLU, Sequential


# -- tensor hooks: leaves -----------------------------------------------------------------------
def test_leaf_hook_sees_the_complete_gradient_as_a_tensor_before_grad_is_written():
    w = Tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(grad):
        seen.append((type(grad), grad.data.copy(), w.grad))
    w.register_hook(hook)
    # w is used on three paths: the hook runs once, on the sum of all three shares
    loss = (w * w).sum() + (3.0 * w).sum()
    loss.backward()
    assert len(seen) == 1
    kind, value, grad_at_call = seen[0]
    assert kind is Tensor
    np.testing.assert_array_equal(value, [5.0, 7.0])  # 2w + 3
    assert grad_at_call is None  # before accumulation into .grad (as PyTorch)
    np.testing.assert_array_equal(w.grad, [5.0, 7.0])


def test_leaf_hook_replacement_is_what_accumulates():
    w = Tensor([1.0, -3.0], requires_grad=True)
    w.register_hook(lambda g: g * 10.0)
    (w * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [20.0, 20.0])
    (w * 1.0).sum().backward()  # accumulates the replaced gradient again
    np.testing.assert_array_equal(w.grad, [30.0, 30.0])
    assert w.grad.dtype == np.float32


def test_hooks_run_in_registration_order_each_seeing_the_previous_result():
    w = Tensor([1.0], requires_grad=True)
    order = []
    w.register_hook(lambda g: order.append(("first", float(g.data[0]))) or g + 1.0)
    w.register_hook(lambda g: order.append(("second", float(g.data[0]))))  # None: keep
    w.register_hook(lambda g: order.append(("third", float(g.data[0]))) or g * 2.0)
    (w * 3.0).sum().backward()
    assert order == [("first", 3.0), ("second", 4.0), ("third", 4.0)]
    np.testing.assert_array_equal(w.grad, [8.0])


def test_remove_unregisters_and_twice_is_harmless():
    w = Tensor([1.0], requires_grad=True)
    calls = []
    handle = w.register_hook(lambda g: calls.append(1))
    assert isinstance(handle, RemovableHandle)
    (w * 1.0).sum().backward()
    handle.remove()
    handle.remove()
    (w * 1.0).sum().backward()
    assert calls == [1]
    with w.register_hook(lambda g: g * 0.0):  # a handle is also a context manager
        w.grad = None
        (w * 1.0).sum().backward()
        np.testing.assert_array_equal(w.grad, [0.0])
    w.grad = None
    (w * 1.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0])


def test_a_hook_that_removes_itself_while_running():
    w = Tensor([1.0], requires_grad=True)
    calls = []
    handles = []

    def once(grad):
        calls.append(1)
        handles[0].remove()
    handles.append(w.register_hook(once))
    for _ in range(2):
        (w * 1.0).sum().backward()
    assert calls == [1]


def test_hook_on_a_leaf_root():
    w = Tensor(2.0, requires_grad=True)
    w.register_hook(lambda g: g * 3.0)
    w.backward()
    np.testing.assert_array_equal(w.grad, np.array(3.0, dtype=np.float32))


# -- tensor hooks: intermediates ----------------------------------------------------------------
def test_intermediate_hook_changes_what_flows_on_and_grad_is_not_kept_unless_asked():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()) or g * 0.5)
    loss = (h * h).sum() + h.sum()  # d loss / dh = 2h + 1 = [7, 13]
    loss.backward()
    np.testing.assert_array_equal(seen[0], [7.0, 13.0])
    np.testing.assert_array_equal(x.grad, [10.5, 19.5])  # 3 * 0.5 * (2h + 1)
    assert h.grad is None  # a hook does not mean retain_grad()
    assert not h.retains_grad


def test_retain_grad_keeps_the_hooked_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3.0).retain_grad()
    h.register_hook(lambda g: g * 2.0)
    (h * h).sum().backward()  # dh = 2h = [6, 12], hooked: [12, 24]
    np.testing.assert_array_equal(h.grad, [12.0, 24.0])
    np.testing.assert_array_equal(x.grad, [36.0, 72.0])
    assert h.retains_grad


def test_hook_on_the_loss_itself_sees_the_seed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    seen = []
    loss.register_hook(lambda g: seen.append(float(g.data)) or g * 4.0)
    loss.backward()
    assert seen == [1.0]
    np.testing.assert_array_equal(x.grad, [8.0, 16.0])


def test_intermediate_hook_runs_once_on_the_summed_gradient_of_a_diamond():
    x = Tensor([2.0], requires_grad=True)
    h = x * 1.0
    calls = []
    h.register_hook(lambda g: calls.append(float(g.data[0])))
    (h.exp() + h * h + h.sum()).sum().backward()
    assert calls == [pytest.approx(np.exp(2.0) + 4.0 + 1.0, rel=1e-6)]


def test_hooks_with_retain_graph_run_on_every_backward():
    x = Tensor([1.0], requires_grad=True)
    h = x * 2.0
    calls = []
    h.register_hook(lambda g: calls.append(1))
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert calls == [1, 1]


def test_a_replacement_may_be_an_array_and_takes_the_tensors_dtype():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: np.array([5.0, 6.0]))  # float64 into a float32 tensor
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 6.0])
    assert x.grad.dtype == np.float32


# -- errors ---------------------------------------------------------------------------------------
def test_a_replacement_of_another_shape_is_a_clear_error():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")

    def bad(grad):
        return grad.sum()
    w.register_hook(bad)
    with pytest.raises(ValueError, match=r"gradient hook .*bad returned a gradient of shape "
                                         r"\(\) for tensor 'w' of shape \(2,\)"):
        (w * 1.0).sum().backward()


def test_a_replacement_that_is_not_an_array_is_a_clear_error():
    w = Tensor([1.0], requires_grad=True)
    w.register_hook(lambda g: "oops")
    with pytest.raises(TypeError, match="returned a str; it must return None"):
        (w * 1.0).sum().backward()


def test_registering_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda g: g)
    with pytest.raises(TypeError, match="expected a function"):
        Tensor([1.0], requires_grad=True).register_hook(42)


def test_a_handle_does_not_keep_the_tensor_or_its_graph_alive():
    x = Tensor([1.0], requires_grad=True)
    h = x * 2.0
    handle = h.register_hook(lambda g: g)
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is None
    handle.remove()  # harmless after the tensor is gone


# -- the helper for the create_graph walk -------------------------------------------------------
def test_run_tensor_hooks_returns_the_same_kind_it_was_given():
    w = Tensor([1.0, 2.0], requires_grad=True)
    grad = np.array([1.0, 1.0], dtype=np.float32)
    assert run_tensor_hooks(w, grad) is grad  # no hooks: untouched
    w.register_hook(lambda g: g * 2.0)
    out = run_tensor_hooks(w, grad)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, [2.0, 2.0])
    # a differentiable gradient (create_graph): the hook's Tensor, graph and all, comes back
    g = Tensor([1.0, 1.0], requires_grad=True)
    out_t = run_tensor_hooks(w, g)
    assert isinstance(out_t, Tensor) and out_t.grad_fn is not None
    out_t.sum().backward()
    np.testing.assert_array_equal(g.grad, [2.0, 2.0])


def test_jit_refuses_to_record_a_backward_through_a_hooked_tensor():
    w = Tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g * 2.0)

    @jit
    def step(x):
        (w * x).sum().backward()

    x = np.ones(2, dtype=np.float32)
    step(x)  # as written: hooked
    np.testing.assert_array_equal(w.grad, [2.0, 2.0])
    with pytest.raises(JitError, match="register_hook"):
        step(x)


# -- module hooks ----------------------------------------------------------------------------------
def test_forward_hook_sees_inputs_and_output_and_may_replace_it():
    layer = Linear(3, 2, rng=0)
    x = np.ones((4, 3), dtype=np.float32)
    expected = layer(x).data
    seen = []

    def hook(module, inputs, output):
        seen.append((module, inputs, output.shape))
        return output * 2.0
    handle = layer.register_forward_hook(hook)
    out = layer(x)
    assert seen == [(layer, (x,), (4, 2))]
    np.testing.assert_allclose(out.data, 2.0 * expected)
    handle.remove()
    np.testing.assert_array_equal(layer(x).data, expected)


def test_forward_pre_hook_may_replace_the_inputs_and_hooks_keep_their_order():
    model = Sequential(Linear(2, 2, rng=0), ReLU())
    x = np.array([[1.0, -1.0]], dtype=np.float32)
    order = []
    model.register_forward_pre_hook(lambda m, inputs: order.append("pre") or (inputs[0] * 0.0,))
    model.register_forward_hook(lambda m, inputs, out: order.append("post1"))
    model.register_forward_hook(lambda m, inputs, out: order.append("post2") or out + 1.0)
    out = model(x)
    assert order == ["pre", "post1", "post2"]
    # zero input -> Linear gives its bias; ReLU; then + 1
    np.testing.assert_allclose(out.data, np.maximum(model[0].bias.data, 0.0)[None] + 1.0)


def test_module_hooks_leave_parameters_state_dict_and_repr_alone():
    layer = Linear(2, 2, rng=0)
    before = (repr(layer), list(layer.state_dict()), [id(p) for p in layer.parameters()])
    layer.register_forward_hook(lambda m, i, o: None)
    layer.register_forward_pre_hook(lambda m, i: None)
    assert (repr(layer), list(layer.state_dict()),
            [id(p) for p in layer.parameters()]) == before


def test_forward_hook_gradient_flows_through_the_replacement():
    layer = Linear(2, 1, rng=0)
    layer.register_forward_hook(lambda m, i, out: out * 3.0)
    x = np.array([[1.0, 2.0]], dtype=np.float32)
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, 3.0 * x.T)


def test_hooks_are_exported():
    assert tg.RemovableHandle is RemovableHandle and tg.hooks.run_tensor_hooks is run_tensor_hooks


def test_two_hooks_on_one_multi_element_tensor():
    """The registry of hooked tensors (which jit asks before a replay) never compares
    tensors with ==, which is elementwise: a second hook on the same tensor works."""
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    calls = []
    w.register_hook(lambda g: calls.append(1))
    w.register_hook(lambda g: calls.append(2))
    (w * 2.0).sum().backward()
    assert calls == [1, 2]


def test_hooks_and_custom_backward_run_with_grad_mode_off_unless_create_graph():
    # PyTorch's: backward() runs with grad mode off; with create_graph=True, on
    import tinygrad_np as tg
    from tinygrad_np import Function

    seen = []

    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            seen.append(("backward", tg.is_grad_enabled()))
            return 2 * grad

        @staticmethod
        def backward_graph(ctx, grad, out):
            seen.append(("backward_graph", tg.is_grad_enabled()))
            return 2 * grad

    w = Tensor(np.ones(2), requires_grad=True)
    x = Tensor(np.ones(2), requires_grad=True)
    y = Twice.apply(x)
    y.register_hook(lambda g: seen.append(("hook", tg.is_grad_enabled(),
                                           (Tensor(g) * w).requires_grad)))
    y.sum().backward()
    assert seen == [("hook", False, False), ("backward", False)] and tg.is_grad_enabled()
    seen.clear()
    Twice.apply(x).sum().backward(create_graph=True)
    assert seen == [("backward_graph", True)]
