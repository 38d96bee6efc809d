"""tinygrad_np.grad and higher-order gradients (issue 16): the second-order row of every op in
the table, Hessians of small nets against central differences of the gradient,
Hessian-vector products, third derivatives with exact values, and grad()'s arguments."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import TABLE, OpSpec, check_gradgradcheck, second_order_case

import tinygrad_np as tg
from tinygrad_np import Function, GradcheckError, Tensor, grad, gradgradcheck, numgrad


# -- the op table's second-order rows -----------------------------------------------------------
@pytest.mark.parametrize("spec", TABLE, ids=lambda s: f"{s.module}-{s.name}")
@given(data=st.data())  # the suite's profile: as many examples as the first-order gradcheck
def test_gradgradcheck(spec: OpSpec, data: Any) -> None:
    check_gradgradcheck(spec, data.draw(second_order_case(spec)))


@pytest.mark.parametrize("spec", TABLE, ids=lambda s: f"{s.module}-{s.name}")
@settings(max_examples=5)  # fewer: each costs a few second-order checks
@given(data=st.data())
def test_third_derivatives(spec: OpSpec, data: Any) -> None:
    """gradgradcheck of the op's first gradients (taken with create_graph=True) checks its
    third derivatives: the differentiable backwards are differentiable again."""
    case = data.draw(second_order_case(spec))
    probe = spec.fn(*[Tensor(a) for a in case.arrays], **case.params)
    weights = np.random.default_rng(1).standard_normal(probe.shape)

    def first_gradients(*ts: Tensor) -> tuple[Tensor, ...]:
        out = spec.fn(*ts, **case.params)
        return grad((out * weights).sum(), list(ts), create_graph=True)

    assert gradgradcheck(first_gradients, [Tensor(a) for a in case.arrays])


def _function_classes() -> list[type]:
    import importlib
    import pkgutil

    import tinygrad_np.ops as ops_package
    from tinygrad_np.ops.compare import GraphConstant

    found = []
    for info in pkgutil.iter_modules(ops_package.__path__):
        module = importlib.import_module(f"tinygrad_np.ops.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Function) \
                    and value is not Function and value.__module__ == module.__name__ \
                    and not issubclass(value, GraphConstant) \
                    and value.backward is not Function.backward:  # a base class (_Elementwise)
                found.append(value)
    return found


def test_every_built_in_op_has_a_differentiable_backward() -> None:
    classes = _function_classes()
    assert len(classes) > 50
    missing = [c.__name__ for c in classes if getattr(c, "backward_graph", None) is None]
    assert not missing, f"ops without backward_graph: {missing}"


# -- exact values: a polynomial to the third order ----------------------------------------------
def test_grad_of_grad_of_grad_of_a_polynomial_is_exact() -> None:
    x = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    y = x ** 4 + 3 * x ** 3 - x * x + 5
    d1, = grad(y.sum(), x, create_graph=True)
    d2, = grad(d1.sum(), x, create_graph=True)
    d3, = grad(d2.sum(), x, create_graph=True)
    d4, = grad(d3.sum(), x, create_graph=True)
    d5, = grad(d4.sum(), x, allow_unused=True)
    xs = np.array([2.0, -1.0])
    np.testing.assert_array_equal(d1.data, 4 * xs ** 3 + 9 * xs ** 2 - 2 * xs)  # 68, 7
    np.testing.assert_array_equal(d2.data, 12 * xs ** 2 + 18 * xs - 2)  # 82, -8
    np.testing.assert_array_equal(d3.data, 24 * xs + 18)  # 66, -6
    np.testing.assert_array_equal(d4.data, [24.0, 24.0])
    assert d5 is None or np.all(d5.data == 0)
    assert x.grad is None


def test_mixed_partials_of_two_inputs() -> None:
    x = Tensor(np.array(3.0), requires_grad=True)
    y = Tensor(np.array(2.0), requires_grad=True)
    f = x * x * y + y ** 3  # f_x = 2xy, f_y = x^2 + 3y^2
    fx, fy = grad(f, [x, y], create_graph=True)
    assert (fx.item(), fy.item()) == (12.0, 21.0)
    fxx, fxy = grad(fx, [x, y], retain_graph=True)
    fyx, fyy = grad(fy, [x, y])
    assert (fxx.item(), fxy.item(), fyx.item(), fyy.item()) == (4.0, 6.0, 6.0, 12.0)


# -- Hessians of small nets ---------------------------------------------------------------------
def _two_layer(x: np.ndarray, labels: np.ndarray):
    def loss(w1: Tensor, b1: Tensor, w2: Tensor) -> Tensor:
        hidden = (Tensor(x) @ w1 + b1).tanh()
        return (hidden @ w2).softmax_cross_entropy(labels)
    return loss


def _hessian(loss_fn: Any, params: list[Tensor]) -> np.ndarray:
    """The full Hessian, one row per parameter element, by grad of each gradient element."""
    grads = grad(loss_fn(*params), params, create_graph=True)
    flat = tg.cat([g.reshape(-1) for g in grads])
    rows = []
    for i in range(flat.shape[0]):
        row = grad(flat[i], params, retain_graph=True, allow_unused=True)
        rows.append(np.concatenate([np.zeros(p.size) if r is None else r.data.reshape(-1)
                                    for r, p in zip(row, params)]))
    return np.stack(rows)


def test_hessian_of_a_two_layer_net_matches_central_differences_of_the_gradient(
        rng: np.random.Generator) -> None:
    x = rng.standard_normal((6, 3))
    labels = np.array([0, 1, 2, 1, 0, 2])
    loss_fn = _two_layer(x, labels)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4) * 0.1,
              rng.standard_normal((4, 3))]
    params = [Tensor(a, requires_grad=True) for a in arrays]
    hessian = _hessian(loss_fn, params)

    def gradient(*_: Any) -> np.ndarray:
        ts = [Tensor(a, requires_grad=True) for a in arrays]
        return np.concatenate([g.data.reshape(-1) for g in grad(loss_fn(*ts), ts)])

    n = hessian.shape[0]
    numeric = np.zeros((n, n))
    for i in range(n):  # d gradient_i / d theta = numgrad of the i-th gradient element
        numeric[i] = np.concatenate([g.reshape(-1) for g in numgrad(
            lambda *_, i=i: gradient()[i], *arrays)])
    np.testing.assert_allclose(hessian, numeric, atol=1e-6, rtol=1e-4)
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-12)  # symmetric, as it must be


def test_hessian_of_a_net_with_gelu_layer_norm_and_mse(rng: np.random.Generator) -> None:
    x = Tensor(rng.standard_normal((5, 4)))
    target = rng.standard_normal((5, 2))

    def loss_fn(w1: Tensor, w2: Tensor) -> Tensor:
        hidden = tg.layer_norm(tg.gelu(x @ w1), 3)
        return tg.mse_loss(hidden @ w2, target) + 0.1 * (w1 * w1).sum()

    assert gradgradcheck(loss_fn, [Tensor(rng.standard_normal((4, 3))),
                                   Tensor(rng.standard_normal((3, 2)))])


def test_hessian_vector_product_equals_hessian_times_v(rng: np.random.Generator) -> None:
    x = rng.standard_normal((6, 3))
    labels = np.array([0, 1, 2, 1, 0, 2])
    loss_fn = _two_layer(x, labels)
    params = [Tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4,), (4, 3)]]
    hessian = _hessian(loss_fn, params)
    vs = [rng.standard_normal(p.shape) for p in params]
    grads = grad(loss_fn(*params), params, create_graph=True)
    hvp = grad(grads, params, grad_outputs=[Tensor(v) for v in vs])
    expected = hessian @ np.concatenate([v.reshape(-1) for v in vs])
    np.testing.assert_allclose(np.concatenate([h.data.reshape(-1) for h in hvp]), expected,
                               atol=1e-12, rtol=1e-10)


# -- grad()'s arguments -------------------------------------------------------------------------
def test_grad_touches_no_grad_attribute() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = (w * 3).retain_grad()
    g_w, g_h = grad((h * h).sum(), [w, h], create_graph=True)
    np.testing.assert_array_equal(g_h.data, [6.0, 12.0])
    np.testing.assert_array_equal(g_w.data, [18.0, 36.0])
    assert w.grad is None and h.grad is None
    grad(g_w.sum(), w)
    assert w.grad is None


def test_first_order_grad_returns_constant_tensors_equal_to_backward() -> None:
    w = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    loss = (w @ w).tanh().sum()
    g, = grad(loss, w, retain_graph=True)
    assert isinstance(g, Tensor) and not g.requires_grad and g.grad_fn is None
    s, = grad(w.sum(), w)  # Sum's backward is a broadcast view: the result is a fresh array
    assert s.data.flags.writeable and s.data.base is None
    seed = np.ones((2, 2))
    same, = grad(w * 1.0, w, grad_outputs=seed)
    assert same.data is not seed and np.shares_memory(same.data, seed) is False
    loss.backward()
    np.testing.assert_array_equal(g.data, w.grad)


def test_allow_unused() -> None:
    x = Tensor(np.array([1.0]), requires_grad=True)
    unused = Tensor(np.array([1.0]), requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used.*"
                                           r"allow_unused=True"):
        grad(y, [x, unused], retain_graph=True)
    gx, gu = grad(y, [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None
    # a gradient that is constant has no graph (as in PyTorch, differentiating it again is
    # an error: it does not require grad)
    g, = grad((x * 2).sum(), x, create_graph=True)
    assert not g.requires_grad and g.item() == 2.0
    with pytest.raises(RuntimeError, match="output 0 .* does not require grad"):
        grad(g.sum(), x, allow_unused=True)


def test_grad_outputs() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="a gradient argument is needed for a non-scalar"):
        grad(y, x, retain_graph=True)
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\) given for a tensor of "
                                         r"shape \(3,\)"):
        grad(y, x, grad_outputs=np.ones(2), retain_graph=True)
    g, = grad(y, x, grad_outputs=np.array([1.0, 0.0, -1.0]), retain_graph=True)
    np.testing.assert_array_equal(g.data, [2.0, 0.0, -6.0])
    # several outputs: their weighted gradients add up
    z = x.sum()
    g, = grad([y, z], x, grad_outputs=[Tensor(np.ones(3)), None])
    np.testing.assert_array_equal(g.data, [3.0, 5.0, 7.0])
    with pytest.raises(ValueError, match="1 grad_outputs given for 2 outputs"):
        grad([x * 1, x * 2], x, grad_outputs=[None])


def test_grad_outputs_that_require_grad_are_differentiated_too() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    v = Tensor(np.array([3.0, -1.0]), requires_grad=True)
    g, = grad(x * x * x, x, grad_outputs=v, create_graph=True)  # 3 x^2 v
    gx, gv = grad(g.sum(), [x, v])
    np.testing.assert_array_equal(gx.data, [18.0, -12.0])  # 6 x v
    np.testing.assert_array_equal(gv.data, [3.0, 12.0])  # 3 x^2


def test_retain_graph() -> None:
    x = Tensor(np.array([0.5]), requires_grad=True)
    y = x.exp().sum()
    grad(y, x)
    with pytest.raises(RuntimeError, match=r"back through .* a second time.*retain_graph=True"):
        grad(y, x)
    y = x.exp().sum()
    first, = grad(y, x, retain_graph=True)
    second, = grad(y, x)
    assert first.item() == second.item() == float(np.exp(0.5))
    # create_graph keeps the graph by default (a graph on top of it needs it) ...
    y = x.exp().sum()
    g, = grad(y, x, create_graph=True)
    g2, = grad(g.sum(), x)
    assert g2.item() == float(np.exp(0.5))
    # ... unless told otherwise: the second derivative then needs the freed arrays
    y = (x * x.exp()).sum()
    g, = grad(y, x, create_graph=True, retain_graph=False)
    with pytest.raises(RuntimeError, match="saved arrays were freed"):
        grad(g.sum(), x)


def test_grad_errors() -> None:
    x = Tensor(np.array([1.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 0 \(shape \(1,\)\) does not require grad"):
        grad((x * 2).sum(), Tensor(np.array([1.0])))
    with pytest.raises(RuntimeError, match="output 0 .* does not require grad"):
        grad(Tensor(np.array(1.0)), x)
    with pytest.raises(TypeError, match="inputs must be a Tensor or a non-empty sequence"):
        grad((x * 2).sum(), [])


def test_grad_with_respect_to_an_intermediate_and_an_output_itself() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * x
    y = (h * 3).sum()
    gh, gy = grad(y, [h, y])
    np.testing.assert_array_equal(gh.data, [3.0, 3.0])
    assert gy.item() == 1.0


def test_integer_and_comparison_ops_give_no_gradient() -> None:
    x = Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    mask = x > 0
    assert not mask.requires_grad and not x.argmax().requires_grad
    g, = grad((x * mask).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 1.0])
    assert not g.requires_grad  # d/dx of x * const is a constant


def test_float32_stays_float32() -> None:
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True)
    g, = grad((x.tanh() * np.float64(2.0)).sum(), x, create_graph=True)
    h, = grad(g.sum(), x)
    assert g.dtype == h.dtype == np.float32


def test_a_long_chain_does_not_recurse() -> None:
    x = Tensor(np.array([0.1]), requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    g, = grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, [1.0001 ** 3000])
    h, = grad((y * y).sum(), x, create_graph=True)
    h2, = grad(h.sum(), x)  # d^2 (c x)^2 / dx^2 = 2 c^2
    np.testing.assert_allclose(h2.data, [2 * 1.0001 ** 6000])


# -- backward(create_graph=True) ----------------------------------------------------------------
def test_backward_with_create_graph_fills_grad_with_arrays() -> None:
    w = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    b = Tensor(np.array([0.1, 0.2]), requires_grad=True)
    h = (w @ w + b).retain_grad()
    loss = h.sigmoid().sum()
    loss.backward(create_graph=True)
    assert isinstance(w.grad, np.ndarray) and isinstance(h.grad, np.ndarray)
    expected = [w.grad.copy(), b.grad.copy(), h.grad.copy()]
    # the graph was kept (retain_graph defaults to create_graph): a second pass adds again
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(w.grad, 2 * expected[0])
    w2, b2 = Tensor(w.data, requires_grad=True), Tensor(b.data, requires_grad=True)
    h2 = (w2 @ w2 + b2).retain_grad()
    h2.sigmoid().sum().backward()
    for got, want in zip(expected, [w2.grad, b2.grad, h2.grad]):
        np.testing.assert_array_equal(got, want)
    # the caller's gradient array is never kept as a .grad
    leaf = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    given = np.array([3.0, 4.0])
    leaf.backward(given, create_graph=True)
    (leaf * 1.0).backward(Tensor(given), create_graph=True)
    assert leaf.grad is not given and not np.shares_memory(leaf.grad, given)
    np.testing.assert_array_equal(leaf.grad, [6.0, 8.0])
    # the differentiable gradients come from grad(..., create_graph=True)
    g, = grad(loss, w, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None


# -- user ops -----------------------------------------------------------------------------------
class Cube(Function):
    """x^3 with only the array backward."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return 3 * x * x * grad


class CubeTwice(Cube):
    """x^3 with a differentiable backward too."""

    def backward_graph(ctx, grad, out):
        x, = ctx.parents
        return 3 * x * x * grad


def test_a_user_op_without_backward_graph_is_refused_by_name() -> None:
    x = Tensor(np.array([2.0]), requires_grad=True)
    g, = grad(Cube.apply(x).sum(), x, retain_graph=True)  # first order is fine
    assert g.item() == 12.0
    with pytest.raises(RuntimeError, match=r"Cube: create_graph=True needs a differentiable "
                                           r"backward.*backward_graph"):
        grad(Cube.apply(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="Cube: create_graph=True"):
        Cube.apply(x).sum().backward(create_graph=True)


def test_a_user_op_with_backward_graph_has_exact_higher_derivatives() -> None:
    x = Tensor(np.array([2.0]), requires_grad=True)
    g, = grad(CubeTwice.apply(x).sum(), x, create_graph=True)
    h, = grad(g.sum(), x, create_graph=True)
    k, = grad(h.sum(), x)
    assert (g.item(), h.item(), k.item()) == (12.0, 12.0, 6.0)
    assert gradgradcheck(lambda t: CubeTwice.apply(t), [Tensor(np.array([0.3, -1.2]))])


def test_a_backward_graph_inherited_by_an_op_with_another_backward_is_refused() -> None:
    class Doubled(CubeTwice):  # a new backward, CubeTwice's backward_graph: would be wrong
        def backward(ctx, grad):
            return 2 * CubeTwice.backward(ctx, grad)

    x = Tensor(np.array([2.0]), requires_grad=True)
    assert grad(Doubled.apply(x).sum(), x)[0].item() == 24.0
    with pytest.raises(RuntimeError, match=r"Doubled: .*overrides backward but inherits "
                                           r"backward_graph from CubeTwice"):
        grad(Doubled.apply(x).sum(), x, create_graph=True)


def test_a_backward_graph_returning_arrays_is_refused() -> None:
    class Bad(Cube):
        def backward_graph(ctx, grad, out):
            return 3 * ctx.parents[0].data ** 2 * grad.data

    x = Tensor(np.array([2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="Bad.backward_graph returned a ndarray"):
        grad(Bad.apply(x).sum(), x, create_graph=True)


# -- gradgradcheck itself -------------------------------------------------------------------------
def test_gradgradcheck_catches_a_saved_array_used_as_a_constant() -> None:
    class ConstantSaved(Cube):  # the classic mistake: x from ctx.saved_tensors, an array
        def backward_graph(ctx, grad, out):
            x, = ctx.saved_tensors
            return grad * (3 * x * x)

    with pytest.raises(GradcheckError, match=r"gradgradcheck: second derivative w\.r\.t\. "
                                             r"input 0 is wrong at index \(\d,\): analytic "
                                             r"\(double backward\) .*0\.0.*numeric"):
        gradgradcheck(lambda t: ConstantSaved.apply(t), [Tensor(np.array([0.5, 1.5]))])


def test_gradgradcheck_catches_a_backward_graph_not_linear_in_grad() -> None:
    class ConstantGrad(CubeTwice):  # grad's values taken as a constant array
        def backward_graph(ctx, grad, out):
            x, = ctx.parents
            return 3 * x * x * grad.data

    with pytest.raises(GradcheckError, match=r"w\.r\.t\. grad_outputs\[0\]"):
        gradgradcheck(lambda t: ConstantGrad.apply(t), [Tensor(np.array([0.5, 1.5]))])


def test_gradgradcheck_passes_arguments_through_and_warns_on_float32() -> None:
    labels = np.array([1, 0])
    logits = Tensor(np.array([[0.5, -1.0], [2.0, 0.1]], dtype=np.float32))
    with pytest.warns(UserWarning, match="input 0 is float32; checking a float64 copy"):
        assert gradgradcheck(lambda x, y: x.softmax_cross_entropy(y), [logits, labels])


# -- hooks and anomaly mode in the create_graph walk ---------------------------------------------
def test_tensor_hooks_run_in_grad_and_may_replace_the_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 10)  # an intermediate's hook replaces its gradient
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))  # a leaf's hook sees its gradient
    (gx,) = tg.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(gx.data, [20.0, 40.0])
    np.testing.assert_array_equal(seen[0], [20.0, 40.0])
    (ggx,) = tg.grad(gx.sum(), x)  # the replaced gradient is still differentiable
    np.testing.assert_array_equal(ggx.data, [20.0, 20.0])


def test_anomaly_mode_checks_the_create_graph_walk():
    z = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError, match=r"Sqrt\.backward returned NaN/inf"):
            tg.grad(z.sqrt().sum(), z, create_graph=True)
