"""ops/linalg.py: `@` / matmul / dot for 1-D, 2-D and batched (broadcast) operands, and einsum."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import MATMUL_NAMED, specs, table_tests

import tinygrad_np as tg
from tinygrad_np import Tensor

SPECS = specs("linalg")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def _expected_grads(a, b, g):
    """d(sum(g * (a @ b))) by the textbook formulas, vectors promoted to matrices."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = np.asarray(g)
    if b.ndim == 1:  # the column axis first: for vector . vector, g is 0-d
        g2 = np.expand_dims(g2, -1)
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    ga = g2 @ np.swapaxes(b2, -1, -2)
    gb = np.swapaxes(a2, -1, -2) @ g2
    if a.ndim == 1:
        ga = ga[..., 0, :]
    if b.ndim == 1:
        gb = gb[..., 0]
    # sum the broadcast batch axes away
    ga = ga.reshape(-1, *a.shape).sum(axis=0) if ga.shape != a.shape else ga
    gb = gb.reshape(-1, *b.shape).sum(axis=0) if gb.shape != b.shape else gb
    return ga, gb


@pytest.mark.parametrize("sa, sb", [s for s in MATMUL_NAMED if len(s[0]) + len(s[1]) < 7]
                         + [((3,), (3,))], ids=str)
def test_matmul_gradients_match_the_textbook_formulas(sa, sb, rng):
    a = rng.standard_normal(sa)
    b = rng.standard_normal(sb)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = ta @ tb
    np.testing.assert_array_equal(out.data, a @ b)
    g = rng.standard_normal(out.shape)
    (out * g).sum().backward()
    ga, gb = _expected_grads(a, b, g)
    np.testing.assert_allclose(ta.grad, ga, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tb.grad, gb, rtol=1e-12, atol=1e-14)


def test_dot_of_two_vectors_is_0d_and_backward_gives_the_other_vector():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([4.0, -5.0, 6.0]), requires_grad=True)
    out = a.dot(b)
    assert out.shape == () and out.item() == 12.0
    out.backward()
    np.testing.assert_array_equal(a.grad, b.data)
    np.testing.assert_array_equal(b.grad, a.data)


def test_matrix_product_exact_gradients():
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), requires_grad=True)
    w = Tensor(np.array([[1.0, -1.0, 0.5, 2.0], [0.0, 3.0, -2.0, 1.0]]), requires_grad=True)
    out = a @ w
    assert out.shape == (3, 4)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, np.ones((3, 4)) @ w.data.T)  # row sums of w
    np.testing.assert_array_equal(a.grad, np.tile(w.data.sum(axis=1), (3, 1)))
    np.testing.assert_array_equal(w.grad, np.tile(a.data.sum(axis=0)[:, None], (1, 4)))


def test_batched_broadcast_weight_gets_the_sum_over_the_batch(rng):
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((4, 5))
    tx, tw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    g = rng.standard_normal((2, 3, 5))
    ((tx @ tw) * g).sum().backward()
    np.testing.assert_allclose(tw.grad, x[0].T @ g[0] + x[1].T @ g[1], rtol=1e-13)
    np.testing.assert_allclose(tx.grad, g @ w.T, rtol=1e-13)
    assert tw.grad.shape == (4, 5) and tx.grad.shape == (2, 3, 4)


def test_matmul_keeps_float32(rng):
    a = Tensor(rng.standard_normal((2, 3, 4)).astype(np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    v = Tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    out = (a @ b).sum() + (a @ v).sum() + (v @ b).sum()
    assert out.dtype == np.float32
    out.backward()
    assert a.grad.dtype == b.grad.dtype == v.grad.dtype == np.float32


def test_spellings_are_the_same_op(rng):
    a = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    results = [a @ b, a.matmul(b), a.dot(b), tg.matmul(a, b), tg.dot(a, b)]
    for r in results:
        np.testing.assert_array_equal(r.data, a.data @ b.data)
        assert type(r.grad_fn).__name__ == "MatMul"
        assert r.grad_fn.parents[0] is a and r.grad_fn.parents[1] is b
    out = a.data.T @ a  # ndarray on the left reaches Tensor.__rmatmul__
    assert type(out) is Tensor
    np.testing.assert_array_equal(out.data, a.data.T @ a.data)


@pytest.mark.parametrize("subscripts, shapes, message", [
    ("ij,jk->ik", [(2, 3)], "names 2 operand\\(s\\), got 1"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "does not fit the shapes \\(2, 3\\), \\(4, 5\\)"),
    ("ijk->i", [(2, 3)], "operand 'ijk' does not fit its shape \\(2, 3\\)"),
    ("ij->ii", [(2, 3)], "names a subscript twice"),
    ("ij->k", [(2, 3)], "'k' appear in no operand"),
    ("i1->i", [(2, 3)], "must be letters"),
])
def test_einsum_refuses_bad_subscripts_clearly(subscripts, shapes, message):
    with pytest.raises(tg.OpError, match=message):
        tg.einsum(subscripts, *[Tensor(np.ones(s)) for s in shapes])


def test_einsum_takes_a_list_and_matches_matmul(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = tg.einsum("ij,jk->ik", [ta, tb])
    np.testing.assert_allclose(out.data, a @ b)
    out.sum().backward()
    np.testing.assert_allclose(ta.grad, np.ones((3, 2)) @ b.T)
    np.testing.assert_allclose(tb.grad, a.T @ np.ones((3, 2)))


def test_einsum_gradient_of_a_diagonal_and_a_broadcast_operand():
    m = Tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    tg.einsum("ii->", m).backward()  # the trace: its gradient is the identity
    np.testing.assert_array_equal(m.grad, np.eye(3))
    row = Tensor(np.ones((1, 4)), requires_grad=True)
    tg.einsum("ij,ij->i", Tensor(np.arange(12.0).reshape(3, 4)), row).sum().backward()
    np.testing.assert_array_equal(row.grad, [[12.0, 15.0, 18.0, 21.0]])  # summed over rows
    only = Tensor(np.ones((2, 3)), requires_grad=True)
    tg.einsum("ij,k->k", only, Tensor(np.arange(4.0))).sum().backward()
    np.testing.assert_array_equal(only.grad, np.full((2, 3), 6.0))  # i, j: only its own


def test_einsum_double_backward_through_products_and_diagonals(rng):
    a = rng.standard_normal((2, 3))
    assert tg.gradgradcheck(lambda x, y: tg.einsum("ij,jk->ik", x, y),
                            [Tensor(a, requires_grad=True),
                             Tensor(rng.standard_normal((3, 2)), requires_grad=True)])
    assert tg.gradgradcheck(lambda x: tg.einsum("iij,jk->ik", x, x[0]),
                            [Tensor(rng.standard_normal((3, 3, 3)), requires_grad=True)])
    m = Tensor(rng.standard_normal((3, 3)), requires_grad=True)
    (g,) = tg.grad(tg.einsum("ii->", m * m), [m], create_graph=True)
    np.testing.assert_allclose(g.data, 2 * np.diag(np.diag(m.data)))  # d trace(m*m) / dm
