"""jit's footguns, one test each: every way a replay could differ from the function as
written is replayed exactly, refused with a JitError, or run as written with a warning
(docs/jit.md, "Footguns", says which and why). Calls 1, 2 and 3+ of a jitted function are
the call as written, the recording and the replays."""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import tinygrad_np
from tinygrad_np import Function, JitError, Tensor, jit, optim, relu
from tinygrad_np.grad_mode import config


def params(seed=0):
    rng = np.random.default_rng(seed)
    return [Tensor(rng.normal(0, 0.5, s), requires_grad=True) for s in ((4, 3), (3,))]


def data(call):
    rng = np.random.default_rng(100 + call)
    return rng.normal(size=(5, 4)), rng.integers(0, 3, 5)


def same_as_eager(make, calls=6, args=data, reset=True):
    """Run make() twice (two fresh worlds), one jitted; every call's result and the
    parameters' data and grads must be equal bit for bit."""
    eager_fn, eager_ps = make()
    jit_fn, jit_ps = make()
    jitted = jit(jit_fn)
    for call in range(calls):
        for fn, ps in ((eager_fn, eager_ps), (jitted, jit_ps)):
            if reset:
                for p in ps:
                    p.grad = None
            out = fn(*args(call))
            if fn is eager_fn:
                expected = out
        np.testing.assert_array_equal(np.asarray(out.data), np.asarray(expected.data))
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)
            np.testing.assert_array_equal(p.grad, q.grad)
    return jitted


def test_nested_jit_records_through_and_drops_nothing():
    worlds = []

    def make():  # the first world, eager, calls the inner function unjitted
        w, b = params()
        inner = (lambda x: Tensor(x) @ w) if not worlds else jit(lambda x: Tensor(x) @ w)
        worlds.append(inner)

        def outer(x, y):
            h = inner(x)  # a jitted function called from a jitted function
            loss = (h + b).softmax_cross_entropy(y) * 2.0  # work after the inner call
            loss.backward()
            return loss
        return outer, [w, b]

    jitted = same_as_eager(make)
    assert len(jitted.replays) == 1


def optimizer_step(w, b, opt, first=None):
    """The softmax regression step over w, b with the optimizer's zero_grad and step
    inside; `first()`, if given, runs at its top."""
    def step(x, y):
        if first is not None:
            first()
        opt.zero_grad()
        loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
        loss.backward()
        opt.step()
        return loss
    return step


def plain_step():
    """A fresh world: the softmax regression step over new parameters w, b."""
    w, b = params()

    def step(x, y):
        loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
        loss.backward()
        return loss

    return step, [w, b]


def test_a_changed_requires_grad_is_guarded():
    eager_fn, eager_ps = plain_step()
    jit_fn, jit_ps = plain_step()
    jitted = jit(jit_fn)
    for call in range(8):
        frozen = 3 <= call < 6  # frozen after the replays began, then thawed
        for fn, ps in ((eager_fn, eager_ps), (jitted, jit_ps)):
            ps[0].requires_grad_(not frozen)
            for p in ps:
                p.grad = None
            fn(*data(call))
        assert (jit_ps[0].grad is None) == frozen
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.grad, q.grad)


def test_recording_is_per_thread_and_undone_in_finally():
    w, b = params()
    x, y = data(0)
    # locks, not Events: an Event's flag is a plain attribute, and a function that sets one
    # has a Python side effect, on which its recording gives up (a lock's state is not seen)
    recording, release = threading.Lock(), threading.Lock()
    recording.acquire()
    release.acquire()
    pause = threading.Lock()  # held: the recording thread pauses inside the function

    def fn(x, y):
        h = Tensor(x) @ w  # w is bound now: its .data is a stand-in while recording
        if pause.locked():
            recording.release()
            assert release.acquire(timeout=10)
        loss = (h + b).softmax_cross_entropy(y)
        loss.backward()
        return loss

    jitted = jit(fn)
    jitted(x, y)
    pause.acquire()
    thread = threading.Thread(target=jitted, args=(x, y))
    thread.start()
    assert recording.acquire(timeout=10)
    # this thread, meanwhile: its ops run eagerly and nothing of them is recorded
    assert config.recorder is None
    other = (Tensor(x * 2.0) @ w).sum()
    assert float(other.item()) == pytest.approx(float((x * 2.0 @ w.data.value).sum()))
    release.release()
    thread.join(10)
    pause.release()
    assert type(w.data) is np.ndarray and type(b.data) is np.ndarray
    w.grad = b.grad = None
    expected = fn(x, y).data
    w.grad = b.grad = None
    np.testing.assert_array_equal(jitted(x, y).data, expected)

    def fails(x, y):
        (Tensor(x) @ w).sum().backward()
        raise ValueError("bad batch")

    failing = jit(fails)
    for _ in range(2):
        with pytest.raises(ValueError, match="bad batch"):
            failing(x, y)
    assert config.recorder is None  # removed in finally
    assert type(w.data) is np.ndarray and type(w.grad) is np.ndarray


class Dropout(Function):
    """Dropout written the way the framework's own will be: its mask from get_generator()."""

    def forward(ctx, x, p=0.5):
        keep = tinygrad_np.random.get_generator().random(x.shape) >= p
        ctx.save_for_backward(keep)
        return x * keep / (1 - p)

    def backward(ctx, grad):
        keep, = ctx.saved_tensors
        return grad * keep / 0.5


def test_framework_random_draws_are_fresh_on_every_replay():
    def make():
        w, b = params()

        def fn(x, y):
            loss = (Dropout.apply(relu(Tensor(x) @ w)) + b).softmax_cross_entropy(y)
            loss.backward()
            return loss
        return fn, [w, b]

    eager_fn, eager_ps = make()
    jit_fn, jit_ps = make()
    jitted = jit(jit_fn)
    losses = []
    for call in range(6):
        results = []
        for fn, ps in ((eager_fn, eager_ps), (jitted, jit_ps)):
            tinygrad_np.manual_seed(call)  # the same stream for both
            for p in ps:
                p.grad = None
            results.append(fn(*data(0)).data)  # the same data: only the masks differ
        np.testing.assert_array_equal(results[0], results[1])
        np.testing.assert_array_equal(jit_ps[0].grad, eager_ps[0].grad)
        losses.append(float(results[1]))
    assert len(set(losses)) > 1  # each replay drew its own masks


def test_draws_before_a_guard_that_fails_leave_the_generator_for_the_call_as_written():
    """A replay draws its dropout mask, then a guard fails (here: the branch on the labels'
    maximum). The call then runs as written, from the generator as the replay found it: the
    same mask as eager, not the next one."""
    def make():
        w, b = params()

        def fn(x, y):
            h = tinygrad_np.dropout(Tensor(x) @ w, 0.5, training=True) + b
            if y.max() > 1:  # Python branches on a value: guarded
                h = h * 2.0
            loss = h.softmax_cross_entropy(y)
            loss.backward()
            return loss
        return fn, [w, b]

    eager_fn, eager_ps = make()
    jit_fn, jit_ps = make()
    jitted = jit(jit_fn)
    labels = [np.array([0, 2, 1, 2, 0]), np.array([0, 2, 1, 2, 0]), np.array([0, 1, 1, 0, 0]),
              np.array([0, 2, 2, 1, 0]), np.array([1, 1, 0, 0, 1])]
    for call, y in enumerate(labels):
        x = data(call)[0]
        results = []
        for fn, ps in ((eager_fn, eager_ps), (jitted, jit_ps)):
            tinygrad_np.manual_seed(call)
            for p in ps:
                p.grad = None
            results.append(fn(x, y).data)
            results.append(tinygrad_np.random.get_generator().random())  # where it was left
        assert results[0] == results[2] and results[1] == results[3]
        np.testing.assert_array_equal(jit_ps[0].grad, eager_ps[0].grad)


def test_labels_through_one_hot_and_gather_are_read_afresh():
    """one_hot and gather take the labels of the day on every replay (no recording anew for
    each new batch of labels: they are read as an array, not as a value)."""
    def make():
        w, b = params()

        def fn(x, y):
            target = tinygrad_np.one_hot(y, 3).data.astype(x.dtype)
            picked = tinygrad_np.gather(Tensor(x) @ w + b, 1, y[:, None])
            loss = ((Tensor(x) @ w + b) * Tensor(target)).sum() + picked.sum()
            loss.backward()
            return loss
        return fn, [w, b]

    jitted = same_as_eager(make, calls=6)
    assert jitted.recordings == 1


def test_a_draw_from_another_generator_runs_as_written_with_a_warning():
    w, _ = params()
    rng = np.random.default_rng(0)
    jitted = jit(lambda x: (Tensor(x) * rng.random(x.shape) @ w).sum())
    x = data(0)[0]
    jitted(x)
    with pytest.warns(RuntimeWarning, match="other than tinygrad_np.random.get_generator"):
        jitted(x)
    check = np.random.default_rng(0)
    check.random(x.shape), check.random(x.shape)
    for _ in range(3):  # as written: fresh numbers from rng on every call
        assert float(jitted(x).item()) == pytest.approx(
            float((x * check.random(x.shape) @ w.data).sum()))


@pytest.mark.parametrize("generator", ["module", "instance"])
def test_a_draw_from_pythons_random_runs_as_written_with_a_warning(generator):
    # random.random() was frozen at its recorded number on every replay, silently
    import random

    draw = random.random if generator == "module" else random.Random(0).random
    jitted = jit(lambda x: Tensor(x) * draw())
    x = np.ones(3)
    jitted(x)
    with pytest.warns(RuntimeWarning, match="numpy's or Python's random"):
        jitted(x)
    results = {float(jitted(x).data[0]) for _ in range(4)}
    assert len(results) == 4  # fresh numbers on every call


def test_seeding_inside_the_function_runs_as_written_with_a_warning():
    w, _ = params()

    def fn(x):
        tinygrad_np.manual_seed(7)  # the function reseeds: every call draws the same mask
        mask = tinygrad_np.random.get_generator().random(x.shape) < 0.5
        return (Tensor(x * mask) @ w).sum()

    jitted = jit(fn)
    x = data(0)[0]
    expected = float(fn(x).item())
    jitted(x)
    with pytest.warns(RuntimeWarning, match="manual_seed"):
        assert float(jitted(x).item()) == expected
    for _ in range(2):
        assert float(jitted(x).item()) == expected


def test_ndarray_at_tensor_while_recording_is_a_tensor():
    def make():
        w, b = params()

        def fn(x, y):
            h = x @ w  # x: the raw array argument, as a DataLoader yields it
            assert isinstance(h, Tensor)
            loss = (h + b).softmax_cross_entropy(y)
            loss.backward()
            return loss
        return fn, [w, b]

    same_as_eager(make)


class Standardize(Function):
    """An op body using ndarray methods no list names (std, var, round, clip)."""

    def forward(ctx, x):
        out = (x - x.mean()) / x.std()
        ctx.save_for_backward(out, x.std())
        return out.clip(-10, 10).round(12)

    def backward(ctx, grad):
        out, std = ctx.saved_tensors
        n = out.size
        return (grad - grad.mean() - out * (grad * out).mean()) / std * (n / n) + 0 * out.var()


def test_unlisted_ndarray_methods_replay():
    def make():
        w, b = params()

        def fn(x, y):
            loss = (Standardize.apply(Tensor(x) @ w) + b).softmax_cross_entropy(y)
            loss.backward()
            return loss
        return fn, [w, b]

    same_as_eager(make)


def test_recordings_are_bounded_and_then_run_as_written_with_one_warning():
    w, _ = params()
    jitted = jit(lambda x, scale: (Tensor(x) @ w * scale).sum(), max_recordings=4)
    x = data(0)[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(50):  # a Python number that changes on every call
            scale = 1.0 + call
            got = float(jitted(x, scale).item())
            assert got == pytest.approx(float((x @ w.data * scale).sum()))
            jitted(x, scale)  # and the same value again: its recording
    limit = [w for w in caught if "max_recordings=4" in str(w.message)]
    assert len(limit) == 1
    assert jitted.recordings == 4 and len(jitted.replays) <= 5

    once = jit(lambda x, scale: (Tensor(x) @ w * scale).sum(), max_recordings=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(1000):  # a new value on every call: seen once, never recorded
            assert float(once(x, call + 0.5).item()) == pytest.approx(
                float((x @ w.data * (call + 0.5)).sum()))
    assert len([w for w in caught if "max_recordings=4" in str(w.message)]) == 1
    assert len(once.replays) <= 16


def test_keyword_arguments_work():
    def make():
        w, b = params()

        def fn(x, *, y, scale=1.0):
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y) * scale
            loss.backward()
            return loss
        return (lambda x, y: fn(x, y=y, scale=0.5)), [w, b]

    def make_jitted():  # the keyword arguments reach the jitted function itself
        w, b = params()

        def fn(x, *, y, scale=1.0):
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y) * scale
            loss.backward()
            return loss
        jitted = jit(fn)
        return (lambda x, y: jitted(x, y=y, scale=0.5)), [w, b], jitted

    eager_fn, eager_ps = make()
    call_jitted, jit_ps, jitted = make_jitted()
    for call in range(5):
        for p in eager_ps + jit_ps:
            p.grad = None
        expected = eager_fn(*data(call)).data
        np.testing.assert_array_equal(call_jitted(*data(call)).data, expected)
        np.testing.assert_array_equal(jit_ps[0].grad, eager_ps[0].grad)
    assert isinstance(next(iter(jitted.replays.values())), type(lambda: 0))


def test_a_tensor_kept_past_the_call_runs_as_written_with_a_warning():
    w, b = params()
    history = []

    def fn(x, y):
        loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
        history.append(loss)  # Python side effect keeping a tensor the function made
        loss.backward()
        return loss

    jitted = jit(fn)
    jitted(*data(0))
    with pytest.warns(RuntimeWarning, match="kept after it returns"):
        jitted(*data(1))
    jitted(*data(2))
    assert len(history) == 3  # every call appended: it ran as written
    assert all(type(t.data) is np.ndarray for t in history)


def test_resetting_a_grad_before_any_op_reads_it_replays():
    w, b = params()

    def fn(x, y):
        w.grad = b.grad = None  # by hand, at the top: before any op has read w or b
        loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
        loss.backward()
        return loss

    jitted = jit(fn)
    x, y = data(0)
    for _ in range(4):  # without the replayed reset, the gradients would add up
        jitted(x, y)
        grad = w.grad.copy()
    w.grad = b.grad = None
    fn(x, y)
    np.testing.assert_array_equal(grad, w.grad)


def test_assigning_to_a_tensor_no_op_reads_runs_as_written_with_a_warning():
    w, _ = params()
    unused = Tensor(np.ones(3), requires_grad=True)
    unused.grad = np.ones(3)

    def fn(x):
        unused.grad = None  # a tensor the function's ops never read
        return (Tensor(x) @ w).sum()

    jitted = jit(fn)
    jitted(data(0)[0])
    unused.grad = np.ones(3)
    with pytest.warns(RuntimeWarning, match="no op of it reads"):
        jitted(data(0)[0])
    unused.grad = np.ones(3)
    jitted(data(0)[0])
    assert unused.grad is None


@pytest.mark.parametrize("by_hand", ["write data", "zero grad", "new data", "new data, then step"])
def test_plain_numpy_on_a_tensor_before_any_op_reads_it_runs_as_written_with_a_warning(by_hand):
    """Writes into .data or .grad with plain numpy, and a new array given to .data, before
    any op of the step reads the tensor: a replay would not redo them (it froze the write,
    kept adding into the old gradient, or kept the recorded array, which the optimizer had
    since updated), so such a step runs as written."""
    def make():
        w, b = params()
        w.grad = np.zeros_like(w.data)
        opt = optim.SGD([w, b], lr=0.1)

        def step(x, y):
            if by_hand == "write data":
                w.data[0, 0] += 1.0
            elif by_hand == "zero grad":
                w.grad[...] = 0.0
            else:
                w.data = np.full((4, 3), 0.5) if by_hand.endswith("step") else w.data * 0.5
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
            loss.backward()
            if by_hand == "new data, then step":
                opt.step()
            return loss
        return step, [w, b]

    with pytest.warns(RuntimeWarning, match="before any op reads it"):
        same_as_eager(make, reset=False)


@pytest.mark.parametrize("by_hand", ["learning rate", "counter", "list", "batches", "array",
                                     "new object"])
def test_a_python_value_assigned_in_an_object_it_reaches_runs_as_written_with_a_warning(
        by_hand):
    """A learning rate set by hand in param_groups, a counter on an object, a number added
    to a list, the next batch taken from an iterator of one's own, a count kept in an array
    by plain numpy, an object made anew: Python a replay would not run, so the step would
    keep its recorded learning rate, batch or layer. It runs as written."""
    class Batches:  # an iterator of one's own, as a data loader is
        def __init__(self):
            self.at = 0

        def next(self):
            self.at += 1
            return data(self.at)

    def make():
        w, b = params()
        opt = optim.SGD([w, b], lr=0.5)
        box, history, batches, seen = Batches(), [], Batches(), np.zeros(3)

        def step(x, y):
            if by_hand == "batches":
                x, y = batches.next()
            opt.zero_grad()
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
            loss.backward()
            opt.step()
            if by_hand == "learning rate":
                opt.param_groups[0]["lr"] *= 0.5
            elif by_hand == "counter":
                box.at += 1
            elif by_hand == "list":
                history.append(len(history))
            elif by_hand == "array":
                seen[1] += 1
            elif by_hand == "new object":
                box.helper = Batches()  # made anew on every call, as a layer rebuilt inside
            return loss
        return step, [w, b]

    with pytest.warns(RuntimeWarning, match="Python value held in an object it can reach"):
        same_as_eager(make)


def test_requires_grad_changed_by_the_function_itself_runs_as_written_with_a_warning():
    """Freezing a weight on alternate calls inside the step: the guard on requires_grad is
    read where the replay finds the tensor, and a replay would not flip it again."""
    def make():
        w, b = params()
        return optimizer_step(w, b, optim.SGD([w, b], lr=0.5),
                              first=lambda: w.requires_grad_(not w.requires_grad)), [w, b]

    with pytest.warns(RuntimeWarning, match="changes requires_grad"):
        same_as_eager(make, reset=False, calls=7)


COEF, CONFIG = [1.0], {"scale": 1.0}


class Options:
    scale = 1.0


OPTIONS = Options()


def test_python_numbers_held_in_lists_dicts_and_objects_are_checked_on_every_replay():
    """A number read from a list item, a dict item or an object's attribute and changed
    between calls: the replay kept the recorded number. Only attributes some code of the
    function names are checked, so a loop's own step counter on the same object does not
    make every call record anew."""
    w, _ = params()

    def fn(x):
        h = Tensor(x) @ w
        return h.sum() * COEF[0] + h.mean() * CONFIG["scale"] + h.max() * OPTIONS.scale

    jitted = jit(fn)
    x = data(0)[0]
    for call in range(8):
        COEF[0] = CONFIG["scale"] = OPTIONS.scale = 1.0 + (call >= 4)
        OPTIONS.steps = call  # a counter no code of fn names
        np.testing.assert_array_equal(jitted(x).data, fn(x).data)
    assert jitted.recordings == 2  # once for each setting, not once per step


def test_python_numbers_a_modules_forward_reads_from_its_containers_are_checked():
    """A module keeping a number in a dict or list it reads in forward (or in a helper
    method): changed between calls, the replay kept the recorded number."""
    class Scaled(tinygrad_np.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = Tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
            self.cfg, self.factors = {"t": 1.0}, [1.0]

        def forward(self, x):
            return (Tensor(x) @ self.w).sum() * self.cfg["t"] * self._factor()

        def _factor(self):
            return self.factors[0]

    model = Scaled()
    jitted = jit(lambda x: model(x))
    x = data(0)[0]
    for call in range(8):
        model.cfg["t"], model.factors[0] = 1.0 + (call >= 3), 1.0 + (call >= 5)
        np.testing.assert_array_equal(jitted(x).data, model(x).data)


SCALE_ARRAY = np.array(2.0)


def test_a_global_array_rebound_after_recording_records_anew():
    """A numpy array from outside is a constant of the recording, read by reference (its
    numbers may change); given another array, the replay used to read the old one."""
    global SCALE_ARRAY
    w, _ = params()

    def fn(x):
        return (Tensor(x) @ w * SCALE_ARRAY).sum()

    jitted = jit(fn)
    x = data(0)[0]
    for scale in (2.0, 2.0, 2.0, 3.0, 3.0, 3.0):
        SCALE_ARRAY = np.array(scale)
        np.testing.assert_array_equal(jitted(x).data, fn(x).data)
    SCALE_ARRAY[...] = 5.0  # its numbers changed in place: read as they are now
    np.testing.assert_array_equal(jitted(x).data, fn(x).data)


def test_writing_into_a_tensor_no_op_reads_runs_as_written_with_a_warning():
    w, _ = params()
    counter = Tensor(np.zeros(1))

    def fn(x):
        counter.data += 1  # plain numpy on a tensor the function's ops never read
        return (Tensor(x) @ w).sum()

    jitted = jit(fn)
    jitted(data(0)[0])
    with pytest.warns(RuntimeWarning, match="no op of it reads"):
        jitted(data(1)[0])  # the recording, which gives up
    jitted(data(2)[0])
    assert counter.data[0] == 3  # every call wrote, as written


class MadeByHand(Function):
    """A backward that writes a value computed from its inputs into an array it made with
    np.zeros (numpy takes the value's numbers: np.asarray on a stand-in)."""

    def forward(ctx, a):
        return a.sum()

    def backward(ctx, grad):
        out = np.zeros(4)
        out[1:3] = grad
        return out


def test_numbers_numpy_takes_from_a_recorded_array_are_checked_on_every_call():
    w = Tensor(np.ones(4), requires_grad=True)

    def fn(x, scale):
        loss = MadeByHand.apply(w) * Tensor(x)
        loss.backward()
        return loss

    jitted = jit(fn)
    for _ in range(6):  # the same x: the numbers are the same, the replay is used
        w.grad = None
        jitted(np.array(2.0), 1)
        np.testing.assert_array_equal(w.grad, [0.0, 2.0, 2.0, 0.0])
    assert jitted.recordings == 1
    for value in (3.0, 3.0, 5.0):  # other numbers: as written (and recorded anew)
        w.grad = None
        jitted(np.array(value), 1)
        np.testing.assert_array_equal(w.grad, [0.0, value, value, 0.0])

    def writes_through(x):
        view = np.asarray(Tensor(x).data)
        view += 1.0  # a write the recording could not see: refused by numpy, not lost
        return Tensor(x)

    through = jit(writes_through)
    through(np.ones(2))
    with pytest.raises(ValueError, match="read-only"):
        through(np.ones(2))


class RunningMean(Function):
    """An op that updates statistics kept in an array passed to it as it is (as training
    batch norm does with its running mean)."""

    def forward(ctx, x, running=None):
        running *= 0.9
        running += 0.1 * x.mean(axis=0)
        return x * 1.0

    def backward(ctx, grad):
        return grad


def test_an_op_writing_into_an_array_passed_as_it_is_replays_the_write():
    """The array is read afresh on every replay and the op's writes into it replayed: the
    statistics it keeps are eager's, call for call."""
    worlds = []
    for _ in range(2):
        w, _ = params()
        running = np.zeros(3)
        worlds.append((lambda x, w=w, running=running:
                       RunningMean.apply(Tensor(x) @ w, running=running).sum(), running))
    (eager, eager_running), (fn, jit_running) = worlds
    jitted = jit(fn)
    for call in range(6):
        x = data(call)[0]
        assert eager(x).item() == jitted(x).item()
        np.testing.assert_array_equal(jit_running, eager_running)
    assert jitted.recordings == 1


def test_an_op_writing_into_an_array_the_function_makes_runs_as_written_with_a_warning():
    """A replay would write into the recording's array again, where the function as written
    makes a new one on every call."""
    w, _ = params()
    jitted = jit(lambda x: RunningMean.apply(Tensor(x) @ w, running=np.ones(3)).data.sum())
    jitted(data(0)[0])
    with pytest.warns(RuntimeWarning, match="writes into an array that the function made"):
        jitted(data(0)[0])
    for call in range(3):
        expected = (data(call)[0] @ w.data).sum()
        assert jitted(data(call)[0]) == expected


class ScaleInPlace(Function):
    """An op that writes into its second, positional input."""

    def forward(ctx, x, kept):
        kept *= 0.5
        return x * 1.0

    def backward(ctx, grad):
        return grad, None


def test_an_op_writing_into_an_array_given_as_a_positional_input_is_refused_before_it_writes():
    w, _ = params()
    kept = np.ones(3)
    jitted = jit(lambda x: ScaleInPlace.apply(Tensor(x) @ w, kept).sum())
    jitted(data(0)[0])
    with pytest.raises(JitError, match="pass it as a keyword argument of apply"):
        jitted(data(0)[0])
    np.testing.assert_array_equal(kept, np.full(3, 0.5))  # nothing half-written
    assert kept.flags.writeable


def test_batch_norm_trains_in_a_replay_running_statistics_and_count_included():
    """nn.BatchNorm's running mean, variance and num_batches_tracked (momentum=None's
    cumulative average too) are eager's after every replayed step."""
    for momentum in (0.1, None):
        def make(momentum=momentum):
            tinygrad_np.manual_seed(0)
            model = tinygrad_np.nn.Sequential(tinygrad_np.nn.Linear(4, 5),
                                              tinygrad_np.nn.BatchNorm1d(5, momentum=momentum),
                                              tinygrad_np.nn.ReLU(), tinygrad_np.nn.Linear(5, 3))
            opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

            def step(x, y):
                opt.zero_grad()
                loss = model(x.astype(np.float32)).softmax_cross_entropy(y)
                loss.backward()
                opt.step()
                return loss
            return step, model
        (eager, eager_model), (fn, jit_model) = make(), make()
        jitted = jit(fn)
        for call in range(6):
            inputs, labels = data(call)
            assert eager(inputs, labels).item() == jitted(inputs, labels).item()
            expected, got = eager_model.state_dict(), jit_model.state_dict()
            for name in expected:
                np.testing.assert_array_equal(got[name], expected[name])
        assert int(got["layers.1.num_batches_tracked"]) == 6 and jitted.recordings == 1


def test_instance_norm_tracking_running_statistics_replays_their_update():
    def make():
        norm = tinygrad_np.nn.InstanceNorm1d(2, track_running_stats=True, dtype=np.float64)
        return (lambda x: norm(x.reshape(5, 2, 2)).sum()), norm
    (eager, eager_norm), (fn, jit_norm) = make(), make()
    jitted = jit(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, not run as written
        for call in range(5):
            x = data(call)[0]
            assert eager(x).item() == jitted(x).item()
            np.testing.assert_array_equal(jit_norm.running_mean, eager_norm.running_mean)
            np.testing.assert_array_equal(jit_norm.running_var, eager_norm.running_var)
    assert jitted.recordings == 1


def test_batch_norm_in_eval_mode_reads_the_running_statistics_of_the_day():
    """Loaded, written into or replaced after recording: each replay normalises by the
    statistics the module holds then (it used to keep those of the recording)."""
    bn = tinygrad_np.nn.BatchNorm1d(4, dtype=np.float64)
    bn.eval()
    jitted = jit(lambda x: bn(x))
    x = data(0)[0]
    for _ in range(3):
        jitted(x)
    state = {name: value + 1 for name, value in bn.state_dict().items()}
    bn.load_state_dict(state)
    np.testing.assert_array_equal(jitted(x).data, bn(Tensor(x)).data)
    bn.running_var[:] = 4.0
    np.testing.assert_array_equal(jitted(x).data, bn(Tensor(x)).data)
    bn.running_mean = np.full(4, -2.0)
    np.testing.assert_array_equal(jitted(x).data, bn(Tensor(x)).data)
    # loaded weight 2 and bias 1, written variance 4, replaced mean -2
    np.testing.assert_allclose(jitted(x).data, (x + 2.0) / np.sqrt(4.0 + 1e-5) * 2.0 + 1.0,
                               rtol=1e-14)


def test_a_guard_failing_after_batch_norm_wrote_its_statistics_puts_them_back():
    """A replay updates the running statistics, then a Python branch on the labels goes
    the other way: the statistics are put back before the call runs as written, so they are
    updated once, as eager's."""
    def make():
        bn = tinygrad_np.nn.BatchNorm1d(4, dtype=np.float64)

        def fn(x, y):
            h = bn(x)
            return h.sum() * (2.0 if y.max() > 1 else 1.0)
        return fn, bn
    (eager, eager_bn), (fn, jit_bn) = make(), make()
    jitted = jit(fn)
    for call, top in enumerate([2, 2, 2, 1, 2, 1]):
        x, y = data(call)
        y = np.minimum(y, top)
        y[0] = top
        assert eager(x, y).item() == jitted(x, y).item()
        np.testing.assert_array_equal(jit_bn.running_mean, eager_bn.running_mean)
        np.testing.assert_array_equal(jit_bn.running_var, eager_bn.running_var)
        assert int(jit_bn.num_batches_tracked) == call + 1


def test_writing_into_state_the_recording_did_not_make_is_refused():
    w, _ = params()
    total = np.zeros(())

    def fn(x):
        out = (Tensor(x) @ w).sum()
        np.add(total, out.data, out=total)  # a running sum kept outside, outside any optimizer
        return out

    jitted = jit(fn)
    jitted(data(0)[0])
    with pytest.raises(JitError, match="writes into an array the recording did not make"):
        jitted(data(0)[0])


def test_an_optimizer_step_inside_replays_with_the_learning_rate_of_the_day():
    def make():
        w, b = params()
        opt = optim.SGD([w, b], lr=0.1, momentum=0.9)

        def fn(x, y):
            opt.zero_grad()
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
            loss.backward()
            opt.step()
            return loss
        fn.opt = opt
        return fn, [w, b]

    eager_fn, eager_ps = make()
    jit_fn, jit_ps = make()
    jitted = jit(jit_fn)
    for call in range(8):
        for fn in (eager_fn, jit_fn):
            fn.opt.lr = 0.1 / (1 + call)  # a schedule: a new rate on every call
        expected = eager_fn(*data(call)).data
        np.testing.assert_array_equal(jitted(*data(call)).data, expected)
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)
    assert jitted.recordings == 1


def test_an_optimizer_step_with_a_closure_replays_the_closure_and_the_step():
    # step(closure) runs the closure's forward and backward inside step(): the recording
    # takes them as the function's own ops, then the update, so nothing is skipped
    def make():
        w, b = params()
        opt = optim.SGD([w, b], lr=0.1)

        def fn(x, y):
            def closure():
                opt.zero_grad()
                loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
                loss.backward()
                return loss
            return opt.step(closure)
        return fn, [w, b]

    eager_fn, eager_ps = make()
    jit_fn, jit_ps = make()
    jitted = jit(jit_fn)
    for call in range(6):
        expected = eager_fn(*data(call)).data
        np.testing.assert_array_equal(jitted(*data(call)).data, expected)
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)
    assert jitted.recordings == 1


def test_recording_lets_go_of_every_object_before_it_runs_python_code(monkeypatch):
    """The scan for optimizers and bit generators takes every object of the process
    (gc.get_objects) and must let go of that list before running any Python code. While it
    holds the list, another thread that resumes building a tuple from a generator fails with
    SystemError (CPython's tuple resize needs the only reference: python/cpython#39117). Seen
    in CI: a recording thread's own `tuple(gen)` failed while a second thread scanned."""
    import gc as gc_module
    import weakref

    from tinygrad_np.jit import record

    class Objects(list):  # a list that can be weakly referenced
        pass

    held = []
    real = gc_module.get_objects
    monkeypatch.setattr(record.gc, "get_objects",
                        lambda: held.append(weakref.ref(o := Objects(real()))) or o)
    alive_while_shadowing = []
    shadow = record.Recorder._shadow

    def checked_shadow(self, obj):
        alive_while_shadowing.append(held[-1]() is not None)
        return shadow(self, obj)

    monkeypatch.setattr(record.Recorder, "_shadow", checked_shadow)
    w = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = (Tensor(x) @ w).sum()
        loss.backward()
        opt.step()
        return loss

    jitted = jit(step)
    for call in range(3):
        jitted(np.full((4, 3), call, np.float32))
    assert held and alive_while_shadowing  # the scan ran, and found the optimizer
    assert not any(alive_while_shadowing)


def test_threads_recording_and_replaying_at_once_each_get_their_own_step():
    def make(seed):
        w, b = params(seed)
        return optimizer_step(w, b, optim.Adam([w, b], lr=1e-2)), [w, b]

    expected = []
    for seed in range(3):  # each thread's training, run alone and as written
        step, ps = make(seed)
        losses = [float(step(*data(call)).item()) for call in range(15)]
        expected.append((losses, [p.data.copy() for p in ps]))
    start = threading.Barrier(3)
    got: dict[int, tuple] = {}
    # the batches drawn beforehand: a thread drawing from a numpy generator while another
    # records makes that recording give up (it cannot tell whose draw it was; docs/jit.md)
    batches = [data(call) for call in range(15)]

    def train(seed):
        step, ps = make(seed)
        jitted = jit(step)
        start.wait(10)
        losses = [float(jitted(*batches[call]).item()) for call in range(15)]
        replayed = all(callable(entry) for entry in jitted.replays.values())
        got[seed] = (losses, [p.data.copy() for p in ps], jitted.recordings, replayed)

    threads = [threading.Thread(target=train, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for seed in range(3):
        losses, weights, recordings, replayed = got[seed]
        assert losses == expected[seed][0] and recordings == 1
        # and the recording was kept: another thread's scan once held this thread's tensors
        # while it checked for kept ones, and it gave up for nothing (about 1 run in 10)
        assert replayed
        for p, q in zip(weights, expected[seed][1]):
            np.testing.assert_array_equal(p, q)


def test_anomaly_mode_at_replay_runs_as_written_with_a_warning():
    """A step recorded outside detect_anomaly() and called inside it would replay without
    the checks: it runs as written (so a NaN is caught) and warns."""
    step, (w, _) = plain_step()
    jitted = jit(step)
    for call in range(3):  # as written, recording, replay
        w.grad = None
        jitted(*data(call))
    w.data[0, 0] = np.nan
    with tinygrad_np.detect_anomaly():
        with pytest.warns(RuntimeWarning, match="runs as written while detect_anomaly"):
            with pytest.raises(tinygrad_np.AnomalyError, match="MatMul"):
                jitted(*data(3))


def test_a_hook_registered_after_recording_still_runs():
    """A replay runs no hooks: while a tensor has one, the step runs as written (and warns),
    so the hook sees every gradient; once it is removed, replays resume."""
    step, (w, _) = plain_step()
    jitted = jit(step)
    for call in range(3):
        w.grad = None
        jitted(*data(call))
    seen = []
    handle = w.register_hook(lambda g: seen.append(g.data.copy()))
    w.grad = None
    with pytest.warns(RuntimeWarning, match="a tensor has a gradient hook"):
        jitted(*data(3))
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], w.grad)
    handle.remove()
    w.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jitted(*data(4))  # replayed again: no warning
    assert len(seen) == 1


def test_a_result_in_another_memory_layout_replays_in_that_layout():
    # x.T * w is in F order, as numpy lays it out after its input; a replay writing it into
    # a C-order buffer would sum its rows in another order (the bits differed from call 3)
    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(200,)).astype(np.float32))
    jitted = jit(lambda x: Tensor(x).T * w)
    for _ in range(5):
        x = rng.normal(size=(200, 300)).astype(np.float32)
        expected, got = (Tensor(x).T * w).data, jitted(x).data
        assert got.strides == expected.strides
        np.testing.assert_array_equal(got.sum(axis=1), expected.sum(axis=1))


def test_an_index_array_computed_in_the_step_replays():
    # the jit makes a view of a buffer once, at compile time; an index array computed on
    # every call also lives in a buffer, but what it holds changes: indexing with it is no
    # such view (this crashed the compile with an IndexError on the buffer's leftovers)
    def make():
        w, _ = params()

        def fn(x, y):
            picks = np.arange(5) * 3 + y  # each row's label, as a flat index
            loss = (Tensor(x) @ w).reshape(-1)[picks].sum()
            loss.backward()
            return loss
        return fn, [w]

    same_as_eager(make)


def test_an_argument_or_parameter_in_another_memory_layout_records_anew():
    # numpy lays out x * w after x: F order for x.T. A replay recorded on C-order input
    # wrote it into a C-order buffer, and the row sums after it differed in their last bits
    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(300,)).astype(np.float32))
    jitted = jit(lambda x: (Tensor(x) * w).sum(axis=1))
    for call in range(8):
        x = rng.normal(size=(300, 200)).astype(np.float32).T  # (200, 300), F order
        if call < 3:
            x = np.ascontiguousarray(x)
        if call == 6:  # the bound tensor's data, too
            w.data = np.asfortranarray(w.data[None, :].repeat(2, 0))[0]
        np.testing.assert_array_equal(jitted(x).data, (Tensor(x) * w).sum(axis=1).data)


def test_python_arguments_equal_but_of_another_type_record_anew():
    # 4 == 4.0 and True == 1, so they were one key: the replay recorded for 4 ran for 4.0
    def fn(x, n):
        return Tensor(x) * (n // 4 if isinstance(n, int) else n)

    def in_tuple(x, sizes):
        return fn(x, sizes[0])

    jitted, jitted_in_tuple = jit(fn), jit(in_tuple)
    x = np.arange(6.0)
    for n in (4, 4, 4, 4.0, 4.0, True, True, 4, 4.0):
        np.testing.assert_array_equal(jitted(x, n).data, fn(x, n).data)
        np.testing.assert_array_equal(jitted_in_tuple(x, (n,)).data, fn(x, n).data)


REBOUND = Tensor(np.ones((4, 3)), requires_grad=True)  # a global the function names


def test_a_parameter_object_replaced_after_recording_is_the_one_read():
    # a replay reads the tensors it recorded; the function as written reads whatever
    # net.w (or the global, or the closure variable, or the list item) is by then
    rng = np.random.default_rng(0)
    net = tinygrad_np.nn.Linear(4, 3)
    layers = [Tensor(rng.normal(size=(3, 3)), requires_grad=True)]
    scale = Tensor(np.full(3, 2.0), requires_grad=True)

    def fn(x):
        return (net(Tensor(x)) @ layers[0] * scale + Tensor(x) @ REBOUND).sum()

    jitted = jit(fn)
    global REBOUND
    saved = REBOUND
    try:
        for call in range(14):
            if call == 4:
                net.weight = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
            if call == 7:
                layers[0] = Tensor(rng.normal(size=(3, 3)), requires_grad=True)
            if call == 9:
                scale = Tensor(np.full(3, -1.0), requires_grad=True)
            if call == 11:
                REBOUND = Tensor(np.full((4, 3), 3.0), requires_grad=True)
            x = rng.normal(size=(5, 4))
            np.testing.assert_array_equal(jitted(x).data, fn(x).data)
    finally:
        REBOUND = saved


def test_an_optimizer_replaced_after_recording_is_the_one_stepped():
    # the replay stepped the optimizer it recorded; as written, the step uses the new one
    def make():
        w, b = params()
        state = {"opt": optim.SGD([w, b], lr=0.1)}

        def fn(x, y):
            opt = state["opt"]
            opt.zero_grad()
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
            loss.backward()
            opt.step()
            return loss

        def replace(call):
            if call == 3:
                state["opt"] = optim.SGD([w, b], lr=0.5, momentum=0.9)
            return data(call)
        return fn, [w, b], replace

    eager_fn, eager_ps, eager_args = make()
    jit_fn, jit_ps, jit_args = make()
    jitted = jit(jit_fn)
    for call in range(8):
        expected, got = eager_fn(*eager_args(call)), jitted(*jit_args(call))
        np.testing.assert_array_equal(got.data, expected.data)
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)


def test_train_and_eval_mode_each_replay_their_own_recording():
    # dropout's branch on `self.training` is Python: a replay recorded in training mode
    # kept dropping units after model.eval(). The modules' modes are guarded, and the
    # recording for the other mode is kept for when it comes back
    tinygrad_np.manual_seed(0)
    model = tinygrad_np.nn.Sequential(tinygrad_np.nn.Linear(4, 8), tinygrad_np.nn.ReLU(),
                                      tinygrad_np.nn.Dropout(0.5), tinygrad_np.nn.Linear(8, 2))
    jitted = jit(lambda x: model(Tensor(x)))
    x = np.random.default_rng(0).normal(size=(16, 4))
    for _ in range(4):  # epochs
        model.train()
        for _ in range(3):
            trained = jitted(x).data
        model.eval()
        for _ in range(3):
            np.testing.assert_array_equal(jitted(x).data, model(Tensor(x)).data)
        assert not np.array_equal(trained, model(Tensor(x)).data)  # dropout was on
    assert jitted.recordings == 2  # one per mode, whatever the number of switches


@pytest.mark.parametrize("make_scheduler", [
    lambda opt: tinygrad_np.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
    lambda opt: tinygrad_np.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)])
def test_a_scheduler_stepped_inside_steps_on_every_replay(make_scheduler):
    # its step() is Python: a replay skipped it, and the learning rate stopped changing
    def make():
        w, b = params()
        opt = optim.SGD([w, b], lr=0.1, momentum=0.9)
        scheduler = make_scheduler(opt)

        def fn(x, y):
            opt.zero_grad()
            loss = (Tensor(x) @ w + b).softmax_cross_entropy(y)
            loss.backward()
            opt.step()
            scheduler.step()
            return loss
        return fn, [w, b], opt

    eager_fn, eager_ps, eager_opt = make()
    jit_fn, jit_ps, jit_opt = make()
    jitted = jit(jit_fn)
    for call in range(9):
        x, y = data(call)
        np.testing.assert_array_equal(jitted(x, y).data, eager_fn(x, y).data)
        assert jit_opt.param_groups[0]["lr"] == eager_opt.param_groups[0]["lr"]
        for p, q in zip(jit_ps, eager_ps):
            np.testing.assert_array_equal(p.data, q.data)


SCALE = 2.0  # a global number the function reads
CALLS = 0  # a global number the function assigns


def test_python_numbers_the_function_reads_are_checked_and_assigned_ones_run_as_written():
    # SCALE and the dropout's p were frozen at their recorded values; CALLS += 1 ran only
    # while recording
    global SCALE, CALLS
    x = np.ones((2, 3))
    scaled = jit(lambda x: Tensor(x) * SCALE)
    model = tinygrad_np.nn.Sequential(tinygrad_np.nn.Linear(3, 4), tinygrad_np.nn.Dropout(0.0))
    dropped = jit(lambda x: model(Tensor(x)))

    def counted(x):
        global CALLS
        CALLS += 1
        return Tensor(x) * 3

    jitted_count = jit(counted)
    conv = tinygrad_np.nn.Conv2d(1, 2, 3)
    convolved = jit(lambda x: conv(Tensor(x)))
    images = np.random.default_rng(0).normal(size=(1, 1, 8, 8)).astype(np.float32)
    try:
        for call in range(7):
            if call == 4:
                SCALE, model[1].p, conv.stride = 5.0, 0.9, (2, 2)
            np.testing.assert_array_equal(convolved(images).data, conv(Tensor(images)).data)
            np.testing.assert_array_equal(scaled(x).data, x * SCALE)
            tinygrad_np.manual_seed(call)
            got = dropped(x).data
            tinygrad_np.manual_seed(call)
            np.testing.assert_array_equal(got, model(Tensor(x)).data)
            before = CALLS
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # the give-up's, once
                jitted_count(x)
            assert CALLS == before + 1
    finally:
        SCALE, CALLS = 2.0, 0


def test_a_returned_tensor_the_recording_did_not_compute_runs_as_written_with_a_warning():
    # np.asarray of a recorded value hands numpy its numbers: the Tensor made from them is
    # no recorded result; the call runs as written (its result is kept), and the warning
    # says why (it used to raise a JitError after the call had run)
    jitted = jit(lambda x: Tensor(np.asarray((Tensor(x) * 2).data.sum())))
    jitted(np.ones(3))
    with pytest.warns(RuntimeWarning, match="returns a Tensor whose array the recording did"):
        assert jitted(np.ones(3)).item() == 6.0
    for value in (2.0, 3.0):
        assert jitted(np.full(3, value)).item() == 6.0 * value


def test_a_result_no_replay_can_hand_back_runs_as_written_and_keeps_the_calls_result():
    w = Tensor(np.array([2.0, -1.0]), requires_grad=True)

    class Report:
        def __init__(self, loss):
            self.loss = loss

    def fn(x):
        loss = (Tensor(x) * w).sum()
        loss.backward()
        return Report(loss)

    jitted = jit(fn)
    jitted(np.array([1.0, 4.0]))
    for call in range(3):
        w.grad = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            report = jitted(np.array([1.0, 4.0 + call]))
        assert report.loss.item() == 2.0 - 4.0 - call  # the call's own result, every time
        np.testing.assert_array_equal(w.grad, [1.0, 4.0 + call])
        # the recording warns once; later calls run as written without asking again
        assert [c.category for c in caught] == ([RuntimeWarning] if call == 0 else [])
        assert call or "of type Report" in str(caught[0].message)


def test_results_in_lists_dicts_and_nested_tuples_come_back_as_tensors():
    from collections import namedtuple
    Out = namedtuple("Out", "loss extra")
    w = Tensor(np.array([2.0, -1.0]), requires_grad=True)

    def fn(x):
        t = Tensor(x) * w
        return Out(t.sum(), {"t": t, "pair": (t * 2, [t.data + 1])})

    jitted = jit(fn)
    for call in range(4):
        x = np.array([1.0, 2.0 + call])
        got, want = jitted(x), fn(x)
        assert type(got) is Out and type(got.extra) is dict
        assert type(got.loss) is Tensor and got.loss.item() == want.loss.item()
        assert type(got.extra["t"]) is Tensor and type(got.extra["pair"]) is tuple
        assert type(got.extra["pair"][0]) is Tensor  # a nested tuple's tensors stay tensors
        assert type(got.extra["pair"][1]) is list
        assert type(got.extra["pair"][1][0]) is np.ndarray
        np.testing.assert_array_equal(got.extra["pair"][0].data, want.extra["pair"][0].data)
        np.testing.assert_array_equal(got.extra["pair"][1][0], want.extra["pair"][1][0])


def test_the_limit_warning_says_when_a_number_read_from_an_array_kept_changing():
    # loss.item() checks the loss's value on every replay: each new batch fails it, records
    # anew, and when the recordings run out the warning names that as the reason
    w = Tensor(np.ones(3), requires_grad=True)

    def step(x):
        loss = (Tensor(x) * w).sum()
        if loss.item() > 1e9:
            raise RuntimeError("diverged")
        return loss

    jitted = jit(step, max_recordings=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in range(8):
            assert jitted(np.full(3, float(call))).item() == 3.0 * call
    messages = [str(c.message) for c in caught]
    assert len(messages) == 1 and "recorded 2 times" in messages[0]
    assert "a value the function reads changed (an array's value read as a Python number" \
        in messages[0]


class _PositivePart(Function):
    """max(x, 0) written the way a custom op might: zeros, then np.copyto where positive."""

    def forward(ctx, x):
        out = np.zeros_like(x)
        np.copyto(out, x, where=x > 0)
        return out

    def backward(ctx, grad):
        return grad


class _PositivePartIntoOwnZeros(_PositivePart):
    def forward(ctx, x):
        out = np.zeros(x.shape, x.dtype)  # not made from x: the recording cannot see it
        np.putmask(out, x > 0, x)
        return out


def test_np_copyto_into_an_array_the_op_made_replays_the_write():
    """np.copyto (putmask, place, put, put_along_axis, fill_diagonal) writes into its first
    argument: recorded as a write, the replay makes a fresh zeros and writes into it. Before,
    the write was not seen and every replay from the third call on returned the recording's
    values."""
    jitted = jit(lambda x: _PositivePart.apply(Tensor(x)) * 2.0)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            x = rng.standard_normal(6)
            np.testing.assert_array_equal(jitted(x).data, np.where(x > 0, x, 0) * 2.0)


def test_np_putmask_into_an_array_not_made_from_the_step_is_refused():
    jitted = jit(lambda x: _PositivePartIntoOwnZeros.apply(Tensor(x)) * 2.0)
    jitted(np.ones(3))
    with pytest.raises(JitError, match="putmask writes into an array the recording did not "
                                       "make .*np.zeros\\(shape\\) rather than np.zeros_like"):
        jitted(np.ones(3))


class _TakeNext(Function):
    """(2x).flat[i + 1]: an index computed in the step (into a buffer), then reshaped, picks
    from another buffer's view."""

    def forward(ctx, x, i):
        ctx.where = (i + 1).reshape(-1)  # a view of the sum's buffer
        return (x * 2.0).reshape(-1)[ctx.where]

    def backward(ctx, grad):
        return None, None


def test_an_index_computed_in_the_step_is_read_afresh_even_as_a_view_of_a_buffer():
    """The replay makes views of its buffers once (a reshape of a buffer is the same memory
    on every call); an index array that is such a view still holds new values on every
    call, so an indexing with it is done in the replay. Before, it was made once from the
    buffer's contents at code generation: uninitialised memory (an IndexError, or values
    from nowhere)."""
    jitted = jit(lambda x, i: _TakeNext.apply(Tensor(x), Tensor(i)) * 1.0)
    x = np.arange(10.0) * 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in range(5):
            i = np.array([call, 2 * call % 8, 1])
            np.testing.assert_array_equal(jitted(x, i).data, 2 * x[i + 1])
