"""PyTorch's keyword names (`dim`, `keepdim`, ...) beside numpy's, with the same meaning."""
import inspect

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import Tensor, nn
from tinygrad_np.torch_keywords import torch_keywords

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5))
POSITIVE = np.abs(X) + 0.5


def _data(result):
    if isinstance(result, (tuple, list)):
        return [_data(r) for r in result]
    return result.data


# (name, call in numpy's words, the same call in PyTorch's words)
SAME_CALLS = [
    ("sum", lambda t: t.sum(axis=1, keepdims=True), lambda t: t.sum(dim=1, keepdim=True)),
    ("mean", lambda t: t.mean(axis=(0, 2)), lambda t: t.mean(dim=(0, 2))),
    ("prod", lambda t: t.prod(axis=2, keepdims=True), lambda t: t.prod(dim=2, keepdim=True)),
    ("tg.prod", lambda t: tg.prod(t, axis=0), lambda t: tg.prod(t, dim=0)),
    ("logsumexp", lambda t: t.logsumexp(axis=-1), lambda t: t.logsumexp(dim=-1)),
    ("tg.logsumexp", lambda t: tg.logsumexp(t, 1, True), lambda t: tg.logsumexp(t, dim=1,
                                                                                keepdim=True)),
    ("norm", lambda t: t.norm(axis=1), lambda t: t.norm(dim=1)),
    ("cumsum", lambda t: t.cumsum(axis=1), lambda t: t.cumsum(dim=1)),
    ("tg.cumsum", lambda t: tg.cumsum(t, axis=2), lambda t: tg.cumsum(t, dim=2)),
    ("cumprod", lambda t: t.cumprod(axis=1), lambda t: t.cumprod(dim=1)),
    ("logcumsumexp", lambda t: t.logcumsumexp(axis=0), lambda t: t.logcumsumexp(dim=0)),
    ("argmax", lambda t: t.argmax(axis=1, keepdims=True), lambda t: t.argmax(dim=1,
                                                                             keepdim=True)),
    ("argmin", lambda t: t.argmin(axis=2), lambda t: t.argmin(dim=2)),
    ("tg.argmax", lambda t: tg.argmax(t, axis=0), lambda t: tg.argmax(t, dim=0)),
    ("amax", lambda t: t.amax(axis=1), lambda t: t.amax(dim=1)),
    ("amin", lambda t: t.amin(axis=(1, 2), keepdims=True),
     lambda t: t.amin(dim=(1, 2), keepdim=True)),
    ("all", lambda t: (t > -1).all(axis=1), lambda t: (t > -1).all(dim=1)),
    ("any", lambda t: (t > 1).any(axis=2, keepdims=True),
     lambda t: (t > 1).any(dim=2, keepdim=True)),
    ("count_nonzero", lambda t: (t > 0).count_nonzero(axis=0),
     lambda t: (t > 0).count_nonzero(dim=0)),
    ("nansum", lambda t: t.nansum(axis=1), lambda t: t.nansum(dim=1)),
    ("nanmean", lambda t: t.nanmean(axis=1, keepdims=True),
     lambda t: t.nanmean(dim=1, keepdim=True)),
    ("softmax", lambda t: t.softmax(axis=1), lambda t: t.softmax(dim=1)),
    ("log_softmax", lambda t: t.log_softmax(axis=0), lambda t: t.log_softmax(dim=0)),
    ("tg.softmax", lambda t: tg.softmax(t, axis=1), lambda t: tg.softmax(t, dim=1)),
    ("tg.log_softmax", lambda t: tg.log_softmax(t, 2), lambda t: tg.log_softmax(t, dim=2)),
    ("softmin", lambda t: tg.softmin(t, axis=1), lambda t: tg.softmin(t, dim=1)),
    ("glu", lambda t: tg.glu(t, axis=1), lambda t: tg.glu(t, dim=1)),
    ("normalize", lambda t: tg.normalize(t, axis=2), lambda t: tg.normalize(t, dim=2)),
    ("cosine_similarity", lambda t: tg.cosine_similarity(t, t * 2 + 1, axis=2),
     lambda t: tg.cosine_similarity(t, t * 2 + 1, dim=2)),
    ("diff", lambda t: t.diff(axis=1), lambda t: t.diff(dim=1)),
    ("swapaxes", lambda t: t.swapaxes(0, 2), lambda t: t.swapaxes(dim0=0, dim1=2)),
    ("swapdims", lambda t: tg.swapaxes(t, 1, 2), lambda t: tg.swapaxes(t, dim0=1, dim1=2)),
    ("gather", lambda t: t.gather(1, np.zeros((3, 2, 5), np.int64)),
     lambda t: t.gather(dim=1, index=np.zeros((3, 2, 5), np.int64))),
    ("sort", lambda t: t.sort(axis=1, descending=True),
     lambda t: t.sort(dim=1, descending=True)),
    ("topk", lambda t: t.topk(2, axis=0), lambda t: t.topk(2, dim=0)),
    ("tg.topk", lambda t: tg.topk(t, 3, axis=1, largest=False),
     lambda t: tg.topk(t, 3, dim=1, largest=False)),
    ("chunk", lambda t: t.chunk(2, axis=2), lambda t: t.chunk(2, dim=2)),
    ("squeeze", lambda t: t[:, :1].squeeze(axis=1), lambda t: t[:, :1].squeeze(dim=1)),
    ("unsqueeze", lambda t: t.unsqueeze(axis=0), lambda t: t.unsqueeze(dim=0)),
    ("cat", lambda t: tg.cat([t, t * 2], axis=1), lambda t: tg.cat([t, t * 2], dim=1)),
    ("concatenate", lambda t: tg.concatenate([t, t], axis=2),
     lambda t: tg.concatenate([t, t], dim=2)),
    ("stack", lambda t: tg.stack([t, t + 1], axis=1), lambda t: tg.stack([t, t + 1], dim=1)),
]


@pytest.mark.parametrize("name, numpy_call, torch_call", SAME_CALLS,
                         ids=[case[0] for case in SAME_CALLS])
def test_pytorch_names_give_the_same_values_and_gradients(name, numpy_call, torch_call):
    source = POSITIVE if name in ("cumprod", "prod", "tg.prod") else X
    grads = []
    results = []
    for call in (numpy_call, torch_call):
        t = Tensor(source.copy(), requires_grad=True)
        result = call(t)
        results.append(_data(result))
        outputs = result if isinstance(result, (tuple, list)) else [result]
        differentiable = [o for o in outputs if np.issubdtype(o.data.dtype, np.floating)]
        if differentiable:
            total = differentiable[0].sum()
            for other in differentiable[1:]:
                total = total + other.sum()
            total.backward()
            grads.append(t.grad)
    np.testing.assert_equal(results[0], results[1])
    if grads:
        np.testing.assert_array_equal(grads[0], grads[1])


def test_the_pytorch_spelling_really_uses_dim():
    # a swapped-in default would pass the comparison above only by luck; pin the values
    t = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(t.sum(dim=0).data, [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(t.sum(dim=1, keepdim=True).data, [[3.0], [12.0]])
    np.testing.assert_array_equal(tg.cumsum(t, dim=0).data, [[0, 1, 2], [3, 5, 7]])
    np.testing.assert_array_equal(t.argmax(dim=0).data, [1, 1, 1])
    assert tg.cat([t, t], dim=1).shape == (2, 6)
    assert tg.stack([t, t], dim=2).shape == (2, 3, 2)
    assert t.unsqueeze(dim=1).shape == (2, 1, 3)


@pytest.mark.parametrize("call", [
    lambda t: t.sum(1, dim=1),
    lambda t: t.sum(axis=1, dim=1),
    lambda t: tg.softmax(t, 0, dim=1),
    lambda t: tg.cat([t, t], axis=0, dim=0),
    lambda t: t.swapaxes(0, 1, dim1=1),
    lambda t: t.max(axis=1, dim=1),
    lambda t: t.var(axis=0, dim=0),
], ids=["sum-positional", "sum-keyword", "softmax", "cat", "swapaxes", "max", "var"])
def test_both_names_for_one_parameter_is_a_type_error(call):
    with pytest.raises(TypeError, match="got both 'axis\\d?' and 'dim\\d?'"):
        call(Tensor(np.ones((2, 3))))


def test_a_name_the_function_does_not_have_stays_a_type_error():
    with pytest.raises(TypeError):
        Tensor(np.ones(3)).cumsum(keepdim=True)  # cumsum has no keepdims: nothing to alias


def test_signatures_show_both_spellings():
    parameters = inspect.signature(tg.logsumexp).parameters
    assert list(parameters)[:3] == ["x", "axis", "keepdims"]
    assert parameters["dim"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["keepdim"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "dim0" in inspect.signature(tg.swapaxes).parameters


def test_the_decorator_on_a_users_function():
    @torch_keywords
    def first(x, axis=0):
        return x[axis]

    assert first([10, 20], dim=1) == 20
    assert first([10, 20], 1) == 20
    assert first.__name__ == "first"


# PyTorch's x.max(dim) / x.min(dim): (values, indices)

def test_max_with_dim_gives_values_and_indices():
    data = np.array([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    t = Tensor(data, requires_grad=True)
    result = t.max(dim=1)
    assert isinstance(result, tg.ValuesIndices)
    values, indices = result
    np.testing.assert_array_equal(values.data, [5.0, 7.0])
    np.testing.assert_array_equal(indices.data, [1, 0])  # the first of the ties, as PyTorch
    assert indices.data.dtype == np.int64
    assert result.values is values and result.indices is indices
    values.sum().backward()
    # all of the gradient to the element picked, where t.max(axis=1) shares it among ties
    np.testing.assert_array_equal(t.grad, [[0, 1, 0], [1, 0, 0]])
    shared = Tensor(data, requires_grad=True)
    shared.max(axis=1).sum().backward()
    np.testing.assert_array_equal(shared.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])


def test_min_with_dim_and_keepdim():
    data = RNG.standard_normal((3, 4))
    values, indices = Tensor(data).min(dim=0, keepdim=True)
    np.testing.assert_array_equal(values.data, data.min(axis=0, keepdims=True))
    np.testing.assert_array_equal(indices.data, data.argmin(axis=0)[None])
    values, indices = Tensor(data).min(dim=-1)
    assert values.shape == (3,) and indices.shape == (3,)
    np.testing.assert_array_equal(indices.data, data.argmin(axis=1))


def test_max_with_dim_on_a_0d_tensor_and_with_nan():
    values, indices = Tensor(np.array(3.0)).max(dim=0)
    assert values.shape == () and float(values.data) == 3.0 and int(indices.data) == 0
    values, indices = Tensor(np.array([[1.0, np.nan, 4.0]])).max(dim=1)
    assert np.isnan(values.data[0]) and indices.data[0] == 1  # NaN wins, as in PyTorch


def test_max_with_dim_gradcheck():
    data = RNG.standard_normal((3, 4))  # no ties: the max is differentiable here
    assert tg.gradcheck(lambda t: t.max(dim=1).values * 2.0, Tensor(data, requires_grad=True))


def test_max_without_dim_is_unchanged():
    data = RNG.standard_normal((3, 4))
    result = Tensor(data).max(1)  # numpy's meaning: positional is the axis, a Tensor back
    assert isinstance(result, Tensor)
    np.testing.assert_array_equal(result.data, data.max(axis=1))
    np.testing.assert_array_equal(Tensor(data).max(keepdim=True).data, data.max(keepdims=True))


def test_sort_and_topk_results_have_names():
    data = np.array([3.0, 1.0, 2.0])
    result = Tensor(data).sort()
    np.testing.assert_array_equal(result.values.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(result.indices.data, [1, 2, 0])
    top = tg.topk(Tensor(data), 2)
    np.testing.assert_array_equal(top.values.data, [3.0, 2.0])
    np.testing.assert_array_equal(top.indices.data, [0, 2])


# var and std: numpy's ddof 0 in numpy's words, PyTorch's n - 1 in PyTorch's

def test_var_and_std_defaults_follow_the_spelling():
    data = RNG.standard_normal((4, 5))
    t = Tensor(data)
    np.testing.assert_allclose(t.var().data, data.var())
    np.testing.assert_allclose(t.var(axis=1).data, data.var(axis=1))
    np.testing.assert_allclose(t.var(dim=1).data, data.var(axis=1, ddof=1))
    np.testing.assert_allclose(t.std(dim=0, keepdim=True).data,
                               data.std(axis=0, ddof=1, keepdims=True))
    np.testing.assert_allclose(tg.var(t, dim=1).data, data.var(axis=1, ddof=1))
    np.testing.assert_allclose(tg.std(t, axis=1).data, data.std(axis=1))


def test_var_correction_and_unbiased():
    data = RNG.standard_normal((4, 5))
    t = Tensor(data)
    np.testing.assert_allclose(t.var(dim=1, correction=0).data, data.var(axis=1))
    np.testing.assert_allclose(t.var(correction=2).data, data.var(ddof=2))
    np.testing.assert_allclose(t.var(unbiased=True).data, data.var(ddof=1))
    np.testing.assert_allclose(t.std(dim=1, unbiased=False).data, data.std(axis=1))
    np.testing.assert_allclose(t.var(axis=1, ddof=1).data, data.var(axis=1, ddof=1))
    with pytest.raises(TypeError, match="ddof and correction"):
        t.var(ddof=1, correction=1)


def test_var_in_pytorch_words_gradcheck():
    data = RNG.standard_normal((3, 4))
    assert tg.gradcheck(lambda t: t.var(dim=1, keepdim=True), Tensor(data, requires_grad=True))


# nn modules

def test_nn_modules_take_dim():
    x = Tensor(X)
    np.testing.assert_array_equal(nn.Softmax(dim=1)(x).data, nn.Softmax(axis=1)(x).data)
    np.testing.assert_array_equal(nn.LogSoftmax(dim=0)(x).data, tg.log_softmax(x, 0).data)
    np.testing.assert_array_equal(nn.Softmin(dim=2)(x).data, tg.softmin(x, 2).data)
    assert nn.GLU(dim=1)(x).shape == (3, 2, 5)
    assert nn.Flatten(start_dim=0, end_dim=1)(x).shape == (12, 5)
    assert nn.Flatten(start_dim=1)(x).shape == (3, 20)
    assert nn.Unflatten(dim=2, unflattened_size=(5, 1))(x).shape == (3, 4, 5, 1)
    np.testing.assert_array_equal(nn.CosineSimilarity(dim=2)(x, x + 1).data,
                                  tg.cosine_similarity(x, x + 1, 2).data)
    with pytest.raises(TypeError, match="got both"):
        nn.Softmax(1, dim=1)


@pytest.mark.parametrize("module", [
    nn.ReLU(inplace=True), nn.LeakyReLU(0.1, inplace=True), nn.ELU(inplace=True),
    nn.CELU(inplace=True), nn.SiLU(inplace=True), nn.Hardtanh(inplace=True),
    nn.ReLU6(inplace=True), nn.Hardsigmoid(inplace=True), nn.Hardswish(inplace=True),
    nn.Mish(inplace=True), nn.SELU(inplace=True), nn.Threshold(0.1, 20.0, inplace=True),
    nn.Dropout(0.5, inplace=True), nn.RReLU(inplace=True), nn.AlphaDropout(0.5, inplace=True),
], ids=lambda m: type(m).__name__)
def test_inplace_is_accepted_and_computed_out_of_place(module):
    module.eval()  # dropout: the identity, so the comparison below is exact
    data = RNG.standard_normal((4, 6))
    x = Tensor(data.copy(), requires_grad=True)
    out = module(x)
    np.testing.assert_array_equal(x.data, data)  # the input is left as it was
    assert module.inplace is True
    assert "inplace=True" in repr(module)
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == data.shape


def test_inplace_repr_as_pytorch():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert nn.ReLU().inplace is False


def test_dropout1d_and_dropout3d_take_inplace():
    for function, shape in ((tg.dropout1d, (2, 3, 4)), (tg.dropout3d, (2, 3, 2, 2, 2))):
        data = RNG.standard_normal(shape)
        x = Tensor(data.copy())
        np.testing.assert_array_equal(function(x, 0.5, False, inplace=True).data, data)
        np.testing.assert_array_equal(x.data, data)


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "celu", "selu", "silu",
                                  "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish",
                                  "dropout", "dropout2d", "alpha_dropout",
                                  "feature_alpha_dropout", "rrelu"])
def test_functions_take_inplace_and_leave_the_input(name):
    function = getattr(tg, name)
    data = RNG.standard_normal((2, 3, 4, 4))
    x = Tensor(data.copy())
    extra = {"training": False} if "dropout" in name or name == "rrelu" else {}
    np.testing.assert_array_equal(function(x, inplace=True, **extra).data,
                                  function(x, **extra).data)
    np.testing.assert_array_equal(x.data, data)
    out = tg.threshold(x, 0.5, -1.0, inplace=True)
    np.testing.assert_array_equal(out.data, np.where(data > 0.5, data, -1.0))
    np.testing.assert_array_equal(x.data, data)


# the ops written with PyTorch's names take numpy's too

NUMPY_NAMES_FOR_TORCH_OPS = [
    ("median", lambda t: t.median(dim=1), lambda t: t.median(axis=1)),
    ("median keepdim", lambda t: tg.median(t, dim=0, keepdim=True),
     lambda t: tg.median(t, axis=0, keepdims=True)),
    ("quantile", lambda t: t.quantile(0.3, dim=2, keepdim=True),
     lambda t: t.quantile(0.3, axis=2, keepdims=True)),
    ("cummax", lambda t: t.cummax(dim=1), lambda t: t.cummax(axis=1)),
    ("cummin", lambda t: tg.cummin(t, dim=2), lambda t: tg.cummin(t, axis=2)),
    ("argsort", lambda t: t.argsort(dim=0), lambda t: t.argsort(axis=0)),
    ("narrow", lambda t: t.narrow(dim=2, start=1, length=3),
     lambda t: t.narrow(axis=2, start=1, length=3)),
    ("select", lambda t: tg.select(t, dim=1, index=2), lambda t: tg.select(t, axis=1, index=2)),
    ("unbind", lambda t: t.unbind(dim=2), lambda t: t.unbind(axis=2)),
    ("index_select", lambda t: t.index_select(dim=1, index=np.array([3, 0, 3])),
     lambda t: t.index_select(axis=1, index=np.array([3, 0, 3]))),
    ("repeat_interleave", lambda t: t.repeat_interleave(2, dim=0),
     lambda t: t.repeat_interleave(2, axis=0)),
    ("cross", lambda t: tg.cross(t[:, :3], t[:, 1:], dim=1),
     lambda t: tg.cross(t[:, :3], t[:, 1:], axis=1)),
]


@pytest.mark.parametrize("name, torch_call, numpy_call", NUMPY_NAMES_FOR_TORCH_OPS,
                         ids=[case[0] for case in NUMPY_NAMES_FOR_TORCH_OPS])
def test_ops_named_the_pytorch_way_take_numpy_names(name, torch_call, numpy_call):
    test_pytorch_names_give_the_same_values_and_gradients(name, numpy_call, torch_call)


def test_median_and_cummax_results_have_names():
    t = Tensor(np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]]))
    median = t.median(axis=1)
    assert isinstance(median, tg.ValuesIndices)
    np.testing.assert_array_equal(median.values.data, [2.0, 4.0])
    np.testing.assert_array_equal(median.indices.data, [2, 2])
    running = tg.cummax(t, axis=1)
    np.testing.assert_array_equal(running.values.data, [[3, 3, 3], [0, 5, 5]])
    np.testing.assert_array_equal(running.indices.data, [[0, 0, 0], [0, 1, 1]])
    with pytest.raises(TypeError, match="Tensor.median\\(\\) got both 'dim' and 'axis'"):
        t.median(1, axis=1)


def test_split_in_pytorchs_words_cuts_parts_of_a_size():
    x = np.arange(14.0).reshape(7, 2)
    t = Tensor(x, requires_grad=True)
    parts = t.split(3, dim=0)  # PyTorch's: parts of 3 rows, the last what is left
    assert [p.shape[0] for p in parts] == [3, 3, 1]
    np.testing.assert_array_equal(tg.cat(parts, axis=0).data, x)
    assert [p.shape[0] for p in tg.split(t, [2, 5], dim=0)] == [2, 5]  # sizes, not cuts
    assert [p.shape[0] for p in tg.split(t, [2, 5])] == [2, 3, 2]  # numpy's cuts
    assert [p.shape[1] for p in t.split(1, dim=-1)] == [1, 1]
    sum(p.sum() * float(i + 1) for i, p in enumerate(parts)).backward()
    np.testing.assert_array_equal(t.grad[:, 0], [1, 1, 1, 2, 2, 2, 3])
    with pytest.raises(tg.OpError, match="add up to the size 7"):
        t.split([2, 2], dim=0)
    with pytest.raises(TypeError, match="both 'axis'"):
        t.split(2, axis=0, dim=0)


def test_several_axes_as_a_list_as_pytorch_takes_them():
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    t = Tensor(x)
    np.testing.assert_array_equal(t.mean(dim=[2, 3], keepdim=True).data,
                                  x.mean(axis=(2, 3), keepdims=True))
    np.testing.assert_array_equal(t.sum([0, 1]).data, x.sum(axis=(0, 1)))
    np.testing.assert_array_equal(t.amax(axis=[1, 2]).data, x.max(axis=(1, 2)))
    np.testing.assert_allclose(tg.logsumexp(t, [1, 2]).data,
                               np.log(np.exp(x).sum(axis=(1, 2))))
    np.testing.assert_array_equal(t.max(axis=[0, 1]).data, x.max(axis=(0, 1)))
    np.testing.assert_array_equal(t.min([1, 2]).data, x.min(axis=(1, 2)))
    np.testing.assert_allclose(t.var(dim=[0, 1]).data, x.var(axis=(0, 1), ddof=1))
    np.testing.assert_allclose(tg.std(t, [2, 3]).data, x.std(axis=(2, 3)))
