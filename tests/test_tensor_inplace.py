"""tensor_inplace.py: add_, sub_, mul_, div_, clamp_, neg_, fill_, zero_, copy_ and the
in-place operators: in place where no gradient depends on it, refused or recorded where one
does."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor, nn, optim

M = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])


@pytest.mark.parametrize("call, expected", [
    (lambda t: t.add_(1.5), M + 1.5),
    (lambda t: t.add_(Tensor(np.ones(3)), alpha=2.0), M + 2.0),
    (lambda t: t.sub_(np.arange(3.0)), M - np.arange(3.0)),
    (lambda t: t.sub_(1.0, alpha=3.0), M - 3.0),
    (lambda t: t.mul_(Tensor(np.array([[2.0], [3.0]]))), M * [[2.0], [3.0]]),
    (lambda t: t.div_(4.0), M / 4.0),
    (lambda t: t.clamp_(-3.0, 4.0), np.clip(M, -3.0, 4.0)),
    (lambda t: t.clamp_(min=0.0), np.maximum(M, 0.0)),
    (lambda t: t.clip_(max=Tensor(np.array([0.0, 1.0, 2.0]))), np.minimum(M, [0.0, 1.0, 2.0])),
    (lambda t: t.neg_(), -M),
    (lambda t: t.fill_(2.5), np.full_like(M, 2.5)),
    (lambda t: t.zero_(), np.zeros_like(M)),
    (lambda t: t.copy_(Tensor(np.arange(3.0))), np.broadcast_to(np.arange(3.0), M.shape)),
], ids=["add", "add-alpha", "sub", "sub-alpha", "mul", "div", "clamp", "clamp-min",
        "clip-max", "neg", "fill", "zero", "copy"])
def test_in_place_methods_change_the_same_array(call, expected):
    t = Tensor(M.copy())
    data = t.data
    assert call(t) is t
    assert t.data is data  # the same memory, not a new array
    np.testing.assert_array_equal(data, expected)


def test_operators_change_a_tensor_that_needs_no_gradient_in_place():
    t = Tensor(M.copy())
    alias = t
    t += 1.0
    t -= Tensor(np.ones(3))
    t *= 2.0
    t /= 4.0
    assert t is alias
    np.testing.assert_array_equal(t.data, M * 2.0 / 4.0)


def test_a_plain_sgd_loop_in_pytorch_style_trains():
    # `with no_grad(): p -= lr * p.grad` must update the module's own parameters
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    model = nn.Linear(3, 1)
    model.double()
    first = None
    for _ in range(200):
        loss = tg.mse_loss(model(x), Tensor(y))
        first = loss.item() if first is None else first
        model.zero_grad()
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert first > 1.0 and loss.item() < 1e-6
    np.testing.assert_allclose(model.weight.data[:, 0], [1.0, -2.0, 0.5], atol=1e-3)


def test_in_place_under_no_grad_matches_the_optimizer():
    data = np.array([1.0, -2.0])
    w1, w2 = Tensor(data.copy(), requires_grad=True), Tensor(data.copy(), requires_grad=True)
    for w in (w1, w2):
        (w * w).sum().backward()
    optim.SGD([w1], lr=0.1).step()
    with tg.no_grad():
        w2.sub_(w2.grad, alpha=0.1)
    np.testing.assert_array_equal(w1.data, w2.data)
    assert w2.requires_grad and w2.grad_fn is None  # still the same leaf


def test_a_leaf_that_requires_grad_is_refused_in_grad_mode():
    w = Tensor(M.copy(), requires_grad=True)
    for call in (lambda: w.add_(1.0), lambda: w.fill_(1.0), lambda: w.clamp_(0.0)):
        with pytest.raises(RuntimeError, match="requires grad \\(a leaf\\).*no_grad"):
            call()
    with pytest.raises(RuntimeError, match="'-=': the tensor requires grad"):
        w -= 1.0
    np.testing.assert_array_equal(w.data, M)  # nothing was written


def test_an_ops_result_is_recorded_by_the_operator_and_refused_by_the_method():
    w = Tensor(M.copy(), requires_grad=True)
    h = w * 2.0
    before = h
    h += 1.0  # a new tensor, recorded: the gradient goes through it
    assert h is not before and h.grad_fn is not None
    np.testing.assert_array_equal(before.data, M * 2.0)  # the old value is untouched
    h.sum().backward()
    np.testing.assert_array_equal(w.grad, np.full_like(M, 2.0))
    with pytest.raises(RuntimeError, match="the result of Mul"):
        (w * 3.0).mul_(2.0)


def test_an_operand_that_requires_grad_keeps_its_gradient():
    w = Tensor(M.copy(), requires_grad=True)
    total = Tensor(np.zeros_like(M))
    total += w * 3.0  # PyTorch records this; here it is `total + w * 3`, recorded
    total.sum().backward()
    np.testing.assert_array_equal(w.grad, np.full_like(M, 3.0))
    with pytest.raises(RuntimeError, match="other operand requires grad"):
        Tensor(np.zeros_like(M)).add_(w)


def test_bad_in_place_writes_are_clear_errors_and_leave_the_data():
    ints = Tensor(np.arange(3))
    with pytest.raises(TypeError, match="div_\\(\\): cannot write the result into this "
                                        "int64 tensor of shape \\(3,\\)"):
        ints.div_(2)
    np.testing.assert_array_equal(ints.data, [0, 1, 2])
    t = Tensor(M.copy())
    with pytest.raises(ValueError, match="add_\\(\\): cannot change this float64 tensor of "
                                         "shape \\(2, 3\\)"):
        t.add_(np.ones((4, 3)))
    np.testing.assert_array_equal(t.data, M)
    frozen = M.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="mul_\\(\\)"):
        Tensor(frozen).mul_(2.0)
    with pytest.raises(ValueError, match="clamp_\\(\\): give min, max or both"):
        t.clamp_()


def test_in_place_inside_jit_replays_exactly_or_is_refused():
    def step(x):
        acc = Tensor(x) * 0.5  # made by the step: the recording may write into it
        acc += Tensor(x) * 2.0
        acc.clamp_(max=5.0)
        return acc

    jitted = tg.jit(step)
    for i in range(5):
        x = np.arange(3.0) + i
        np.testing.assert_array_equal(jitted(x).data, step(x).data)

    def into_a_constant(x):
        acc = Tensor(np.zeros(3))  # the same array on every replay: refused, not frozen
        acc += Tensor(x)
        return acc

    jitted = tg.jit(into_a_constant)
    with pytest.raises(tg.JitError, match="writes into an array the recording did not make"):
        for i in range(3):
            jitted(np.arange(3.0) + i)


def test_a_hand_written_update_replays_exactly_under_jit():
    def make():
        tg.manual_seed(0)
        return nn.Linear(3, 1)

    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)

    def step(model, x, y):
        model.zero_grad()
        loss = tg.mse_loss(model(x), Tensor(y))
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        return loss

    jitted_model, eager_model = make(), make()
    jitted = tg.jit(lambda x, y: step(jitted_model, x, y))
    for i in range(8):
        assert jitted(x + i, y + i).item() == step(eager_model, x + i, y + i).item()
        np.testing.assert_array_equal(jitted_model.weight.data, eager_model.weight.data)
        np.testing.assert_array_equal(jitted_model.bias.data, eager_model.bias.data)


def test_masked_fill_uniform_and_normal_in_place():
    t = Tensor(M.copy())
    data = t.data
    assert t.masked_fill_(t > 0, 0.0) is t and t.data is data
    np.testing.assert_array_equal(data, np.minimum(M, 0.0))
    t.masked_fill_(np.array([True, False, True]), -9.0)  # broadcast along the rows
    assert (data[:, [0, 2]] == -9.0).all() and (data[:, 1] == np.minimum(M, 0)[:, 1]).all()
    with pytest.raises(TypeError, match="mask must be a bool"):
        t.masked_fill_(np.ones(3), 1.0)
    tg.manual_seed(3)
    w = Tensor(np.zeros((200, 50), np.float32))
    w.uniform_(-0.5, 0.5)
    assert w.dtype == np.float32 and -0.5 <= w.data.min() and w.data.max() < 0.5
    assert abs(float(w.data.mean())) < 0.01
    w.normal_(2.0, 0.5)
    assert abs(float(w.data.mean()) - 2.0) < 0.01 and abs(float(w.data.std()) - 0.5) < 0.01
    tg.manual_seed(3)
    again = Tensor(np.zeros((200, 50), np.float32)).uniform_(-0.5, 0.5)
    tg.manual_seed(3)
    np.testing.assert_array_equal(again.data, Tensor(np.zeros((200, 50), np.float32))
                                  .uniform_(-0.5, 0.5).data)  # the framework generator
    p = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="uniform_|copy_"):
        p.uniform_()
    with tg.no_grad():
        p.normal_()
    assert p.requires_grad and np.all(p.data != 0)


def test_scatter_and_index_writes_in_place():
    one_hot = Tensor(np.zeros((3, 4)))
    assert one_hot.scatter_(1, np.array([[2], [0], [3]]), 1.0) is one_hot  # PyTorch's one-hot
    np.testing.assert_array_equal(one_hot.data, np.eye(4)[[2, 0, 3]])
    counts = Tensor(np.zeros(3))
    counts.scatter_add_(0, np.array([0, 2, 2, 2]), Tensor(np.ones(4)))
    assert counts.tolist() == [1.0, 0.0, 3.0]
    t = Tensor(np.zeros((2, 3)))
    data = t.data
    t.index_add_(1, np.array([1, 1]), Tensor(np.ones((2, 2))), alpha=0.5)
    t.index_fill_(0, np.array([0]), 7.0)
    t.index_copy_(1, np.array([2]), Tensor(np.array([[8.0], [9.0]])))
    assert t.data is data and t.tolist() == [[7.0, 7.0, 8.0], [0.0, 1.0, 9.0]]
    w = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="index_add_\\(\\): the tensor requires grad"):
        w.index_add_(0, np.array([0]), Tensor(np.ones(1)))
    with pytest.raises(RuntimeError, match="scatter_\\(\\): the other operand requires grad"):
        Tensor(np.zeros(3)).scatter_(0, np.array([1]), w[:1])
    with pytest.raises(tg.OpError, match="scatter: index values must be in \\[0, 3\\)"):
        Tensor(np.zeros(3)).scatter_(0, np.array([5]), 1.0)


def test_fill_diagonal_in_place():
    t = Tensor(np.zeros((3, 4)))
    assert t.fill_diagonal_(5.0) is t
    np.testing.assert_array_equal(t.data, np.eye(3, 4) * 5.0)
    with pytest.raises(RuntimeError, match="fill_diagonal_\\(\\): the tensor requires grad"):
        Tensor(np.zeros((2, 2)), requires_grad=True).fill_diagonal_(1.0)


def test_item_assignment_writes_in_place_with_numpys_indexing():
    t = Tensor(M.copy())
    array = t.data
    t[0] = -1.0
    t[t > 4] = 0.0  # a bool Tensor as the index
    t[:, Tensor(np.array([2]))] = 9.0  # an integer Tensor inside a tuple
    t[1, 0] = Tensor(np.array(7.0))  # a Tensor as the value
    assert t.data is array
    np.testing.assert_array_equal(t.data, [[-1.0, -1.0, 9.0], [7.0, 0.0, 9.0]])


def test_item_assignment_follows_the_in_place_rules():
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"'t\[index\] = value': the tensor requires grad "
                                           r"\(a leaf\)"):
        w[0] = 5.0
    with pytest.raises(RuntimeError, match=r"the result of Mul"):
        (w * 2)[1] = 0.0
    plain = Tensor(np.zeros(3))
    with pytest.raises(RuntimeError, match="the other operand requires grad"):
        plain[0] = w[0]
    with tg.no_grad():
        w[0] = 5.0
    np.testing.assert_array_equal(w.data, [5.0, 1.0, 1.0])
    assert w.requires_grad
    with pytest.raises(ValueError, match=r"'t\[index\] = value': cannot change this float64 "
                                         r"tensor of shape \(3,\) in place"):
        plain[:] = np.ones(4)


def test_scatter_takes_pytorchs_value_and_a_0d_index_into_a_vector():
    # the quickstart's one-hot target: zeros(10).scatter_(0, tensor(label), value=1)
    assert tg.zeros(10).scatter_(0, tg.tensor(3), value=1).tolist() == [0.0] * 3 + [1.0] + \
        [0.0] * 6
    grid = tg.zeros(2, 3).scatter_(1, tg.tensor([[2], [0]]), value=5.0)
    assert grid.tolist() == [[0.0, 0.0, 5.0], [5.0, 0.0, 0.0]]
    with pytest.raises(TypeError, match="either src or value"):
        tg.zeros(3).scatter_(0, tg.tensor([0]))
