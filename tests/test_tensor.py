"""tensor.py: what a Tensor wraps, its dtype rules, its accessors and repr, and the small
graph utilities on it (detach, zero_grad, requires_grad_, retain_grad)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_np import Function, OpError, Tensor


# -- construction and dtype rules ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_are_wrapped_not_copied_and_keep_their_dtype(dtype):
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    t = Tensor(a)
    assert t.data is a
    assert t.dtype == dtype
    a[0, 0] = 42.0
    assert t.data[0, 0] == 42.0
    assert t.numpy() is a


@pytest.mark.parametrize("value, shape", [(3, ()), (2.5, ()), (True, ()), ([1, 2, 3], (3,)),
                                          ([[1.0, 2.0], [3.0, 4.0]], (2, 2)), ((1, 2), (2,))])
def test_python_numbers_and_lists_become_float32(value, shape):
    t = Tensor(value)
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == np.float32 and t.shape == shape
    np.testing.assert_array_equal(t.data, np.asarray(value, dtype=np.float32))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_integer_arrays_stay_integer(dtype):
    a = np.array([0, 2, 1], dtype=dtype)
    t = Tensor(a)
    assert t.data is a and t.dtype == dtype


@pytest.mark.parametrize("value", [np.array([1, 2]), np.array([True, False])])
def test_requires_grad_on_a_non_float_tensor_is_a_type_error(value):
    with pytest.raises(TypeError, match=str(value.dtype)):
        Tensor(value, requires_grad=True)
    with pytest.raises(TypeError):
        Tensor(value).requires_grad_()
    # a Python int list becomes float32 and may require grad
    assert Tensor([1, 2], requires_grad=True).requires_grad


def test_numpy_scalars_keep_their_dtype():
    """A numpy float scalar (e.g. `arr.sum()`, `np.float64(0.1)`) is a 0-d value of its own
    dtype, like a 0-d array; only *Python* numbers default to float32.  np.float32 scalars
    already keep float32; np.float64 must not be rounded to float32."""
    assert Tensor(np.float32(0.1)).dtype == np.float32
    assert Tensor(np.array(0.1)).dtype == np.float64
    t = Tensor(np.float64(0.1))
    assert t.dtype == np.float64
    assert t.item() == 0.1
    assert Tensor(np.arange(3.0).sum()).dtype == np.float64


def test_explicit_dtype_and_name():
    t = Tensor([1, 2, 3], dtype=np.float64, name="w")
    assert t.dtype == np.float64 and t.name == "w"
    assert Tensor(np.arange(3), dtype=np.float32).dtype == np.float32
    inner = Tensor(np.ones(2))
    assert Tensor(inner).data is inner.data  # wrapping a Tensor shares its array


def test_cannot_wrap_arbitrary_objects():
    with pytest.raises(TypeError, match="dict"):
        Tensor({"a": 1})


# -- accessors ------------------------------------------------------------------------------------
def test_shape_dtype_ndim_size_len_item():
    t = Tensor(np.zeros((2, 3, 4), dtype=np.float32))
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size == 24 and len(t) == 2
    assert t.dtype == np.float32
    s = Tensor(np.array(3.5))
    assert s.shape == () and s.ndim == 0
    assert s.item() == 3.5 and type(s.item()) is float
    assert Tensor([[7.0]]).item() == 7.0
    with pytest.raises(ValueError):
        Tensor([1.0, 2.0]).item()


def test_repr_shows_values_dtype_and_op():
    leaf = Tensor(np.array([1.5, -2.0]), requires_grad=True, name="w")
    r = repr(leaf)
    assert "1.5" in r and "-2." in r and "float64" in r and "requires_grad=True" in r
    assert "'w'" in r
    out = leaf * 2
    r = repr(out)
    assert "3." in r and "-4." in r and "float64" in r and "grad_fn=Mul" in r
    assert "grad_fn=Sum" in repr(out.sum())
    r = repr(Tensor(np.array([1, 2], dtype=np.int32)))
    assert "int32" in r and "grad_fn" not in r and "requires_grad" not in r


# -- the graph an op records ----------------------------------------------------------------------
def test_results_record_op_and_parents():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    c = a * b
    assert type(c.grad_fn).__name__ == "Mul"
    assert c.grad_fn.parents[0] is a and c.grad_fn.parents[1] is b
    d = c + 1.0
    assert type(d.grad_fn).__name__ == "Add"
    assert d.grad_fn.parents[0] is c
    assert isinstance(d.grad_fn.parents[1], Tensor) and d.grad_fn.parents[1].item() == 1.0
    assert d.requires_grad and not d.is_leaf and a.is_leaf


def test_no_graph_when_no_input_requires_grad():
    a = Tensor(np.array([1.0, 2.0]))
    out = (a * 3).exp().sum()
    assert out.grad_fn is None and not out.requires_grad


OPS = {
    "Add": lambda a: a + a, "Sub": lambda a: a - 1, "Mul": lambda a: a * a,
    "Div": lambda a: 1 / a, "Neg": lambda a: -a, "Pow": lambda a: a ** 2, "Exp": lambda a: a.exp(),
    "Log": lambda a: a.log(), "Sqrt": lambda a: a.sqrt(), "Abs": lambda a: a.abs(),
    "Relu": lambda a: a.relu(), "Sigmoid": lambda a: a.sigmoid(), "Tanh": lambda a: a.tanh(),
    "MatMul": lambda a: a @ a.T, "Sum": lambda a: a.sum(), "Mean": lambda a: a.mean(),
    "Max": lambda a: a.max(), "Min": lambda a: a.min(axis=0), "Reshape": lambda a: a.reshape(-1),
    "Transpose": lambda a: a.T, "GetItem": lambda a: a[0],
    "Softmax": lambda a: a.softmax(), "LogSoftmax": lambda a: a.log_softmax(),
    "SoftmaxCrossEntropy": lambda a: a.softmax_cross_entropy([0, 1]), "L2": lambda a: a.l2(),
}


@pytest.mark.parametrize("name", OPS)
def test_every_builtin_op_is_a_function_subclass(name):
    a = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    out = OPS[name](a)
    assert type(out.grad_fn).__name__ == name
    assert issubclass(type(out.grad_fn), Function)
    assert any(p is a for p in out.grad_fn.parents)


# -- detach, zero_grad, requires_grad_, retain_grad -----------------------------------------------
def test_detach_shares_data_and_cuts_the_graph():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = a * 2
    d = b.detach()
    assert d.data is b.data
    assert d.grad_fn is None and not d.requires_grad
    out = (d * a).sum()
    out.backward()
    np.testing.assert_array_equal(a.grad, [2.0, 4.0])  # only the direct path through `a`


def test_zero_grad_forgets_the_accumulated_gradient():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 3.0])
    a.zero_grad()
    assert a.grad is None
    (a * 5).sum().backward()
    np.testing.assert_array_equal(a.grad, [5.0, 5.0])


def test_requires_grad_():
    a = Tensor(np.array([1.0, 2.0]))
    assert a.requires_grad_() is a and a.requires_grad
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 4.0])
    a.requires_grad_(False)
    assert not a.requires_grad
    assert (a * a).grad_fn is None


def test_requires_grad_false_on_a_computed_tensor_is_refused():
    """As in PyTorch: the graph is fixed once recorded; detach() is the way to cut it."""
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = a * 3
    with pytest.raises(RuntimeError, match="detach"):
        h.requires_grad_(False)
    assert h.requires_grad
    (h.detach() * h).sum().backward()  # the detached factor is a constant
    np.testing.assert_array_equal(a.grad, 3 * h.data)


def test_retain_grad_keeps_the_gradient_of_an_intermediate():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    h = a * 2
    assert h.retain_grad() is h
    unkept = h + 1
    out = (unkept * h).sum()  # h used twice: (h + 1) * h
    out.backward()
    np.testing.assert_array_equal(h.grad, 2 * h.data + 1)
    np.testing.assert_array_equal(a.grad, 2 * (2 * h.data + 1))
    assert unkept.grad is None  # intermediates do not keep .grad unless asked
    assert h.grad.dtype == h.dtype and h.grad.shape == h.shape


def test_retain_grad_on_the_root_and_accumulation():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (a * a).retain_grad()
    g = np.array([1.0, 10.0])
    y.backward(Tensor(g), retain_graph=True)
    np.testing.assert_array_equal(y.grad, g)
    assert not np.shares_memory(y.grad, g)
    y.backward(Tensor(g))
    np.testing.assert_array_equal(y.grad, 2 * g)
    np.testing.assert_array_equal(a.grad, 2 * (2 * a.data * g))


# -- Python numbers from one-element tensors (core, issue 12) --------------------------------
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_bool_float_int_and_format_of_a_one_element_tensor(shape):
    loss = Tensor(np.full(shape, 2.71828, dtype=np.float32))
    assert f"{loss:.3f}" == "2.718" and f"{loss:>8.2f}" == "    2.72"
    assert float(loss) == float(np.float32(2.71828)) and isinstance(float(loss), float)
    assert int(loss) == 2 and isinstance(int(loss), int)
    assert bool(loss) is True and bool(Tensor(np.zeros(shape))) is False
    assert f"{loss}" == str(loss)  # no spec: the repr, as in PyTorch


def test_abs_is_elementwise_and_differentiable():
    x = Tensor([-2.0, 3.0], requires_grad=True)
    y = abs(x)
    np.testing.assert_array_equal(y.data, [2.0, 3.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 1.0])


@pytest.mark.parametrize("convert", [bool, float, int, lambda t: f"{t:.3f}"],
                         ids=["bool", "float", "int", "format"])
@pytest.mark.parametrize("shape", [(2,), (0,), (2, 3)])
def test_conversions_of_other_sizes_are_clear_errors(convert, shape):
    t = Tensor(np.ones(shape))
    # RuntimeError as PyTorch raises; ValueError / TypeError as numpy does
    for kind in (RuntimeError, ValueError, TypeError):
        with pytest.raises(kind, match=rf"{re.escape(str(shape))}"):
            convert(t)


def test_if_on_a_comparison_of_one_element_tensors():
    loss, best = Tensor(0.5), Tensor(0.7)
    assert (loss < best) and not (loss > best)
    with pytest.raises(RuntimeError, match="ambiguous"):
        if Tensor([1.0, 2.0]) > 0:
            pass


def test_pytorchs_spellings_permute_view_dim_numel_clone_and_astype():
    t = Tensor(np.arange(6.0).reshape(2, 3).astype(np.float32), requires_grad=True)
    copy, wide = t.clone(), t.astype(np.float64)
    assert copy.data is not t.data and copy.dtype == np.float32 and wide.dtype == np.float64
    assert t.permute(1, 0).shape == (3, 2) and t.view(3, 2).shape == (3, 2)
    assert t.dim() == 2 and t.numel() == 6
    (copy.sum() + (wide * wide).sum() + t.permute(1, 0)[0].sum() + t.view(3, 2)[0].sum()
     ).backward()
    # 1 (clone) + 2t (the float64 square, back in float32) + column 0 + the first two
    np.testing.assert_array_equal(t.grad, [[3, 4, 5], [8, 9, 11]])
    assert t.grad.dtype == np.float32


# PyTorch's spellings of shapes: size(), flatten(start, end), transpose(d0, d1)

def test_size_is_numpys_count_and_pytorchs_call():
    t = Tensor(np.zeros((2, 3, 4)))
    assert t.size == 24 and isinstance(t.size, int) and t.size + 1 == 25
    assert t.size() == (2, 3, 4) and t.size(0) == 2 and t.size(-1) == 4
    assert Tensor(np.array(1.0)).size() == ()
    with pytest.raises(IndexError, match=re.escape("size(3): no axis 3 in shape (2, 3, 4)")):
        t.size(3)


@pytest.mark.parametrize("args, kwargs, shape", [
    ((), {}, (2, 12)),  # ours: all axes after the first
    ((0,), {}, (24,)),
    ((1,), {}, (2, 12)),
    ((0, 1), {}, (6, 4)),
    ((), {"start_dim": 1, "end_dim": -2}, (2, 3, 4)),
    ((), {"start_axis": -2}, (2, 12)),
    ((2, 2), {}, (2, 3, 4)),
])
def test_flatten_as_pytorchs(args, kwargs, shape):
    x = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(x, requires_grad=True)
    out = t.flatten(*args, **kwargs)
    assert out.shape == shape
    np.testing.assert_array_equal(out.data.reshape(-1), x.reshape(-1))  # the same order
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.ones_like(x))
    assert Tensor(np.array(5.0)).flatten(0).shape == (1,)
    with pytest.raises(OpError, match="flatten: start_axis 2 comes after end_axis 1"):
        t.flatten(2, 1)


def test_transpose_of_two_axes_swaps_them():
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    t = Tensor(x, requires_grad=True)
    np.testing.assert_array_equal(t.transpose(1, 2).data, x.swapaxes(1, 2))
    np.testing.assert_array_equal(t.transpose(-1, 0).data, x.swapaxes(-1, 0))
    np.testing.assert_array_equal(t.transpose(3, 2, 1, 0).data, x.transpose(3, 2, 1, 0))
    m = np.arange(6.0).reshape(2, 3)
    assert Tensor(m).transpose(1, 0).shape == (3, 2)  # a matrix: both readings swap
    for pair in ((0, 1), (-2, -1), (0, -1), (-1, 0)):  # PyTorch's swap, never numpy's identity
        np.testing.assert_array_equal(Tensor(m).transpose(*pair).data, m.T)
    assert Tensor(m).transpose(1, 1).shape == (2, 3)  # one axis with itself: as PyTorch's
    assert Tensor(m).permute(0, 1).shape == (2, 3)  # a permutation stays one
    assert Tensor(m).transpose((0, 1)).shape == (2, 3)
    t.transpose(1, 3).sum().backward()
    np.testing.assert_array_equal(t.grad, np.ones_like(x))
    with pytest.raises(OpError, match="transpose"):
        t.transpose(1, 4)


def test_backward_takes_pytorchs_gradient_keyword():
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (t * 3.0).backward(gradient=np.array([1.0, 10.0]))
    np.testing.assert_array_equal(t.grad, [3.0, 30.0])
    with pytest.raises(TypeError, match="both 'grad' and 'gradient'"):
        (t * 3.0).backward(np.ones(2), gradient=np.ones(2))


def test_pytorchs_argument_forms_of_shape_methods():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = Tensor(x)
    for flipped in (t.flip(0, 1), t.flip((0, 1)), t.flip([0, 1]), t.flip(dims=(0, 1)),
                    t.flip(axis=(0, 1))):
        np.testing.assert_array_equal(flipped.data, x[::-1, ::-1])
    np.testing.assert_array_equal(t.flip().data, x[::-1, ::-1, ::-1])  # numpy's: every axis
    np.testing.assert_array_equal(t.permute(dims=(2, 0, 1)).data, x.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.transpose(dim0=0, dim1=2).data, x.swapaxes(0, 2))
    assert [p.shape for p in t.split(split_size=3, dim=2)] == [(2, 3, 3), (2, 3, 1)]
    assert [p.shape for p in t.split(split_size_or_sections=[1, 2], dim=1)] == \
        [(2, 1, 4), (2, 2, 4)]
    assert [p.shape for p in Tensor(np.arange(5.0)).split(split_size=2)] == [(2,), (2,), (1,)]
    values, indices = t.sort(dim=0, descending=True, stable=True)
    np.testing.assert_array_equal(values.data, x[::-1])
    with pytest.raises(TypeError, match="flip"):
        t.flip(0, dims=1)
    with pytest.raises(TypeError, match="transpose"):
        t.transpose(0, dim1=1)
    with pytest.raises(TypeError, match="permute"):
        t.permute(0, 1, 2, dims=(0, 1, 2))


def test_max_and_min_of_another_tensor_are_elementwise():
    a = Tensor(np.array([1.0, 5.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 2.0]), requires_grad=True)
    assert a.max(b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]
    a.max(b).sum().backward()
    assert a.grad.tolist() == [0.0, 1.0] and b.grad.tolist() == [1.0, 0.0]


def test_the_cpu_is_the_only_device():
    t = Tensor(np.ones(2))
    assert t.device == "cpu" and not t.is_cuda and t.cpu() is t
    with pytest.raises(RuntimeError, match="no GPU"):
        t.cuda()


def test_a_one_element_integer_tensor_is_an_index():
    import tinygrad_np as tg
    classes = ["cat", "dog", "fish"]
    predicted = tg.tensor([2, 0])
    assert classes[predicted[0]] == "fish" and ("a", "b")[predicted[1]] == "a"
    with pytest.raises(TypeError, match="only integer tensors of one element"):
        classes[tg.tensor(1.0)]  # noqa: B018
    with pytest.raises(TypeError):
        classes[tg.tensor([0, 1])]  # noqa: B018


def test_devices_as_pytorchs_first_lines_ask_for_them():
    import tinygrad_np as tg
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    assert device == "cpu" and device.type == "cpu" and repr(device) == "device(type='cpu')"
    assert not tg.backends.mps.is_available() and not tg.accelerator.is_available()
    t = tg.zeros(2, device=device).to(device)
    assert t.device == "cpu" and t.device.type == "cpu"
    assert tg.nn.Linear(2, 2).to(device).weight.shape == (2, 2)
    with pytest.raises(ValueError, match="device 'cuda:0': tinygrad_np runs on numpy"):
        tg.device("cuda:0")
