"""An independent autodiff implementation agrees: random expressions over the engine's ops,
differentiated by tinygrad_np and by HIPS autograd, in float64, to rtol=1e-6 / atol=1e-12.

Hypothesis draws 2-3 input arrays with mutually broadcastable shapes and a random expression
tree over them: unary ops, binary ops (broadcasting), Python-number operands on either side,
reductions (keepdims, so every subtree still broadcasts with every other), matmul with a square
weight (a further input), softmax/log_softmax. Values stay in safe domains by construction:
log and sqrt see x*x + c, division is by x*x + 1, exp sees tanh(x), powers have a base >= 1.
The loss is sum(expression * C) for a random C, so the whole vector-Jacobian product is
compared, not just the gradient of a sum.
"""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd import grad as autograd_grad
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_np import Tensor

RTOL, ATOL = 1e-6, 1e-12


def _ag_softmax(x):
    e = anp.exp(x - anp.max(x, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True)


def _ag_log_softmax(x):
    shifted = x - anp.max(x, axis=-1, keepdims=True)
    return shifted - anp.log(anp.sum(anp.exp(shifted), axis=-1, keepdims=True))


# name -> (tinygrad_np, autograd). Both sides are written with each library's own ops.
UNARY = {
    "neg": (lambda x: -x, lambda x: -x),
    "exp_tanh": (lambda x: x.tanh().exp(), lambda x: anp.exp(anp.tanh(x))),
    "log_sq1": (lambda x: (x * x + 1.0).log(), lambda x: anp.log(x * x + 1.0)),
    "sqrt_sq": (lambda x: (x * x + 0.5).sqrt(), lambda x: anp.sqrt(x * x + 0.5)),
    "abs": (lambda x: x.abs(), anp.abs),
    # relu' = 1 where x > 0, else 0 (also at 0, as in the engine; autograd's maximum would
    # split a tie 50/50, a convention, not a derivative)
    "relu": (lambda x: x.relu(), lambda x: anp.where(x > 0, x, 0.0)),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 0.5 * (anp.tanh(0.5 * x) + 1.0)),
    "tanh": (lambda x: x.tanh(), anp.tanh),
    "square": (lambda x: x ** 2, lambda x: x ** 2),
    "cube": (lambda x: x ** 3, lambda x: x ** 3),
    "softmax": (lambda x: x.softmax(-1), _ag_softmax),
    "log_softmax": (lambda x: x.log_softmax(-1), _ag_log_softmax),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0)),
    "pow": (lambda a, b: (a * a + 1.0) ** b.tanh(), lambda a, b: (a * a + 1.0) ** anp.tanh(b)),
}
SCALAR = {  # Python numbers on either side
    "radd": (lambda x, c: c + x, lambda x, c: c + x),
    "rsub": (lambda x, c: c - x, lambda x, c: c - x),
    "mul_c": (lambda x, c: x * c, lambda x, c: x * c),
    "rdiv": (lambda x, c: c / (x * x + 1.0), lambda x, c: c / (x * x + 1.0)),
    "rpow": (lambda x, c: (abs(c) + 1.0) ** x.tanh(), lambda x, c: (abs(c) + 1.0) ** anp.tanh(x)),
}
REDUCE = {
    "sum": (lambda x, axis: x.sum(axis=axis, keepdims=True),
            lambda x, axis: anp.sum(x, axis=axis, keepdims=True)),
    "mean": (lambda x, axis: x.mean(axis=axis, keepdims=True),
             lambda x, axis: anp.mean(x, axis=axis, keepdims=True)),
    "max": (lambda x, axis: x.max(axis=axis, keepdims=True),
            lambda x, axis: anp.max(x, axis=axis, keepdims=True)),
    "min": (lambda x, axis: x.min(axis=axis, keepdims=True),
            lambda x, axis: anp.min(x, axis=axis, keepdims=True)),
}

VALUES = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)


@st.composite
def expressions(draw):
    """(tree, inputs, out_shape): `tree` is nested tuples, `inputs` the leaf arrays followed by
    the matmul weights."""
    k = draw(st.integers(2, 3))
    shapes = list(draw(hnp.mutually_broadcastable_shapes(
        num_shapes=k, min_dims=1, max_dims=3, min_side=1, max_side=4)).input_shapes)

    def build(depth, top=False):
        if depth == 0 or (not top and draw(st.integers(0, 3)) == 0):
            i = draw(st.integers(0, k - 1))
            return ("leaf", i), shapes[i]
        kind = draw(st.sampled_from(["unary", "unary", "binary", "binary", "scalar", "reduce",
                                     "matmul"]))
        if kind == "binary":
            (left, ls), (right, rs) = build(depth - 1), build(depth - 1)
            return ("binary", draw(st.sampled_from(sorted(BINARY))), left, right), \
                np.broadcast_shapes(ls, rs)
        child, shape = build(depth - 1)
        if kind == "unary":
            return ("unary", draw(st.sampled_from(sorted(UNARY))), child), shape
        if kind == "scalar":
            return ("scalar", draw(st.sampled_from(sorted(SCALAR))), child,
                    draw(st.sampled_from([-1.5, 0.5, 2.0, 3.25]))), shape
        if kind == "reduce":
            ndim = len(shape)
            axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                                  hnp.valid_tuple_axes(ndim, min_size=1)))
            axes = range(ndim) if axis is None else [a % ndim for a in np.atleast_1d(axis)]
            reduced = tuple(1 if i in axes else n for i, n in enumerate(shape))
            return ("reduce", draw(st.sampled_from(sorted(REDUCE))), child, axis), reduced
        # matmul by a square weight: the last axis keeps its size, so shapes still broadcast
        shapes.append((shape[-1], shape[-1]))
        return ("matmul", child, len(shapes) - 1), shape

    tree, out_shape = build(draw(st.integers(1, 4)), top=True)
    inputs = [draw(hnp.arrays(np.float64, s, elements=VALUES)) for s in shapes[:k]]
    inputs += [draw(hnp.arrays(np.float64, s, elements=st.floats(-1, 1))) for s in shapes[k:]]
    return tree, inputs, out_shape


def evaluate(node, xs, lib):
    """Evaluate `node` over `xs` with lib 0 (tinygrad_np) or 1 (autograd)."""
    kind = node[0]
    if kind == "leaf":
        return xs[node[1]]
    if kind == "unary":
        return UNARY[node[1]][lib](evaluate(node[2], xs, lib))
    if kind == "binary":
        return BINARY[node[1]][lib](evaluate(node[2], xs, lib), evaluate(node[3], xs, lib))
    if kind == "scalar":
        return SCALAR[node[1]][lib](evaluate(node[2], xs, lib), node[3])
    if kind == "reduce":
        return REDUCE[node[1]][lib](evaluate(node[2], xs, lib), node[3])
    assert kind == "matmul"
    return evaluate(node[1], xs, lib) @ xs[node[2]]


@settings(max_examples=300)
@given(expr=expressions(), data=st.data())
def test_gradients_agree_with_hips_autograd(expr, data):
    tree, inputs, out_shape = expr
    weights = data.draw(hnp.arrays(np.float64, out_shape, elements=st.floats(-1, 1)),
                        label="C")

    tensors = [Tensor(a.copy(), requires_grad=True) for a in inputs]
    out = evaluate(tree, tensors, 0)
    assert out.shape == out_shape
    loss = (out * weights).sum()
    loss.backward()

    def ag_loss(xs):
        return anp.sum(evaluate(tree, xs, 1) * weights)

    expected_loss = ag_loss(inputs)
    expected = autograd_grad(ag_loss)(list(inputs))

    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-9, atol=ATOL)
    for i, (t, g) in enumerate(zip(tensors, expected)):
        ours = np.zeros_like(t.data) if t.grad is None else t.grad
        assert ours.shape == t.shape and ours.dtype == np.float64
        np.testing.assert_allclose(ours, g, rtol=RTOL, atol=ATOL, err_msg=f"input {i}")


@given(st.data())
def test_matmul_shapes_agree_with_hips_autograd(data):
    """Every matmul operand arrangement (1-D, 2-D, batched, broadcast batch)."""
    sa, sb = data.draw(hnp.mutually_broadcastable_shapes(
        signature=np.matmul.signature, max_dims=2, max_side=4)).input_shapes
    a = data.draw(hnp.arrays(np.float64, sa, elements=VALUES))
    b = data.draw(hnp.arrays(np.float64, sb, elements=VALUES))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = (ta @ tb).tanh()
    weights = np.linspace(-1.0, 1.0, max(out.size, 1)).reshape(out.shape)
    (out * weights).sum().backward()
    ga, gb = autograd_grad(lambda x, y: anp.sum(anp.tanh(x @ y) * weights), argnum=(0, 1))(a, b)
    np.testing.assert_allclose(ta.grad, ga, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(tb.grad, gb, rtol=RTOL, atol=ATOL)
