"""autograd.py: the reverse-mode walk behind backward() - order, accumulation, no aliasing,
freeing the graph, retain_graph, and gradients given to backward(grad)."""
from __future__ import annotations

import gc
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

from tinygrad_np import Tensor, relu


def graph_nodes(t):
    """Every Function node reachable from `t`, found without recursion."""
    seen, stack = {}, [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen[id(fn)] = fn
        stack.extend(p.grad_fn for p in fn.parents if p.grad_fn is not None)
    return list(seen.values())


def backward_peak(loss):
    """The most memory `loss.backward()` held at once beyond what was allocated before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        loss.backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- a long chain ---------------------------------------------------------------------------------
def test_chain_of_100000_ops_without_recursion():
    """50,000 (multiply, add) pairs. The expected gradients are built by the same float64
    operations in the same order, so they must match exactly."""
    steps = 50_000
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    c = Tensor(np.array([0.5, 0.25]), requires_grad=True)
    y = x
    for _ in range(steps):
        y = y * 1.0001
        y = y + c
    assert len(graph_nodes(y)) == 2 * steps
    y.backward(Tensor(np.ones(2)))

    g = np.ones(2)
    c_grad = None
    for _ in range(steps):  # walking back from the end: the add, then the multiply
        c_grad = g.copy() if c_grad is None else c_grad + g
        g = g * np.float64(1.0001)
    np.testing.assert_array_equal(x.grad, g)
    np.testing.assert_array_equal(c.grad, c_grad)
    del y  # tearing down a 100,000-deep graph must not overflow the C stack either


# -- accumulation ---------------------------------------------------------------------------------
def test_a_leaf_takes_the_gradient_array_its_op_returned_without_a_copy():
    """The walk copies a gradient only when another .grad (or the caller's seed) shares it.
    The seed array it makes for a scalar loss dies early in the walk, and a later array
    could be given its id: that must not pass for sharing (it did: the MNIST step copied its
    bias gradient on 999 steps of 1000)."""
    from tinygrad_np import Function

    returned = []

    class Twice(Function):
        def forward(ctx, a):
            return a * 2

        def backward(ctx, grad):
            returned.append(grad * 2)
            return returned[-1]

    w = Tensor(np.arange(10.0), requires_grad=True)
    for _ in range(200):
        w.grad = None
        Twice.apply(w).l2().backward()  # l2 backward: grad * x, not a view of the seed
        assert w.grad is returned[-1]
        returned.clear()


def test_tensor_used_twice_adds_both_contributions():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)
    x.zero_grad()
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])
    x.zero_grad()
    (x * x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, 3 * x.data ** 2)


def test_diamond_graph():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = x.exp()
    left, right = y * 3.0, y * y
    out = (left + right).sum()  # 3e^x + e^{2x}
    out.backward()
    e = np.exp(x.data)
    np.testing.assert_allclose(x.grad, 3 * e + 2 * e * e, rtol=1e-15)


def test_diamond_with_shared_intermediate_and_different_path_lengths():
    x = Tensor(np.array([2.0]), requires_grad=True)
    a = x * 3  # 3x
    b = a * a  # 9x^2
    c = b + a  # 9x^2 + 3x
    d = c * a  # 27x^3 + 9x^2
    d.backward()
    assert x.grad[0] == 81 * 4 + 18 * 2  # 81x^2 + 18x at x=2


def test_wide_fan_out():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    total = x * 0.0
    for k in range(1, 501):
        total = total + x * float(k)
    total.sum().backward()
    np.testing.assert_array_equal(x.grad, [125250.0, 125250.0])


def test_backward_twice_on_fresh_graphs_accumulates():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 3)


def test_only_tensors_that_require_grad_get_a_gradient():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]))
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad, b.data)
    assert b.grad is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_has_the_shape_and_dtype_of_the_data(dtype):
    a = Tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    b = Tensor(np.ones(3, dtype=dtype), requires_grad=True)
    ((a * b).exp().sum(axis=0) * 0.5).mean().backward()
    assert type(a.grad) is np.ndarray and a.grad.shape == (2, 3) and a.grad.dtype == dtype
    assert type(b.grad) is np.ndarray and b.grad.shape == (3,) and b.grad.dtype == dtype


# -- no aliasing between gradients -----------------------------------------------------------------
def test_two_leaves_never_share_gradient_memory():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([4.0, 5.0, 6.0]), requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad[0] = 99.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0, 1.0])


def test_add_of_same_shapes_with_a_given_gradient_copies_it():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    c = Tensor(np.array([5.0, 6.0]), requires_grad=True)
    g = np.array([1.0, 10.0])
    (a + b + c).backward(Tensor(g))
    grads = [a.grad, b.grad, c.grad]
    for i, gi in enumerate(grads):
        np.testing.assert_array_equal(gi, g)
        assert not np.shares_memory(gi, g)
        for gj in grads[i + 1:]:
            assert not np.shares_memory(gi, gj)


def test_leaf_gradient_is_not_a_view_of_an_intermediate_gradient():
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    b = Tensor(np.array([1.0, 1.0, 1.0, 1.0]), requires_grad=True)
    (a.reshape(-1) + b).sum().backward()  # a gets a reshaped view of b's array, unless copied
    assert not np.shares_memory(a.grad, b.grad)
    a.grad[0, 0] = -1.0
    np.testing.assert_array_equal(b.grad, np.ones(4))


def test_an_array_returned_for_two_inputs_is_never_added_into():
    """Add.backward hands one array to both its inputs; when one of them then gets a second
    share while the other still waits, the sum must go to a new array, or the waiting input's
    gradient changes too. (p + q) * 3 hands one fresh array to p and q; p * 5 and q * 7 give
    each a second share; in these two orders the walk meets the shared array first."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for second_shares in (lambda p, q: p * 5.0 + q * 7.0, lambda p, q: q * 7.0 + p * 5.0):
        x.zero_grad()
        p, q = x * 1.0, x * 2.0
        (second_shares(p, q) + (p + q) * 3.0).sum().backward()
        np.testing.assert_array_equal(x.grad, [28.0, 28.0])  # (3 + 5) * 1 + (3 + 7) * 2


def test_shares_of_a_weight_are_summed_without_a_third_weight_sized_array():
    """W reaches the loss through a matmul and the L2 penalty: two weight-sized shares. The
    walk adds the second into the first (it holds the only reference), so backward never has
    three weight-sized arrays alive at once (on Python 3.14+ it does not rely on reference
    counts and allocates the sum). Decided by the Python version here, not by the engine's own
    flag, so the test fails if the in-place add stops happening where it should."""
    rng = np.random.default_rng(0)
    w = Tensor(rng.standard_normal((500, 200)).astype(np.float32), requires_grad=True)
    x = Tensor(rng.standard_normal((4, 500)).astype(np.float32))
    loss = (x @ w).sum() + 1e-3 * w.l2()
    peak = backward_peak(loss)
    weight = w.data.nbytes
    in_place = sys.version_info < (3, 14)
    assert peak < (2.5 if in_place else 3.5) * weight, (peak / weight, in_place)
    np.testing.assert_allclose(w.grad, x.data.sum(axis=0)[:, None] + 1e-3 * w.data, rtol=1e-5)


def test_a_held_gradient_array_is_not_changed_by_a_later_backward():
    """Accumulating into .grad must not write into an array the user (or an optimizer) still
    holds from before."""
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (a * 2).sum().backward()
    held = a.grad
    snapshot = held.copy()
    (a * 5).sum().backward()
    np.testing.assert_array_equal(held, snapshot)
    np.testing.assert_array_equal(a.grad, [7.0, 7.0])


def test_leaf_as_root_with_a_given_gradient():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    g = np.array([3.0, 4.0])
    a.backward(Tensor(g))
    np.testing.assert_array_equal(a.grad, g)
    assert not np.shares_memory(a.grad, g)


# -- backward(grad) for a non-scalar ---------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ndarray", "tensor", "list"])
def test_backward_with_a_gradient_for_a_non_scalar(kind):
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = x * x
    g = np.array([[1.0, 0.5], [-1.0, 2.0]])
    given = {"ndarray": g, "tensor": Tensor(g), "list": g.tolist()}[kind]
    y.backward(given)
    np.testing.assert_array_equal(x.grad, 2 * x.data * g)
    np.testing.assert_array_equal(g, [[1.0, 0.5], [-1.0, 2.0]])  # the given array is untouched


def test_backward_gradient_of_another_dtype_is_cast():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x * 3).backward(np.array([1.0, 2.0]))  # float64 gradient for a float32 tensor
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])


# -- freeing the graph -----------------------------------------------------------------------------
def _small_graph():
    x = Tensor(np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]), requires_grad=True)
    w = Tensor(np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.1]]), requires_grad=True)
    loss = ((x @ w).sigmoid() * (x.sum(axis=0)[:2] + 1.0)).exp().mean() + w.l2()
    return x, w, loss


def test_backward_frees_every_node_saved_arrays():
    _, _, loss = _small_graph()
    nodes = graph_nodes(loss)
    assert len(nodes) >= 8
    loss.backward()
    assert all(fn.saved_tensors is None for fn in nodes), [type(f).__name__ for f in nodes
                                                          if f.saved_tensors is not None]


def test_retain_graph_second_backward_doubles_exactly_for_a_leaf_on_several_paths():
    """The second backward adds *the same gradient* again, so .grad is exactly twice the
    first - also for leaves reached along several paths (x through @ and through sum, w
    through @ and l2). Adding each path's contribution into .grad one by one gives
    ((p1 + p2) + p1) + p2, which differs from 2 * (p1 + p2) in the last bit."""
    x, w, loss = _small_graph()
    loss.backward(retain_graph=True)
    assert all(fn.saved_tensors is not None for fn in graph_nodes(loss))
    gx, gw = x.grad.copy(), w.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * gx)
    np.testing.assert_array_equal(w.grad, 2 * gw)


def test_second_backward_through_a_freed_graph_is_a_clear_error():
    x, _, loss = _small_graph()
    loss.backward()
    grad_before = x.grad.copy()
    with pytest.raises(RuntimeError, match="retain_graph"):
        loss.backward()
    np.testing.assert_array_equal(x.grad, grad_before)


def test_an_array_saved_only_for_backward_is_freed_right_after_it():
    """The fused cross-entropy saves softmax probabilities that no tensor holds: once
    backward() has used them they must go, even while the loss tensor is still alive."""
    logits = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    loss = logits.softmax_cross_entropy(np.array([0, 1, 2, 0]))
    probs = weakref.ref(loss.grad_fn.saved_tensors[0])
    assert probs() is not None
    loss.backward()
    assert probs() is None


def test_graph_is_freed_by_reference_counting_alone():
    """With the garbage collector off, dropping the outputs frees every intermediate array:
    the graph holds no reference cycles (no closures, ctx -> output is a weakref)."""
    gc.collect()
    gc.disable()
    try:
        x = Tensor(np.ones((3, 4)), requires_grad=True)
        w = Tensor(np.full((4, 2), 0.5), requires_grad=True)
        h = relu(x @ w)
        h.retain_grad()
        loss = (h.exp() * 2.0).sum()
        refs = [weakref.ref(fn.parents[0].data) for fn in graph_nodes(loss)
                if fn.parents[0].grad_fn is not None]
        refs.append(weakref.ref(h.data))
        refs.append(weakref.ref(h))
        assert len(refs) >= 5 and all(r() is not None for r in refs)
        loss.backward()
        del loss, h
        assert [r() is None for r in refs] == [True] * len(refs)
        assert x.grad is not None and w.grad is not None
    finally:
        gc.enable()


def test_memory_stays_flat_over_200_training_steps():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 8))
    y = rng.integers(0, 3, size=16)
    w1 = Tensor(rng.standard_normal((8, 16)) * 0.3, requires_grad=True)
    b1 = Tensor(np.zeros(16), requires_grad=True)
    w2 = Tensor(rng.standard_normal((16, 3)) * 0.3, requires_grad=True)
    b2 = Tensor(np.zeros(3), requires_grad=True)
    params = [w1, b1, w2, b2]

    def step():
        loss = (relu(Tensor(x) @ w1 + b1) @ w2 + b2).softmax_cross_entropy(y) \
            + 1e-3 * (w1.l2() + w2.l2())
        loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad
            p.zero_grad()
        return loss.item()

    tracemalloc.start()
    try:
        for _ in range(20):  # warm up: caches, first-use allocations
            first = step()
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(200):
            last = step()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last < first  # it trains
    # One step allocates ~10 KiB of arrays; a leak of a single graph per step would add
    # ~2 MiB over 200 steps.
    assert after - before < 32 * 1024, f"memory grew by {after - before} bytes over 200 steps"


def test_two_threads_backward_into_one_shared_leaf_lose_no_addition():
    """Accumulation into .grad is serialised (docs/engine.md, "Threads"): each thread's graph
    is its own, only the final add into the shared leaf's .grad takes a lock. Without it,
    both threads read the same old .grad and one addition was lost (10-30% of them)."""
    import threading

    # big enough that numpy lets go of the GIL while it adds: the other thread runs then
    w = Tensor(np.ones(100_000), requires_grad=True)
    steps, threads_n = 100, 2
    start = threading.Barrier(threads_n)

    def work():
        start.wait()
        for _ in range(steps):
            (w * 2.0).sum().backward()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows at once
    try:
        threads = [threading.Thread(target=work) for _ in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    np.testing.assert_array_equal(w.grad, np.full(w.shape, 2.0 * steps * threads_n))


# -- a backward writing into a gradient only the walk holds ---------------------------------------
def test_relu_masks_a_gradient_only_the_walk_holds_in_place():
    """`relu(h) * c`: Mul's backward makes a fresh array that only the walk holds, so Relu's
    backward masks it where it lies instead of allocating a second (200, 500) array."""
    rng = np.random.default_rng(0)
    h = Tensor(rng.standard_normal((200, 500)), requires_grad=True)
    c = Tensor(rng.standard_normal((200, 500)))
    loss = (relu(h) * c).sum()
    size = h.data.nbytes
    peak = backward_peak(loss)
    # the (200, 500) gradient, ReLU's mask (an eighth of it) and little else; a second
    # full-size array would make it 2.1x
    in_place = sys.version_info < (3, 14)
    assert peak < (1.6 if in_place else 2.6) * size, peak / size
    np.testing.assert_array_equal(h.grad, c.data * (h.data > 0))


def test_a_gradient_shared_by_two_relus_is_masked_for_each_apart():
    # Add's backward hands the same array to both of its inputs: neither ReLU may write
    # into it, or the second would see the first one's mask
    rng = np.random.default_rng(1)
    a, b = (Tensor(rng.standard_normal((50, 40)), requires_grad=True) for _ in range(2))
    c = rng.standard_normal((50, 40))
    ((relu(a) + relu(b)) * c).sum().backward()
    np.testing.assert_array_equal(a.grad, c * (a.data > 0))
    np.testing.assert_array_equal(b.grad, c * (b.data > 0))


def test_a_relu_never_writes_into_a_gradient_someone_else_holds():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((30, 20)), requires_grad=True)
    c = rng.standard_normal((30, 20))
    # the caller's own gradient array
    given = rng.standard_normal((30, 20))
    kept = given.copy()
    relu(x).backward(given)
    np.testing.assert_array_equal(given, kept)
    np.testing.assert_array_equal(x.grad, kept * (x.data > 0))
    # an intermediate that retains its gradient
    x.grad = None
    y = x * 1.0
    y.retain_grad()
    z = relu(y) * c
    w = z * 1.0
    w.retain_grad()
    (w * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((30, 20), 2.0))
    np.testing.assert_array_equal(y.grad, 2.0 * c * (x.data > 0))
    # a hook that keeps the gradient it sees
    x.grad = None
    seen = []
    v = relu(x * 1.0)
    u = v * c
    u.register_hook(lambda g: seen.append(g))
    u.sum().backward()
    np.testing.assert_array_equal(seen[0], np.ones((30, 20)))


def test_backward_with_inputs_fills_only_those():
    # PyTorch 2.13: (h * h).sum().backward(inputs=[x]) with h = x * w gives x.grad
    # 2 * w^2 * x = [18, 144] and leaves w.grad None
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 6.0]), requires_grad=True)
    h = x * w
    (h * h).sum().backward(inputs=[x], retain_graph=True)
    assert x.grad.tolist() == [18.0, 144.0] and w.grad is None
    (h * h).sum().backward(inputs=x)  # accumulates, as backward does
    assert x.grad.tolist() == [36.0, 288.0]
    y = x * w
    (y * y).sum().backward(inputs=[y])  # an intermediate gets its .grad too
    assert y.grad.tolist() == [6.0, 24.0] and w.grad is None


def test_torch_autograd_names_are_in_tinygrad_np_autograd():
    import tinygrad_np as tg
    import tinygrad_np.autograd as autograd

    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert autograd.grad((x * x).sum(), x)[0].tolist() == [2.0, 4.0]
    autograd.backward([(x * x).sum(), (3 * x).sum()])
    assert x.grad.tolist() == [5.0, 7.0]
    assert autograd.functional.jacobian(lambda t: t ** 2, x).tolist() == [[2.0, 0.0],
                                                                           [0.0, 4.0]]
    assert autograd.Function is tg.Function and autograd.no_grad is tg.no_grad
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        autograd.nothing  # noqa: B018
