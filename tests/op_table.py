"""The one table of ops that drives both the forward-vs-numpy test and the gradcheck test.

Each row names an op, how to call it on Tensors (`fn`), the same computation written directly
in numpy (`ref`), and a hypothesis strategy for its inputs (`case`): shapes, including broadcast
pairs, and values drawn from a domain where the op is smooth (positive for log/sqrt, away from 0
for relu/abs/division, distinct values for max/min so no two elements tie).

`test_ops_<module>.py` run `check_forward` and `check_gradcheck` over `specs("<module>")`:

* forward: the engine's result equals numpy's exactly (`assert_array_equal`), or, for rows
  whose reference uses a different formula (stable sigmoid vs 1/(1+exp(-x)), fused softmax
  cross-entropy, ...), to `FORWARD_RTOL` - in float64 and in float32, with the result's dtype
  equal to numpy's;
* gradcheck: float64, `GRAD_ATOL` / `GRAD_RTOL` (|analytic - numeric| <= atol + rtol*|numeric|
  per element, numeric = central differences with eps=1e-6).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_np as tg
from tinygrad_np import Function, Tensor, gradcheck

# -- tolerances (stated once, used by every row) ----------------------------------------------
GRAD_EPS = 1e-6
GRAD_ATOL = 1e-5
GRAD_RTOL = 1e-3
# Only for rows with exact=False (the reference uses another formula); exact rows must match
# numpy bit for bit.
FORWARD_RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-5}
FORWARD_ATOL = {np.dtype(np.float64): 1e-12, np.dtype(np.float32): 1e-6}

MODULES = ("elementwise", "linalg", "reduce", "shape", "nn",
           "pointwise", "activation", "statistics", "combine", "normalization", "loss", "conv",
           "resample", "hard", "unpool", "fold", "transcendental", "rounding",
           "cumulative", "inverse")


@dataclass(frozen=True)
class Case:
    """Inputs for one call: the arrays that become Tensors, and the other arguments."""

    arrays: tuple[np.ndarray, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpSpec:
    name: str
    module: str
    fn: Callable[..., Tensor]  # fn(*tensors, **params)
    ref: Callable[..., Any]  # ref(*arrays, **params), plain numpy
    case: st.SearchStrategy[Case]
    exact: bool = True
    domains: tuple[st.SearchStrategy[float], ...] = ()  # binary rows: one per operand

    def __repr__(self) -> str:  # pytest ids and hypothesis reports
        return self.name


# -- value domains --------------------------------------------------------------------------
def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


REAL = _floats(-3.0, 3.0)
WIDE = _floats(-20.0, 20.0)
POSITIVE = _floats(0.25, 4.0)
AWAY_FROM_ZERO = st.one_of(_floats(0.2, 3.0), _floats(-3.0, -0.2))  # relu/abs kinks, 1/x
# Multiples of 1/16 drawn without repeats: no ties, and every gap is >> the gradcheck eps.
DISTINCT = st.integers(-64, 64).map(lambda i: i / 16)

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
ND_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)

# Broadcast pairs the issue names, on both sides: (3,1,4) with (5,1) (-> (3,5,4): both
# operands stretched), with (5,4) and with (1,4), a bias row (N,C)+(C,), a 0-d operand; plus
# hypothesis' own mutually broadcastable pairs.
NAMED_PAIRS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((3, 1, 4), (5, 1)), ((5, 1), (3, 1, 4)),
    ((3, 1, 4), (5, 4)), ((5, 4), (3, 1, 4)),
    ((3, 1, 4), (1, 4)), ((1, 4), (3, 1, 4)),
    ((4, 3), (3,)), ((3,), (4, 3)),
    ((), (2, 3)), ((2, 3), ()),
    ((2, 3), (2, 3)),
)
PAIRS = st.one_of(
    st.sampled_from(NAMED_PAIRS),
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
    .map(lambda r: r.input_shapes),
)


def arrays(shape: Any, elements: st.SearchStrategy[float] = REAL,
           unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def unary(elements: st.SearchStrategy[float] = REAL, shapes: Any = SHAPES,
          unique: bool = False) -> st.SearchStrategy[Case]:
    return shapes.flatmap(lambda s: arrays(s, elements, unique)).map(lambda a: Case((a,)))


@st.composite
def binary(draw: Any, da: st.SearchStrategy[float], db: st.SearchStrategy[float],
           pairs: st.SearchStrategy[Any] = PAIRS) -> Case:
    sa, sb = draw(pairs)
    return Case((draw(arrays(sa, da)), draw(arrays(sb, db))))


@st.composite
def with_scalar(draw: Any, dx: st.SearchStrategy[float], dc: st.SearchStrategy[float]) -> Case:
    """A tensor and a Python float `c`."""
    return Case((draw(arrays(draw(SHAPES), dx)),), {"c": draw(dc)})


@st.composite
def with_ndarray(draw: Any, dx: st.SearchStrategy[float], dc: st.SearchStrategy[float]) -> Case:
    """A tensor and a constant numpy array `c` it broadcasts with (c is the left operand)."""
    sc, sx = draw(PAIRS)
    return Case((draw(arrays(sx, dx)),), {"c": draw(arrays(sc, dc))})


def _spec(name: str, fn: Callable[..., Tensor], ref: Callable[..., Any],
          case: st.SearchStrategy[Case], exact: bool = True,
          domains: tuple[st.SearchStrategy[float], ...] = ()) -> OpSpec:
    """A row; `_in_module` fills in which test_ops_<module>.py runs it."""
    return OpSpec(name, "", fn, ref, case, exact, domains)


def interpolate_ref(a: np.ndarray, size: Any = None, scale_factor: Any = None,
                    mode: str = "nearest", align_corners: Any = None,
                    antialias: bool = False) -> np.ndarray:
    """Output element by output element, with PyTorch's formulas: nearest takes input
    floor(i * scale); linear weighs inputs floor(s) and floor(s) + 1 by s's fraction, where
    s = (i + 0.5) * scale - 0.5 (at least 0), or i * (in - 1) / (out - 1) with align_corners;
    scale is in / out for a size, 1 / factor for a scale_factor. Bicubic weighs the four
    inputs around floor(s) (s not clipped at 0; inputs past the border are the border's) by
    Keys' cubic convolution (a = -0.75). Bilinear and bicubic weigh the rows inside each
    column tap, as PyTorch does."""
    spatial = a.shape[2:]
    if size is not None:
        outs = tuple(size) if isinstance(size, tuple) else (size,) * len(spatial)
        scales = [n / o for n, o in zip(spatial, outs)]
    else:
        factors = scale_factor if isinstance(scale_factor, tuple) else (scale_factor,) * len(
            spatial)
        outs = tuple(int(np.floor(n * f)) for n, f in zip(spatial, factors))
        scales = [1 / f for f in factors]

    def taps(i: int, n: int, o: int, scale: float) -> list[tuple[int, float]]:
        if mode == "nearest":
            return [(min(int(np.floor(i * scale)), n - 1), 1.0)]
        if antialias and n != o:
            return _antialias_taps(i, n, o, scale)
        if align_corners:
            s = i * (n - 1) / (o - 1) if o > 1 else 0.0
        else:
            s = (i + 0.5) * scale - 0.5
        if mode == "bicubic":  # Keys' cubic convolution, a = -0.75, taps clamped
            start = min(int(np.floor(s)), n - 1)
            t = min(max(s - start, 0.0), 1.0)

            def kernel(d: float) -> float:
                d, a = abs(d), -0.75
                if d <= 1:
                    return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
                return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a
            return [(min(max(start - 1 + j, 0), n - 1), kernel(t + 1 - j)) for j in range(4)]
        s = max(s, 0.0)
        low = min(int(s), n - 1)
        return [(low, 1 - (s - low)), (min(low + 1, n - 1), s - low)]

    def _antialias_taps(i: int, n: int, o: int, scale: float) -> list[tuple[int, float]]:
        """PIL's filter, stretched by the scale when shrinking, over the inputs it covers,
        normalised to sum to 1."""
        if align_corners:
            scale = (n - 1) / (o - 1) if o > 1 else 0.0
        reach = 1.0 if mode == "bilinear" else 2.0
        support, stretch = (reach * scale, 1 / scale) if scale >= 1 else (reach, 1.0)
        center = scale * (i + 0.5)
        first = max(int(center - support + 0.5), 0)
        last = min(int(center + support + 0.5), n)

        def kernel(d: float) -> float:
            d = abs(d)
            if mode == "bilinear":
                return max(0.0, 1 - d)
            a = -0.5
            if d < 1:
                return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
            return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a if d < 2 else 0.0
        weights = [kernel((j - center + 0.5) * stretch) for j in range(first, last)]
        total = sum(weights) or 1.0
        return [(j, w / total) for j, w in zip(range(first, last), weights)]

    out = np.zeros(a.shape[:2] + outs, dtype=a.dtype)
    for index in np.ndindex(*outs):
        per_axis = [taps(i, n, o, sc) for i, n, o, sc in zip(index, spatial, outs, scales)]
        if len(per_axis) == 1:
            value = sum(a[:, :, j] * w for j, w in per_axis[0])
        else:
            value = sum(wh * sum(a[:, :, jh, jw] * ww for jw, ww in per_axis[1])
                        for jh, wh in per_axis[0])
        out[(slice(None), slice(None)) + index] = value
    return out


@st.composite
def interpolate_case(draw: Any) -> Case:
    dims = draw(st.integers(1, 2))
    spatial = tuple(draw(st.integers(1, 5)) for _ in range(dims))
    mode = draw(st.sampled_from(["nearest"] + (["linear"] if dims == 1
                                               else ["bilinear", "bicubic"])))
    params: dict[str, Any] = {"mode": mode}
    if draw(st.booleans()):
        params["size"] = tuple(draw(st.integers(1, 7)) for _ in range(dims))
    else:  # whole factors: the scale is the size ratio, and PyTorch's kernels all agree
        params["scale_factor"] = tuple(float(draw(st.integers(1, 3))) for _ in range(dims))
    if mode != "nearest":
        params["align_corners"] = draw(st.booleans())
    if mode in ("bilinear", "bicubic") and draw(st.booleans()):
        params["antialias"] = True
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + spatial
    return Case((draw(arrays(shape)),), params)


RESAMPLE = [
    _spec("interpolate", lambda x, **p: tg.interpolate(x, **p), interpolate_ref,
          interpolate_case(), exact=False),
]


def _in_module(module: str, rows: list[OpSpec]) -> list[OpSpec]:
    return [replace(row, module=module) for row in rows]


# -- elementwise ------------------------------------------------------------------------------
def _sigmoid_ref(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def _binary_spec(name: str, fn: Callable[..., Tensor], ref: Callable[..., Any],
                 da: st.SearchStrategy[float], db: st.SearchStrategy[float],
                 exact: bool = True) -> OpSpec:
    return _spec(name, fn, ref, binary(da, db), exact, (da, db))


ELEMENTWISE = [
    _binary_spec("add", lambda a, b: a + b, lambda a, b: a + b, REAL, REAL),
    _binary_spec("sub", lambda a, b: a - b, lambda a, b: a - b, REAL, REAL),
    _binary_spec("mul", lambda a, b: a * b, lambda a, b: a * b, REAL, REAL),
    _binary_spec("div", lambda a, b: a / b, lambda a, b: a / b, REAL, AWAY_FROM_ZERO),
    _binary_spec("pow_tensor_exponent", lambda a, b: a ** b, lambda a, b: a ** b,
                 POSITIVE, REAL),
    # a Python number on either side
    _spec("add_scalar", lambda x, c: x + c, lambda a, c: a + c, with_scalar(REAL, REAL)),
    _spec("radd_scalar", lambda x, c: c + x, lambda a, c: c + a, with_scalar(REAL, REAL)),
    _spec("sub_scalar", lambda x, c: x - c, lambda a, c: a - c, with_scalar(REAL, REAL)),
    _spec("rsub_scalar", lambda x, c: c - x, lambda a, c: c - a, with_scalar(REAL, REAL)),
    _spec("mul_scalar", lambda x, c: x * c, lambda a, c: a * c, with_scalar(REAL, REAL)),
    _spec("rmul_scalar", lambda x, c: c * x, lambda a, c: c * a, with_scalar(REAL, REAL)),
    _spec("div_scalar", lambda x, c: x / c, lambda a, c: a / c,
          with_scalar(REAL, AWAY_FROM_ZERO)),
    _spec("rdiv_scalar", lambda x, c: c / x, lambda a, c: c / a,
          with_scalar(AWAY_FROM_ZERO, REAL)),
    _spec("rpow_scalar", lambda x, c: c ** x, lambda a, c: c ** a,
          with_scalar(REAL, POSITIVE)),
    # a numpy array on the left must reach the Tensor (ndarray.__mul__ defers)
    _spec("ndarray_add_left", lambda x, c: c + x, lambda a, c: c + a, with_ndarray(REAL, REAL)),
    _spec("ndarray_sub_left", lambda x, c: c - x, lambda a, c: c - a, with_ndarray(REAL, REAL)),
    _spec("ndarray_mul_left", lambda x, c: c * x, lambda a, c: c * a, with_ndarray(REAL, REAL)),
    _spec("ndarray_div_left", lambda x, c: c / x, lambda a, c: c / a,
          with_ndarray(AWAY_FROM_ZERO, REAL)),
    _spec("ndarray_pow_left", lambda x, c: c ** x, lambda a, c: c ** a,
          with_ndarray(REAL, POSITIVE)),
    _spec("neg", lambda x: -x, lambda a: -a, unary()),
    _spec("pow_2", lambda x: x ** 2, lambda a: a ** 2, unary()),
    _spec("pow_3", lambda x: x ** 3, lambda a: a ** 3, unary()),
    _spec("pow_half", lambda x: x ** 0.5, lambda a: a ** 0.5, unary(POSITIVE)),
    _spec("pow_neg_1_5", lambda x: x ** -1.5, lambda a: a ** -1.5, unary(POSITIVE)),
    _spec("exp", lambda x: x.exp(), np.exp, unary()),
    _spec("log", lambda x: x.log(), np.log, unary(POSITIVE)),
    _spec("sqrt", lambda x: x.sqrt(), np.sqrt, unary(POSITIVE)),
    _spec("abs", lambda x: x.abs(), np.abs, unary(AWAY_FROM_ZERO)),
    _spec("relu", lambda x: x.relu(), lambda a: np.maximum(a, 0), unary(AWAY_FROM_ZERO)),
    _spec("sigmoid", lambda x: x.sigmoid(), _sigmoid_ref, unary(WIDE), exact=False),
    _spec("tanh", lambda x: x.tanh(), np.tanh, unary(WIDE)),
    # the top-level functions are the same ops
    _spec("fn_exp", tg.exp, np.exp, unary()),
    _spec("fn_log", tg.log, np.log, unary(POSITIVE)),
    _spec("fn_sqrt", tg.sqrt, np.sqrt, unary(POSITIVE)),
    _spec("fn_relu", tg.relu, lambda a: np.maximum(a, 0), unary(AWAY_FROM_ZERO)),
    _spec("fn_sigmoid", tg.sigmoid, _sigmoid_ref, unary(WIDE), exact=False),
    _spec("fn_tanh", tg.tanh, np.tanh, unary(WIDE)),
]

# -- linalg -----------------------------------------------------------------------------------
MATMUL_NAMED = (
    ((3,), (3, 4)),  # vector . matrix
    ((2, 3), (3,)),  # matrix . vector
    ((2, 3), (3, 4)),
    ((2, 3, 4), (4, 5)),  # batched, broadcast
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (5, 4, 2)),
)
# Everything except 1-D . 1-D, which has its own row (its result is 0-d).
MATMUL_PAIRS = st.one_of(
    st.sampled_from(MATMUL_NAMED),
    hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=4)
    .map(lambda r: r.input_shapes)
    .filter(lambda s: not (len(s[0]) == 1 and len(s[1]) == 1)),
)
VECTOR_PAIRS = st.integers(1, 5).map(lambda n: ((n,), (n,)))


@st.composite
def ndarray_matmul_left(draw: Any) -> Case:
    sc, sx = draw(MATMUL_PAIRS)
    return Case((draw(arrays(sx)),), {"c": draw(arrays(sc))})


# einsum: products, sums, transposes, diagonals, broadcasting, ellipses, implicit outputs
EINSUM_NAMED = [
    ("ij,jk->ik", [(3, 4), (4, 2)]), ("ij,jk", [(2, 3), (3, 4)]), ("ij->ji", [(3, 4)]),
    ("ii->i", [(3, 3)]), ("ii", [(4, 4)]), ("ij->", [(2, 3)]), ("i,j->ij", [(3,), (2,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]), ("...ij,...jk->...ik", [(2, 3, 4), (4, 2)]),
    ("...ij,...jk", [(1, 2, 3), (2, 3, 2)]), ("ij,ij->i", [(3, 4), (1, 4)]),
    ("i,i->", [(5,), (5,)]), ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 4)]),
    ("iij->ij", [(3, 3, 2)]), ("ij,k->ik", [(2, 3), (4,)]), ("...i->...", [(2, 3, 4)]),
    ("ijj,jk->ik", [(2, 3, 3), (3, 2)]), (",i->i", [(), (3,)]),
]


@st.composite
def einsum_case(draw: Any) -> Case:
    subscripts, shapes = draw(st.sampled_from(EINSUM_NAMED))
    return Case(tuple(draw(arrays(shape)) for shape in shapes), {"subscripts": subscripts})


LINALG = [
    _spec("einsum", lambda *ts, subscripts: tg.einsum(subscripts, *ts),
          lambda *arrays, subscripts: np.einsum(subscripts, *arrays), einsum_case(),
          exact=False),
    _spec("matmul", lambda a, b: a @ b, lambda a, b: a @ b, binary(REAL, REAL, MATMUL_PAIRS)),
    _spec("matmul_1d_1d", lambda a, b: a @ b, lambda a, b: a @ b,
          binary(REAL, REAL, VECTOR_PAIRS)),
    _spec("matmul_method", lambda a, b: a.matmul(b), np.matmul, binary(REAL, REAL, MATMUL_PAIRS)),
    _spec("dot_method", lambda a, b: a.dot(b), np.matmul, binary(REAL, REAL, MATMUL_PAIRS)),
    _spec("fn_matmul", tg.matmul, np.matmul, binary(REAL, REAL, MATMUL_PAIRS)),
    _spec("fn_dot", tg.dot, np.matmul, binary(REAL, REAL, MATMUL_PAIRS)),
    _spec("ndarray_matmul_left", lambda x, c: c @ x, lambda a, c: c @ a, ndarray_matmul_left()),
]


# -- reductions -------------------------------------------------------------------------------
@st.composite
def reduce_case(draw: Any, elements: st.SearchStrategy[float], unique: bool = False) -> Case:
    shape = draw(SHAPES)
    ndim = len(shape)
    axis_choices: list[st.SearchStrategy[Any]] = [st.none()]
    if ndim:
        axis_choices += [st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim)]
    axis = draw(st.one_of(axis_choices))
    return Case((draw(arrays(shape, elements, unique)),),
                {"axis": axis, "keepdims": draw(st.booleans())})


REDUCE = [
    _spec("sum", lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
          lambda a, axis, keepdims: a.sum(axis=axis, keepdims=keepdims), reduce_case(REAL)),
    _spec("mean", lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
          lambda a, axis, keepdims: np.mean(a, axis=axis, keepdims=keepdims), reduce_case(REAL)),
    _spec("max", lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
          lambda a, axis, keepdims: np.max(a, axis=axis, keepdims=keepdims),
          reduce_case(DISTINCT, unique=True)),
    _spec("min", lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims),
          lambda a, axis, keepdims: np.min(a, axis=axis, keepdims=keepdims),
          reduce_case(DISTINCT, unique=True)),
]


# -- shape ------------------------------------------------------------------------------------
@st.composite
def reshape_case(draw: Any) -> Case:
    shape = draw(SHAPES)
    size = math.prod(shape)
    target = draw(st.sampled_from([(-1,), (size,), (1, size), (size, 1), shape[::-1],
                                   (*shape, 1), (1, -1)]))
    return Case((draw(arrays(shape)),), {"shape": target})


@st.composite
def transpose_case(draw: Any) -> Case:
    shape = draw(SHAPES)
    return Case((draw(arrays(shape)),), {"axes": tuple(draw(st.permutations(range(len(shape)))))})


@st.composite
def basic_index_case(draw: Any) -> Case:
    """ints (negative too), slices with steps, None, Ellipsis."""
    shape = draw(ND_SHAPES)
    index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return Case((draw(arrays(shape)),), {"index": index})


@st.composite
def int_array_index_case(draw: Any) -> Case:
    """Integer arrays: indices repeat, so the gradients of the repeats must add."""
    shape = draw(ND_SHAPES)
    index = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2,
                                                                                 max_side=6)))
    return Case((draw(arrays(shape)),), {"index": index})


@st.composite
def int_list_index_case(draw: Any) -> Case:
    shape = draw(ND_SHAPES)
    n = shape[0]
    index = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))
    return Case((draw(arrays(shape)),), {"index": index})


@st.composite
def bool_mask_case(draw: Any) -> Case:
    shape = draw(ND_SHAPES)
    mask_shape = shape[:draw(st.integers(1, len(shape)))]  # a full mask or one on leading axes
    return Case((draw(arrays(shape)),), {"index": draw(hnp.arrays(np.bool_, mask_shape))})


SHAPE = [
    _spec("reshape", lambda x, shape: x.reshape(shape), lambda a, shape: a.reshape(shape),
          reshape_case()),
    _spec("reshape_varargs", lambda x, shape: x.reshape(*shape),
          lambda a, shape: a.reshape(shape), reshape_case()),
    _spec("transpose_reverse", lambda x: x.transpose(), np.transpose, unary()),
    _spec("transpose_axes", lambda x, axes: x.transpose(axes),
          lambda a, axes: a.transpose(axes), transpose_case()),
    # every axis as arguments: numpy's permutation, but for a matrix's two, which are
    # PyTorch's pair to swap (numpy's reading of (0, 1) would be the identity)
    _spec("transpose_varargs", lambda x, axes: x.transpose(*axes),
          lambda a, axes: a.T if a.ndim == 2 else a.transpose(axes), transpose_case()),
    _spec("T", lambda x: x.T, lambda a: a.T, unary()),
    _spec("getitem_basic", lambda x, index: x[index], lambda a, index: a[index],
          basic_index_case()),
    _spec("getitem_int_arrays", lambda x, index: x[index], lambda a, index: a[index],
          int_array_index_case()),
    _spec("getitem_int_list", lambda x, index: x[index], lambda a, index: a[index],
          int_list_index_case()),
    _spec("getitem_bool_mask", lambda x, index: x[index], lambda a, index: a[index],
          bool_mask_case()),
]


# -- nn ---------------------------------------------------------------------------------------
def _log_softmax_ref(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    return a - m - np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))


def _softmax_ref(a: np.ndarray, axis: int) -> np.ndarray:
    return np.exp(_log_softmax_ref(a, axis))


def _sce_ref(a: np.ndarray, labels: Any) -> Any:
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    log_p = _log_softmax_ref(a, 1)
    if labels.ndim == 1:
        return -np.mean(log_p[np.arange(len(labels)), labels])
    return -np.mean(np.sum(labels * log_p, axis=1))


@st.composite
def axis_case(draw: Any) -> Case:
    shape = draw(ND_SHAPES)
    return Case((draw(arrays(shape, WIDE)),), {"axis": draw(st.integers(-len(shape),
                                                                        len(shape) - 1))})


@st.composite
def class_index_case(draw: Any, as_tensor: bool = False) -> Case:
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)),
                      dtype=draw(st.sampled_from([np.int64, np.int32, np.uint8])))
    return Case((draw(arrays((n, c), WIDE)),),
                {"labels": Tensor(labels) if as_tensor else labels})


@st.composite
def one_hot_case(draw: Any) -> Case:
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    idx = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    return Case((draw(arrays((n, c), WIDE)),), {"labels": np.eye(c)[idx]})


@st.composite
def probability_rows_case(draw: Any) -> Case:
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    weights = draw(arrays((n, c), _floats(0.0, 1.0)).filter(lambda w: bool(np.all(
        w.sum(axis=1) > 0.1))))
    return Case((draw(arrays((n, c), WIDE)),),
                {"labels": weights / weights.sum(axis=1, keepdims=True)})


@st.composite
def weighted_rows_case(draw: Any) -> Case:
    """Rows that do not sum to 1 (the op accepts any float rows): backward must match the
    forward -sum(t * log_softmax) / N, i.e. (softmax * sum(t) - t) / N."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    return Case((draw(arrays((n, c), WIDE)),), {"labels": draw(arrays((n, c), _floats(0, 2)))})


NN = [
    _spec("softmax", lambda x, axis: x.softmax(axis), _softmax_ref, axis_case(), exact=False),
    _spec("log_softmax", lambda x, axis: x.log_softmax(axis), _log_softmax_ref, axis_case(),
          exact=False),
    _spec("fn_softmax", lambda x, axis: tg.softmax(x, axis=axis), _softmax_ref, axis_case(),
          exact=False),
    _spec("fn_log_softmax", lambda x, axis: tg.log_softmax(x, axis=axis), _log_softmax_ref,
          axis_case(), exact=False),
    _spec("softmax_default_axis", lambda x: x.softmax(), lambda a: _softmax_ref(a, -1),
          unary(WIDE, ND_SHAPES), exact=False),
    _spec("sce_class_indices", lambda x, labels: x.softmax_cross_entropy(labels), _sce_ref,
          class_index_case(), exact=False),
    _spec("sce_class_indices_tensor", lambda x, labels: x.softmax_cross_entropy(labels),
          _sce_ref, class_index_case(as_tensor=True), exact=False),
    _spec("sce_one_hot_rows", lambda x, labels: x.softmax_cross_entropy(labels), _sce_ref,
          one_hot_case(), exact=False),
    _spec("sce_probability_rows", lambda x, labels: x.softmax_cross_entropy(labels), _sce_ref,
          probability_rows_case(), exact=False),
    _spec("sce_weighted_rows", lambda x, labels: x.softmax_cross_entropy(labels), _sce_ref,
          weighted_rows_case(), exact=False),
    _spec("fn_sce", lambda x, labels: tg.softmax_cross_entropy(x, labels), _sce_ref,
          class_index_case(), exact=False),
    _spec("l2", lambda x: x.l2(), lambda a: 0.5 * np.sum(a * a), unary(), exact=False),
    _spec("fn_l2", tg.l2, lambda a: 0.5 * np.sum(a * a), unary(), exact=False),
]


# -- conv: convolution and pooling, against naive loops over every output pixel ----------------
# Values are multiples of 1/8 in [-4, 4]: every product and every partial sum of a small conv
# is then exact in float32, so the engine's matmul must equal the loop bit for bit, in any
# order of summation.
CONV_GRID = st.integers(-32, 32).map(lambda i: i / 8)


def _two(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


def _padded(a: np.ndarray, ph: int, pw: int, value: float = 0.0) -> np.ndarray:
    n, c, h, w = a.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=a.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = a
    return out


def conv2d_ref(x: np.ndarray, w: np.ndarray, b: Any = None, stride: Any = 1, padding: Any = 0,
               dilation: Any = 1, groups: int = 1) -> np.ndarray:
    """The definition, one output element at a time."""
    (sh, sw), (ph, pw), (dh, dw) = _two(stride), _two(padding), _two(dilation)
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = _padded(x, ph, pw)
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, ho, wo), dtype=x.dtype)
    per_group = o // groups
    for img in range(n):
        for oc in range(o):
            first = (oc // per_group) * cg
            for y in range(ho):
                for xx in range(wo):
                    total = 0.0 if b is None else float(b[oc])
                    for ci in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                total += float(w[oc, ci, i, j]) * float(
                                    xp[img, first + ci, y * sh + i * dh, xx * sw + j * dw])
                    out[img, oc, y, xx] = total
    return out


def conv1d_ref(x: np.ndarray, w: np.ndarray, b: Any = None, stride: int = 1, padding: int = 0,
               dilation: int = 1, groups: int = 1) -> np.ndarray:
    return conv2d_ref(x[:, :, None], w[:, :, None], b, (1, stride), (0, padding),
                      (1, dilation), groups)[:, :, 0]


def conv_transpose2d_ref(x: np.ndarray, w: np.ndarray, b: Any = None, stride: Any = 1,
                         padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                         dilation: Any = 1) -> np.ndarray:
    """Every input element scatters its kernel into the output."""
    (sh, sw), (ph, pw), (dh, dw) = _two(stride), _two(padding), _two(dilation)
    eh, ew = _two(output_padding)
    n, c, h, wd = x.shape
    _, og, kh, kw = w.shape
    cg = c // groups
    full = np.zeros((n, og * groups, (h - 1) * sh + dh * (kh - 1) + 1 + eh,
                     (wd - 1) * sw + dw * (kw - 1) + 1 + ew))
    for img in range(n):
        for ci in range(c):
            group = ci // cg
            for y in range(h):
                for xx in range(wd):
                    for oc in range(og):
                        for i in range(kh):
                            for j in range(kw):
                                full[img, group * og + oc, y * sh + i * dh, xx * sw + j * dw] += \
                                    float(x[img, ci, y, xx]) * float(w[ci, oc, i, j])
    ho, wo = full.shape[2] - 2 * ph, full.shape[3] - 2 * pw
    out = full[:, :, ph:ph + ho, pw:pw + wo]
    if b is not None:
        out = out + b.astype(np.float64)[:, None, None]
    return out.astype(x.dtype)


def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooled length: floor (or ceil) mode; in ceil mode the last window must
    start inside the input or its left padding."""
    room = size + 2 * p - d * (k - 1) - 1
    count = (room + s - 1) // s + 1 if ceil_mode else room // s + 1
    return count - 1 if ceil_mode and (count - 1) * s >= size + p else count


def max_pool2d_ref(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
                   dilation: Any = 1, ceil_mode: bool = False) -> np.ndarray:
    """Every window's maximum, element by element (padding and beyond are -inf)."""
    (kh, kw), (ph, pw), (dh, dw) = _two(kernel_size), _two(padding), _two(dilation)
    sh, sw = (kh, kw) if stride is None else _two(stride)
    h, w = x.shape[2:]
    ho, wo = (_pool_size(h, kh, sh, ph, dh, ceil_mode), _pool_size(w, kw, sw, pw, dw, ceil_mode))
    out = np.full(x.shape[:2] + (ho, wo), -np.inf)
    for y in range(ho):
        for xx in range(wo):
            for i in range(kh):
                for j in range(kw):
                    r, c = y * sh - ph + i * dh, xx * sw - pw + j * dw
                    if 0 <= r < h and 0 <= c < w:
                        out[:, :, y, xx] = np.maximum(out[:, :, y, xx], x[:, :, r, c])
    return out.astype(x.dtype)


def avg_pool2d_ref(x: np.ndarray, kernel_size: Any, stride: Any = None, padding: Any = 0,
                   ceil_mode: bool = False, count_include_pad: bool = True,
                   divisor_override: Any = None) -> np.ndarray:
    """Every window's sum over the input it covers, then one division by PyTorch's divisor:
    the window clipped to the padded input (count_include_pad) or to the input itself."""
    (kh, kw), (ph, pw) = _two(kernel_size), _two(padding)
    sh, sw = (kh, kw) if stride is None else _two(stride)
    h, w = x.shape[2:]
    ho, wo = (_pool_size(h, kh, sh, ph, 1, ceil_mode), _pool_size(w, kw, sw, pw, 1, ceil_mode))
    out = np.zeros(x.shape[:2] + (ho, wo), dtype=x.dtype)
    for y in range(ho):
        for xx in range(wo):
            r0, c0 = y * sh - ph, xx * sw - pw
            r1, c1 = min(r0 + kh, h + ph), min(c0 + kw, w + pw)
            inside = x[:, :, max(r0, 0):min(r1, h), max(c0, 0):min(c1, w)]
            if divisor_override:
                divisor = divisor_override
            elif count_include_pad:
                divisor = (r1 - r0) * (c1 - c0)
            else:
                divisor = inside.shape[2] * inside.shape[3]
            out[:, :, y, xx] = inside.sum(axis=(2, 3)) / divisor
    return out


def _adaptive_ref(x: np.ndarray, output_size: Any,
                  reduce: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """PyTorch's windows: rows floor(i * H / oh) to ceil((i + 1) * H / oh), likewise columns;
    each window reduced to one value."""
    oh, ow = _two(output_size)
    (h, w), oh, ow = x.shape[2:], oh or x.shape[2], ow or x.shape[3]
    out = np.zeros(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * h // oh:-(-(i + 1) * h // oh), j * w // ow:-(-(j + 1) * w // ow)]
            out[:, :, i, j] = reduce(window)
    return out


def adaptive_avg_pool2d_ref(x: np.ndarray, output_size: Any) -> np.ndarray:
    return _adaptive_ref(x, output_size,
                         lambda w: w.sum(axis=(2, 3)) / (w.shape[2] * w.shape[3]))


def adaptive_max_pool2d_ref(x: np.ndarray, output_size: Any) -> np.ndarray:
    return _adaptive_ref(x, output_size, lambda w: w.max(axis=(2, 3)))


def adaptive_max_pool1d_ref(x: np.ndarray, output_size: int) -> np.ndarray:
    return adaptive_max_pool2d_ref(x[:, :, None], (1, output_size))[:, :, 0]


def max_pool1d_ref(x: np.ndarray, kernel_size: int, stride: Any = None, padding: int = 0,
                   dilation: int = 1, ceil_mode: bool = False) -> np.ndarray:
    return max_pool2d_ref(x[:, :, None], (1, kernel_size), None if stride is None else
                          (1, stride), (0, padding), (1, dilation), ceil_mode)[:, :, 0]


def avg_pool1d_ref(x: np.ndarray, kernel_size: int, stride: Any = None, padding: int = 0,
                   ceil_mode: bool = False, count_include_pad: bool = True) -> np.ndarray:
    return avg_pool2d_ref(x[:, :, None], (1, kernel_size), None if stride is None else
                          (1, stride), (0, padding), ceil_mode, count_include_pad)[:, :, 0]


def adaptive_avg_pool1d_ref(x: np.ndarray, output_size: int) -> np.ndarray:
    return adaptive_avg_pool2d_ref(x[:, :, None], (1, output_size))[:, :, 0]


def _int_or_pair(draw: Any, lo: int, hi: int) -> Any:
    a, b = draw(st.integers(lo, hi)), draw(st.integers(lo, hi))
    return draw(st.sampled_from([a, (a, b)]))


@st.composite
def conv2d_case(draw: Any, with_bias: bool) -> Case:
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding = _int_or_pair(draw, 1, 2), _int_or_pair(draw, 0, 2)
    dilation = _int_or_pair(draw, 1, 2)
    (ph, pw), (dh, dw) = _two(padding), _two(dilation)
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 6))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 6))
    n = draw(st.integers(1, 2))
    arrays_ = [draw(arrays((n, groups * cg, h, w), CONV_GRID)),
               draw(arrays((groups * og, cg, kh, kw), CONV_GRID))]
    if with_bias:
        arrays_.append(draw(arrays((groups * og,), CONV_GRID)))
    return Case(tuple(arrays_), {"stride": stride, "padding": padding, "dilation": dilation,
                                 "groups": groups})


@st.composite
def conv1d_case(draw: Any) -> Case:
    groups = draw(st.sampled_from([1, 2]))
    cg, og, k = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    stride, padding, dilation = (draw(st.integers(1, 2)), draw(st.integers(0, 2)),
                                 draw(st.integers(1, 2)))
    length = draw(st.integers(max(1, dilation * (k - 1) + 1 - 2 * padding), 8))
    n = draw(st.integers(1, 2))
    return Case((draw(arrays((n, groups * cg, length), CONV_GRID)),
                 draw(arrays((groups * og, cg, k), CONV_GRID)),
                 draw(arrays((groups * og,), CONV_GRID))),
                {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups})


@st.composite
def conv_transpose2d_case(draw: Any) -> Case:
    groups = draw(st.sampled_from([1, 1, 2]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, dilation = _int_or_pair(draw, 1, 2), _int_or_pair(draw, 1, 2)
    (sh, sw), (dh, dw) = _two(stride), _two(dilation)
    extra = (draw(st.integers(0, max(sh, dh) - 1)), draw(st.integers(0, max(sw, dw) - 1)))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    full = ((h - 1) * sh + dh * (kh - 1) + 1 + extra[0], (w - 1) * sw + dw * (kw - 1) + 1
            + extra[1])
    padding = (draw(st.integers(0, min(2, (full[0] - 1) // 2))),
               draw(st.integers(0, min(2, (full[1] - 1) // 2))))
    return Case((draw(arrays((n, groups * cg, h, w), CONV_GRID)),
                 draw(arrays((groups * cg, og, kh, kw), CONV_GRID)),
                 draw(arrays((groups * og,), CONV_GRID))),
                {"stride": stride, "padding": padding, "output_padding": extra,
                 "groups": groups, "dilation": dilation})


@st.composite
def pool_case(draw: Any, elements: st.SearchStrategy[float], unique: bool,
              kind: str = "max") -> Case:
    kernel = _int_or_pair(draw, 1, 3)
    kh, kw = _two(kernel)
    stride = None if draw(st.booleans()) else _int_or_pair(draw, 1, 3)
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    padding = ph if ph == pw else (ph, pw)
    params = {"kernel_size": kernel, "stride": stride, "padding": padding}
    dh, dw = 1, 1
    if draw(st.booleans()):  # PyTorch's further settings
        params["ceil_mode"] = draw(st.booleans())
        if kind == "max":
            if not ph and not pw:  # (padded, a dilated window may hold only padding: -inf)
                params["dilation"] = _int_or_pair(draw, 1, 2)
                dh, dw = _two(params["dilation"])
        else:
            params["count_include_pad"] = draw(st.booleans())
            params["divisor_override"] = draw(st.sampled_from([None, 3]))
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 6))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 6))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w)
    return Case((draw(arrays(shape, elements, unique)),), params)


@st.composite
def pool1d_case(draw: Any, elements: st.SearchStrategy[float], unique: bool,
                kind: str) -> Case:
    k = draw(st.integers(1, 3))
    params: dict[str, Any] = {"kernel_size": k, "stride": draw(st.sampled_from([None, 1, 2])),
                              "padding": draw(st.integers(0, k // 2)),
                              "ceil_mode": draw(st.booleans())}
    span = k
    if kind == "max" and not params["padding"]:
        params["dilation"] = draw(st.integers(1, 2))
        span = params["dilation"] * (k - 1) + 1
    if kind == "avg":
        params["count_include_pad"] = draw(st.booleans())
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)),
             draw(st.integers(max(1, span - 2 * params["padding"]), 8)))
    return Case((draw(arrays(shape, elements, unique)),), params)


@st.composite
def adaptive1d_case(draw: Any, elements: Any = CONV_GRID, unique: bool = False) -> Case:
    shape = (draw(st.integers(1, 2)), 2, draw(st.integers(1, 8)))
    return Case((draw(arrays(shape, elements, unique)),), {"output_size": draw(st.integers(1, 4))})


@st.composite
def adaptive_max_case(draw: Any) -> Case:
    shape = (draw(st.integers(1, 2)), 2, draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    size = (draw(st.integers(1, 4)), draw(st.sampled_from([None, 1, 2, 3])))
    return Case((draw(arrays(shape, DISTINCT, True)),), {"output_size": size})


@st.composite
def adaptive_case(draw: Any) -> Case:
    oh, ow = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    if draw(st.booleans()):  # windows side by side
        h, w = oh * draw(st.integers(1, 3)), ow * draw(st.integers(1, 3))
    else:  # PyTorch's uneven (and overlapping, or repeated) windows
        h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    size = draw(st.sampled_from([(oh, ow), (None, ow), (oh, None)] + ([oh] if oh == ow else [])))
    return Case((draw(arrays((draw(st.integers(1, 2)), 2, h, w), CONV_GRID)),),
                {"output_size": size})


CONV = [
    _spec("conv2d", lambda x, w, b, **p: tg.conv2d(x, w, b, **p), conv2d_ref,
          conv2d_case(with_bias=True)),
    _spec("conv2d_no_bias", lambda x, w, **p: tg.conv2d(x, w, **p), conv2d_ref,
          conv2d_case(with_bias=False)),
    _spec("conv1d", lambda x, w, b, **p: tg.conv1d(x, w, b, **p), conv1d_ref, conv1d_case()),
    _spec("conv_transpose2d", lambda x, w, b, **p: tg.conv_transpose2d(x, w, b, **p),
          conv_transpose2d_ref, conv_transpose2d_case()),
    # distinct values: no two elements of a window tie, so the max is differentiable
    _spec("max_pool2d", lambda x, **p: tg.max_pool2d(x, **p), max_pool2d_ref,
          pool_case(DISTINCT, unique=True)),
    _spec("avg_pool2d", lambda x, **p: tg.avg_pool2d(x, **p), avg_pool2d_ref,
          pool_case(CONV_GRID, unique=False, kind="avg")),
    _spec("adaptive_avg_pool2d", lambda x, **p: tg.adaptive_avg_pool2d(x, **p),
          adaptive_avg_pool2d_ref, adaptive_case()),
    _spec("max_pool1d", lambda x, **p: tg.max_pool1d(x, **p), max_pool1d_ref,
          pool1d_case(DISTINCT, unique=True, kind="max")),
    _spec("avg_pool1d", lambda x, **p: tg.avg_pool1d(x, **p), avg_pool1d_ref,
          pool1d_case(CONV_GRID, unique=False, kind="avg")),
    _spec("adaptive_avg_pool1d", lambda x, **p: tg.adaptive_avg_pool1d(x, **p),
          adaptive_avg_pool1d_ref, adaptive1d_case()),
    # distinct values, as max_pool2d's: no two elements of a window tie
    _spec("adaptive_max_pool2d", lambda x, **p: tg.adaptive_max_pool2d(x, **p),
          adaptive_max_pool2d_ref, adaptive_max_case()),
    _spec("adaptive_max_pool1d", lambda x, **p: tg.adaptive_max_pool1d(x, **p),
          adaptive_max_pool1d_ref, adaptive1d_case(DISTINCT, unique=True)),
]


# -- loss -------------------------------------------------------------------------------------
# Each loss row draws its `reduction`; the references are written from the formulas, in plain
# numpy, independently of the ops (logaddexp for the softplus, a smoothed target matrix).
REDUCTION = st.sampled_from(["mean", "sum", "none"])


def _reduce_ref(losses: np.ndarray, reduction: str) -> Any:
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


@st.composite
def pred_target_case(draw: Any, apart: bool = False) -> Case:
    """Equal shapes; with `apart`, |pred - target| >= 0.2 (|x| has a kink at 0)."""
    shape = draw(SHAPES)
    pred = draw(arrays(shape))
    offset = draw(arrays(shape, AWAY_FROM_ZERO if apart else REAL))
    return Case((pred, pred + offset), {"reduction": draw(REDUCTION)})


@st.composite
def smooth_case(draw: Any, name: str) -> Case:
    """|pred - target| kept 0.2 or more from the width, where the second derivative jumps."""
    shape = draw(SHAPES)
    width = draw(st.sampled_from([0.5, 1.0, 2.0]))
    pred = draw(arrays(shape))
    offset = draw(arrays(shape, REAL))
    offset = np.where(np.abs(np.abs(offset) - width) < 0.2, offset + 0.5, offset)
    return Case((pred, pred + offset), {"reduction": draw(REDUCTION), name: width})


def _smooth_l1_ref(a: np.ndarray, b: np.ndarray, reduction: str, beta: float) -> np.ndarray:
    d = np.abs(a - b)
    return _reduce_ref(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def _huber_ref(a: np.ndarray, b: np.ndarray, reduction: str, delta: float) -> np.ndarray:
    d = np.abs(a - b)
    return _reduce_ref(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


@st.composite
def bce_case(draw: Any, with_pos_weight: bool = False) -> Case:
    shape = draw(ND_SHAPES)
    logits, target = draw(arrays(shape, WIDE)), draw(arrays(shape, _floats(0.0, 1.0)))
    if with_pos_weight:
        return Case((logits, target, draw(arrays(shape[-1:], POSITIVE))),
                    {"reduction": draw(REDUCTION)})
    return Case((logits, target), {"reduction": draw(REDUCTION)})


@st.composite
def probability_case(draw: Any) -> Case:
    """Probabilities away from 0 and 1 (where binary_cross_entropy's logs are clamped) and
    targets in [0, 1]."""
    shape = draw(ND_SHAPES)
    return Case((draw(arrays(shape, _floats(0.05, 0.95))), draw(arrays(shape, _floats(0.0, 1.0)))),
                {"reduction": draw(REDUCTION)})


def _bce_probs_ref(p: np.ndarray, t: np.ndarray, reduction: str = "mean") -> Any:
    return _reduce_ref(-(t * np.log(p) + (1 - t) * np.log(1 - p)), reduction)


def _bce_ref(x: np.ndarray, t: np.ndarray, w: Any = None, reduction: str = "mean") -> Any:
    weight = 1 if w is None else 1 + (w - 1) * t
    return _reduce_ref((1 - t) * x + weight * np.logaddexp(0, -x), reduction)


@st.composite
def class_loss_case(draw: Any, rows: bool = False, smoothing: bool = False,
                    weighted: bool = False) -> Case:
    """Logits (N, C) and labels; with `weighted`, class weights and (for integer labels) some
    rows labelled -100 (ignored), never all of them."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    if rows:
        weights = draw(arrays((n, c), _floats(0.0, 1.0)).filter(
            lambda w: bool(np.all(w.sum(axis=1) > 0.1))))
        labels: Any = weights / weights.sum(axis=1, keepdims=True)
    else:
        labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
        if weighted:
            ignored = draw(st.lists(st.booleans(), min_size=n, max_size=n))
            ignored[draw(st.integers(0, n - 1))] = False
            labels[np.array(ignored)] = -100
    params = {"labels": labels, "reduction": draw(REDUCTION)}
    if smoothing:
        params["label_smoothing"] = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    if weighted:
        params["weight"] = draw(arrays((c,), POSITIVE))
    return Case((draw(arrays((n, c), WIDE)),), params)


def _ce_ref(a: np.ndarray, labels: Any, reduction: str = "mean", label_smoothing: float = 0.0,
            weight: Any = None) -> Any:
    """PyTorch's definition, per row: target = ((1 - e) * one-hot or probability row + e / C)
    * weight, 0 for ignored rows; "mean" over integer labels divides by the kept rows'
    summed weights."""
    c = a.shape[1]
    w = np.ones(c, dtype=a.dtype) if weight is None else weight
    if labels.ndim == 1:
        kept = (labels != -100).astype(a.dtype)
        rows = np.eye(c, dtype=a.dtype)[np.where(kept, labels, 0)] * kept[:, None]
        divisor = float(w[labels[kept > 0]].sum())
    else:
        rows, divisor = labels, float(len(labels))
    target = ((1 - label_smoothing) * rows + label_smoothing / c * (
        kept[:, None] if labels.ndim == 1 else 1)) * w
    losses = -np.sum(target * _log_softmax_ref(a, 1), axis=1)
    return losses.sum() / divisor if reduction == "mean" else _reduce_ref(losses, reduction)


def _nll_ref(a: np.ndarray, labels: Any, reduction: str = "mean", weight: Any = None) -> Any:
    kept = labels != -100
    w = np.ones(a.shape[1], dtype=a.dtype) if weight is None else weight
    safe = np.where(kept, labels, 0)
    losses = -a[np.arange(len(labels)), safe] * w[safe] * kept
    if reduction == "mean":
        return losses.sum() / float(w[labels[kept]].sum())
    return _reduce_ref(losses, reduction)


LOSS = [
    _spec("mse_loss", tg.mse_loss, lambda a, b, reduction: _reduce_ref((a - b) ** 2, reduction),
          pred_target_case(), exact=False),
    _spec("mse_loss_module", lambda a, b, reduction: tg.nn.MSELoss(reduction)(a, b),
          lambda a, b, reduction: _reduce_ref((a - b) ** 2, reduction), pred_target_case(),
          exact=False),
    _spec("l1_loss", tg.l1_loss, lambda a, b, reduction: _reduce_ref(np.abs(a - b), reduction),
          pred_target_case(apart=True), exact=False),
    _spec("bce_with_logits", tg.binary_cross_entropy_with_logits, _bce_ref, bce_case(),
          exact=False),
    _spec("binary_cross_entropy", tg.binary_cross_entropy, _bce_probs_ref, probability_case(),
          exact=False),
    _spec("smooth_l1_loss", tg.smooth_l1_loss, _smooth_l1_ref, smooth_case("beta"),
          exact=False),
    _spec("huber_loss", tg.huber_loss, _huber_ref, smooth_case("delta"), exact=False),
    _spec("bce_with_logits_pos_weight",
          lambda x, t, w, reduction: tg.binary_cross_entropy_with_logits(
              x, t, pos_weight=w, reduction=reduction), _bce_ref, bce_case(True), exact=False),
    _spec("nll_loss", tg.nll_loss, _nll_ref, class_loss_case(), exact=False),
    _spec("cross_entropy", tg.cross_entropy, _ce_ref, class_loss_case(smoothing=True),
          exact=False),
    _spec("cross_entropy_rows", tg.cross_entropy, _ce_ref,
          class_loss_case(rows=True, smoothing=True), exact=False),
    _spec("nll_loss_weighted_ignored", tg.nll_loss, _nll_ref, class_loss_case(weighted=True),
          exact=False),
    _spec("cross_entropy_weighted_ignored", tg.cross_entropy, _ce_ref,
          class_loss_case(smoothing=True, weighted=True), exact=False),
    _spec("cross_entropy_rows_weighted", tg.cross_entropy, _ce_ref,
          class_loss_case(rows=True, smoothing=True, weighted=True), exact=False),
    _spec("cross_entropy_module",
          lambda x, labels, reduction, label_smoothing: tg.nn.CrossEntropyLoss(
              reduction=reduction, label_smoothing=label_smoothing)(x, labels), _ce_ref,
          class_loss_case(smoothing=True), exact=False),
]

# -- issue 14's tensor ops (ops branch): pointwise, activation, statistics, combine,
# -- normalization --------------------------------------------------------------------------
GRID = st.integers(-48, 48).map(lambda i: i / 16)  # exact ties possible, near-ties never
# clip bounds halfway between grid points: no element within the gradcheck eps of a bound
BOUND = st.integers(-40, 40).map(lambda i: i / 16 + 1 / 32)


@st.composite
def where_case(draw: Any) -> Case:
    sc, sa, sb = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                        max_side=4)).input_shapes
    return Case((draw(arrays(sa)), draw(arrays(sb))),
                {"cond": draw(hnp.arrays(np.bool_, sc))})


@st.composite
def clip_case(draw: Any, which: str) -> Case:
    lo, hi = sorted((draw(BOUND), draw(BOUND)))
    params = {"min": lo if which != "max" else None, "max": hi if which != "min" else None}
    return Case((draw(arrays(draw(SHAPES), GRID)),), params)


def _erf_ref(a: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[a.dtype])(a)


def _gelu_ref(a: np.ndarray) -> np.ndarray:
    return a * (1 + _erf_ref(a / math.sqrt(2))) / 2


def _gelu_tanh_ref(a: np.ndarray) -> np.ndarray:
    return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))


def _softplus_ref(a: np.ndarray, beta: float = 1.0) -> np.ndarray:
    return np.where(a * beta > 20, a, np.log1p(np.exp(np.minimum(a * beta, 20))) / beta)


POINTWISE = [
    _spec("sin", lambda x: x.sin(), np.sin, unary(WIDE)),
    _spec("cos", lambda x: x.cos(), np.cos, unary(WIDE)),
    _spec("log1p", lambda x: x.log1p(), np.log1p, unary(_floats(-0.75, 4.0))),
    _spec("expm1", lambda x: x.expm1(), np.expm1, unary()),
    _spec("square", lambda x: x.square(), np.square, unary()),
    _spec("fn_sin", tg.sin, np.sin, unary()),
    _spec("fn_cos", tg.cos, np.cos, unary()),
    _spec("fn_log1p", tg.log1p, np.log1p, unary(POSITIVE)),
    _spec("fn_expm1", tg.expm1, np.expm1, unary()),
    _spec("fn_square", tg.square, np.square, unary()),
    _binary_spec("maximum", tg.maximum, np.maximum, GRID, GRID),
    _binary_spec("minimum", tg.minimum, np.minimum, GRID, GRID),
    _binary_spec("maximum_method", lambda a, b: a.maximum(b), np.maximum, GRID, GRID),
    _binary_spec("minimum_method", lambda a, b: a.minimum(b), np.minimum, GRID, GRID),
    _spec("maximum_scalar", lambda x, c: tg.maximum(x, c), lambda a, c: np.maximum(a, c),
          with_scalar(GRID, BOUND)),
    _spec("where", lambda a, b, cond: tg.where(cond, a, b),
          lambda a, b, cond: np.where(cond, a, b), where_case()),
    _spec("where_method", lambda a, b, cond: a.where(cond, b),
          lambda a, b, cond: np.where(cond, a, b), where_case()),
    _spec("where_tensor_cond", lambda a, b, cond: tg.where(Tensor(cond), a, b),
          lambda a, b, cond: np.where(cond, a, b), where_case()),
    _spec("clip", lambda x, min, max: tg.clip(x, min, max),
          lambda a, min, max: np.clip(a, min, max), clip_case("both")),
    _spec("clip_min_only", lambda x, min, max: x.clip(min=min),
          lambda a, min, max: np.maximum(a, min), clip_case("min")),
    _spec("clamp_max_only", lambda x, min, max: x.clamp(max=max),
          lambda a, min, max: np.minimum(a, max), clip_case("max")),
    _spec("fn_clamp", lambda x, min, max: tg.clamp(x, min, max),
          lambda a, min, max: np.clip(a, min, max), clip_case("both")),
]

def _AWAY_FROM(*kinks: float) -> st.SearchStrategy[float]:  # noqa: N802 - a strategy, as REAL
    """Values in [-8, 8] at least 0.1 from each kink."""
    return _floats(-8.0, 8.0).filter(lambda v: all(abs(v - k) >= 0.1 for k in kinks))


def _slopes(w: np.ndarray, ndim: int) -> Any:
    return w[0] if w.size == 1 else w.reshape((-1,) + (1,) * (ndim - 2))


@st.composite
def prelu_case(draw: Any) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    per_channel = len(shape) >= 2 and draw(st.booleans())
    weight = draw(arrays((shape[1],) if per_channel else (1,)))
    return Case((draw(arrays(shape, AWAY_FROM_ZERO)), weight), {})


ACTIVATION = [
    _spec("erf", lambda x: x.erf(), _erf_ref, unary(WIDE), exact=False),
    _spec("fn_erf", tg.erf, _erf_ref, unary(), exact=False),
    _spec("leaky_relu", tg.leaky_relu, lambda a: np.where(a > 0, a, a * 0.01),
          unary(AWAY_FROM_ZERO)),
    _spec("leaky_relu_slope", lambda x, c: tg.leaky_relu(x, negative_slope=c),
          lambda a, c: np.where(a > 0, a, a * c), with_scalar(AWAY_FROM_ZERO, REAL)),
    _spec("elu", tg.elu, lambda a: np.where(a > 0, a, np.expm1(a)), unary(AWAY_FROM_ZERO),
          exact=False),
    _spec("elu_alpha", lambda x, c: tg.elu(x, alpha=c),
          lambda a, c: np.where(a > 0, a, c * np.expm1(a)), with_scalar(AWAY_FROM_ZERO, REAL),
          exact=False),
    # below the threshold (20): there PyTorch's rule jumps by 2e-9, which central differences
    # see as a slope off by 1e-3 (the targeted test covers the threshold)
    _spec("softplus", tg.softplus, _softplus_ref, unary(_floats(-19.0, 19.0)), exact=False),
    _spec("softplus_beta", lambda x: tg.softplus(x, beta=2.0),
          lambda a: _softplus_ref(a, 2.0), unary(), exact=False),
    _spec("silu", tg.silu, lambda a: a / (1 + np.exp(-a)), unary(WIDE), exact=False),
    _spec("gelu", tg.gelu, _gelu_ref, unary(WIDE), exact=False),
    _spec("gelu_tanh", lambda x: tg.gelu(x, approximate="tanh"), _gelu_tanh_ref, unary(WIDE),
          exact=False),
    _spec("mish", tg.mish, lambda a: a * np.tanh(np.log1p(np.exp(a))), unary(WIDE),
          exact=False),
    _spec("logsigmoid", tg.logsigmoid, lambda a: -np.log1p(np.exp(-a)), unary(WIDE),
          exact=False),
    _spec("prelu", tg.prelu, lambda a, w: np.where(a > 0, a, a * _slopes(w, a.ndim)),
          prelu_case()),
]

# the bounded and hard activations (ops/hard.py), on values 0.1 or more from their kinks
HARD = [
    _spec("hardtanh", tg.hardtanh, lambda a: np.clip(a, -1, 1), unary(_AWAY_FROM(-1, 1))),
    _spec("relu6", tg.relu6, lambda a: np.clip(a, 0, 6), unary(_AWAY_FROM(0, 6))),
    _spec("hardsigmoid", tg.hardsigmoid, lambda a: np.clip(a / 6 + 0.5, 0, 1),
          unary(_AWAY_FROM(-3, 3)), exact=False),
    _spec("hardswish", tg.hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6,
          unary(_AWAY_FROM(-3, 3)), exact=False),
]


@st.composite
def spread_case(draw: Any, ddof: bool = False) -> Case:
    """A reduction over at least two distinct values (std's gradient is infinite at 0)."""
    shape = draw(ND_SHAPES.filter(lambda s: math.prod(s) >= 2))
    ndim = len(shape)
    axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim))
                .filter(lambda ax: math.prod(shape[a] for a in (
                    range(ndim) if ax is None else np.atleast_1d(ax))) >= 2))
    params = {"axis": axis, "keepdims": draw(st.booleans())}
    if ddof:
        params["ddof"] = draw(st.sampled_from([0, 1]))
    return Case((draw(arrays(shape, DISTINCT, unique=True)),), params)


@st.composite
def cumsum_case(draw: Any) -> Case:
    shape = draw(SHAPES)
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    return Case((draw(arrays(shape)),), {"axis": axis})


SMALL_WITH_ZEROS = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.5])

STATISTICS = [
    _spec("var", lambda x, axis, keepdims, ddof: x.var(axis, keepdims, ddof),
          lambda a, axis, keepdims, ddof: np.var(a, axis=axis, keepdims=keepdims, ddof=ddof),
          spread_case(ddof=True), exact=False),
    _spec("std", lambda x, axis, keepdims, ddof: x.std(axis, keepdims, ddof),
          lambda a, axis, keepdims, ddof: np.std(a, axis=axis, keepdims=keepdims, ddof=ddof),
          spread_case(ddof=True), exact=False),
    _spec("fn_var", lambda x, axis, keepdims: tg.var(x, axis=axis, keepdims=keepdims),
          lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims), reduce_case(REAL),
          exact=False),
    _spec("fn_std", lambda x, axis, keepdims: tg.std(x, axis=axis, keepdims=keepdims),
          lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims), spread_case(),
          exact=False),
    _spec("prod", lambda x, axis, keepdims: x.prod(axis, keepdims),
          lambda a, axis, keepdims: np.prod(a, axis=axis, keepdims=keepdims), reduce_case(REAL)),
    _spec("prod_with_zeros", lambda x, axis, keepdims: tg.prod(x, axis, keepdims),
          lambda a, axis, keepdims: np.prod(a, axis=axis, keepdims=keepdims),
          reduce_case(SMALL_WITH_ZEROS)),
    _spec("logsumexp", lambda x, axis, keepdims: x.logsumexp(axis, keepdims),
          lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
          reduce_case(WIDE), exact=False),
    _spec("fn_logsumexp", lambda x, axis, keepdims: tg.logsumexp(x, axis, keepdims),
          lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
          reduce_case(REAL), exact=False),
    _spec("norm", lambda x, axis, keepdims: x.norm(axis, keepdims),
          lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)),
          reduce_case(AWAY_FROM_ZERO), exact=False),
    _spec("fn_norm", lambda x, axis, keepdims: tg.norm(x, axis, keepdims),
          lambda a, axis, keepdims: np.linalg.norm(a, axis=axis, keepdims=keepdims)
          if axis is not None and np.ndim(axis) == 0 else
          np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)),
          reduce_case(AWAY_FROM_ZERO), exact=False),
    _spec("cumsum", lambda x, axis: x.cumsum(axis), lambda a, axis: np.cumsum(a, axis=axis),
          cumsum_case()),
    _spec("fn_cumsum", lambda x, axis: tg.cumsum(x, axis), lambda a, axis: np.cumsum(a, axis),
          cumsum_case()),
]


@st.composite
def cat_case(draw: Any) -> Case:
    shape = draw(ND_SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = [shape[:axis % len(shape)] + (n,) + shape[axis % len(shape) + 1:] for n in sizes]
    return Case(tuple(draw(arrays(s)) for s in shapes), {"axis": axis})


@st.composite
def stack_case(draw: Any) -> Case:
    shape = draw(SHAPES)
    count = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return Case(tuple(draw(arrays(shape)) for _ in range(count)), {"axis": axis})


@st.composite
def split_case(draw: Any, kind: str) -> Case:
    shape = draw(ND_SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    if kind == "sections":
        how: Any = draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
        count = how
    elif kind == "indices":
        how = sorted(draw(st.lists(st.integers(0, n), min_size=1, max_size=3)))
        count = len(how) + 1
    else:  # chunks
        how = draw(st.integers(1, 5))
        count = len(range(0, n, math.ceil(n / how)))
    return Case((draw(arrays(shape)),), {"how": how, "axis": axis,
                                         "piece": draw(st.integers(0, count - 1))})


def _chunk_ref(a: np.ndarray, how: int, axis: int, piece: int) -> np.ndarray:
    size = math.ceil(a.shape[axis] / how)
    return np.split(a, range(size, a.shape[axis], size), axis=axis)[piece]


@st.composite
def squeeze_case(draw: Any) -> Case:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = draw(st.none() | st.lists(st.sampled_from(ones), unique=True, min_size=1).map(tuple)
                if ones else st.none())
    return Case((draw(arrays(shape)),), {"axis": axis})


@st.composite
def unsqueeze_case(draw: Any) -> Case:
    shape = draw(SHAPES)
    count = draw(st.integers(1, 2))
    axis = tuple(draw(st.lists(st.integers(-len(shape) - count, len(shape) + count - 1),
                               min_size=count, max_size=count).filter(
        lambda ax: len({a % (len(shape) + count) for a in ax}) == count)))
    return Case((draw(arrays(shape)),), {"axis": axis[0] if count == 1 else axis})


@st.composite
def broadcast_case(draw: Any) -> Case:
    target = draw(SHAPES)
    shape = draw(hnp.broadcastable_shapes(target, min_dims=0, max_dims=len(target))
                 .filter(lambda s: np.broadcast_shapes(s, target) == target))
    return Case((draw(arrays(shape)),), {"shape": target})


@st.composite
def flip_case(draw: Any) -> Case:
    shape = draw(SHAPES)
    axis = draw(st.none() | (st.integers(-len(shape), len(shape) - 1) if shape else st.none())
                | hnp.valid_tuple_axes(len(shape)))
    return Case((draw(arrays(shape)),), {"axis": axis})


@st.composite
def pad_case(draw: Any) -> Case:
    shape = draw(ND_SHAPES)
    mode = draw(st.sampled_from(["constant", "constant", "reflect", "replicate", "circular"]))
    # reflect pads less than an axis is long, circular at most as long (PyTorch's limits)
    widest = {"reflect": min(shape) - 1, "circular": min(shape)}.get(mode, 2)
    width = st.integers(0, max(0, min(2, widest)))
    pad_width = draw(st.one_of(
        width, st.tuples(width, width),
        st.tuples(*[st.tuples(width, width) for _ in shape])))
    value = draw(REAL) if mode == "constant" else 0.0
    return Case((draw(arrays(shape)),), {"pad_width": pad_width, "value": value, "mode": mode})


_NUMPY_PAD = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def pad_ref(a: np.ndarray, pad_width: Any, value: float, mode: str) -> np.ndarray:
    if mode == "constant":
        return np.pad(a, pad_width, constant_values=value)
    return np.pad(a, pad_width, mode=_NUMPY_PAD[mode])


COMBINE = [
    _spec("cat", lambda *xs, axis: tg.cat(list(xs), axis=axis),
          lambda *a, axis: np.concatenate(a, axis=axis), cat_case()),
    _spec("concatenate", lambda *xs, axis: tg.concatenate(xs, axis),
          lambda *a, axis: np.concatenate(a, axis=axis), cat_case()),
    _spec("stack", lambda *xs, axis: tg.stack(list(xs), axis=axis),
          lambda *a, axis: np.stack(a, axis=axis), stack_case()),
    _spec("split_sections", lambda x, how, axis, piece: tg.split(x, how, axis)[piece],
          lambda a, how, axis, piece: np.split(a, how, axis)[piece], split_case("sections")),
    _spec("split_indices", lambda x, how, axis, piece: x.split(how, axis)[piece],
          lambda a, how, axis, piece: np.split(a, how, axis)[piece], split_case("indices")),
    _spec("chunk", lambda x, how, axis, piece: x.chunk(how, axis)[piece], _chunk_ref,
          split_case("chunks")),
    _spec("squeeze", lambda x, axis: x.squeeze(axis), lambda a, axis: np.squeeze(a, axis),
          squeeze_case()),
    _spec("unsqueeze", lambda x, axis: x.unsqueeze(axis),
          lambda a, axis: np.expand_dims(a, axis), unsqueeze_case()),
    _spec("broadcast_to", lambda x, shape: x.broadcast_to(shape),
          lambda a, shape: np.broadcast_to(a, shape), broadcast_case()),
    _spec("expand", lambda x, shape: x.expand(*shape), lambda a, shape: np.broadcast_to(a, shape),
          broadcast_case()),
    _spec("flip", lambda x, axis: x.flip(axis), lambda a, axis: np.flip(a, axis), flip_case()),
    _spec("pad", lambda x, pad_width, value, mode: tg.pad(x, pad_width, value, mode), pad_ref,
          pad_case()),
]


def _dropout_ref(a: np.ndarray, p: float, seed: int, channels: bool = False) -> np.ndarray:
    shape = a.shape[:2] + (1,) * (a.ndim - 2) if channels else a.shape
    keep = np.random.default_rng(seed).random(shape) >= p
    return a * (keep.astype(a.dtype) * (1 / (1 - p)))


@st.composite
def channel_dropout_case(draw: Any, ndim: int) -> Case:
    shape = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    return Case((draw(arrays(shape)),), {"p": draw(st.sampled_from([0.1, 0.5, 0.9])),
                                         "seed": draw(st.integers(0, 2 ** 32))})


@st.composite
def dropout_case(draw: Any) -> Case:
    return Case((draw(arrays(draw(SHAPES))),), {"p": draw(st.sampled_from([0.1, 0.5, 0.9])),
                                                "seed": draw(st.integers(0, 2 ** 32))})


def _normalize_ref(a: np.ndarray, axes: tuple[int, ...], eps: float = 1e-5) -> np.ndarray:
    mean = a.mean(axis=axes, keepdims=True)
    return (a - mean) / np.sqrt(a.var(axis=axes, keepdims=True) + eps)


@st.composite
def batch_norm_case(draw: Any, eval_mode: bool = False) -> Case:
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=3)
                 .filter(lambda s: math.prod(s) // s[1] >= 2))
    c = shape[1]
    params: dict[str, Any] = {}
    if eval_mode:
        params = {"mean": draw(arrays((c,))), "var": draw(arrays((c,), POSITIVE))}
    return Case((draw(arrays(shape, DISTINCT, unique=True)), draw(arrays((c,))),
                 draw(arrays((c,)))), params)


def _bn_ref(a: np.ndarray, w: np.ndarray, b: np.ndarray, mean: Any = None,
            var: Any = None) -> np.ndarray:
    shape = (1, a.shape[1]) + (1,) * (a.ndim - 2)
    if mean is None:
        xhat = _normalize_ref(a, (0,) + tuple(range(2, a.ndim)))
    else:
        xhat = (a - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + 1e-5)
    return xhat * w.reshape(shape) + b.reshape(shape)


@st.composite
def layer_norm_case(draw: Any) -> Case:
    shape = draw(ND_SHAPES.filter(lambda s: s[-1] >= 2))
    k = draw(st.integers(1, len(shape)))
    normalized = shape[len(shape) - k:]
    return Case((draw(arrays(shape, DISTINCT, unique=True)), draw(arrays(normalized)),
                 draw(arrays(normalized))), {"normalized_shape": normalized})


@st.composite
def group_norm_case(draw: Any) -> Case:
    groups, per_group = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    positions = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2))))
    channels = groups * per_group
    # at least two elements per group, or its variance is 0 and the gradient all noise
    shape = (draw(st.integers(1, 2)), channels) + (positions or (2,))
    return Case((draw(arrays(shape, DISTINCT, unique=True)), draw(arrays((channels,))),
                 draw(arrays((channels,)))), {"num_groups": groups})


def _group_norm_ref(a: np.ndarray, w: np.ndarray, b: np.ndarray, num_groups: int) -> np.ndarray:
    grouped = a.reshape(a.shape[0], num_groups, -1)
    normal = _normalize_ref(grouped, (2,)).reshape(a.shape)
    per_channel = (-1,) + (1,) * (a.ndim - 2)
    return normal * w.reshape(per_channel) + b.reshape(per_channel)


@st.composite
def embedding_case(draw: Any) -> Case:
    rows, dim = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    index_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))
    indices = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, rows - 1)))
    return Case((draw(arrays((rows, dim))),), {"indices": indices})


def max_unpool2d_ref(a: np.ndarray, indices: np.ndarray, kernel_size: int,
                     stride: Any = None, padding: int = 0) -> np.ndarray:
    """Zeros, then each input written at its index, in C order (the last of equal ones
    stays)."""
    k, p = _two(kernel_size), _two(padding)
    s = k if stride is None else _two(stride)
    n, c, h, w = a.shape
    size = ((h - 1) * s[0] - 2 * p[0] + k[0], (w - 1) * s[1] - 2 * p[1] + k[1])
    out = np.zeros((n, c) + size, dtype=a.dtype)
    for b, ch, i, j in np.ndindex(a.shape):
        out[b, ch, indices[b, ch, i, j] // size[1], indices[b, ch, i, j] % size[1]] = \
            a[b, ch, i, j]
    return out


@st.composite
def unpool_case(draw: Any) -> Case:
    k = draw(st.integers(1, 3))
    stride = draw(st.sampled_from([None, 1, 2, 3]))
    padding = draw(st.integers(0, k // 2))
    step = k if stride is None else stride
    h, w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    size = ((h - 1) * step - 2 * padding + k) * ((w - 1) * step - 2 * padding + k)
    assume(size >= h * w)  # distinct positions in every image (a repeated one is the
    # last input's, and its gradient, as PyTorch's, every input's: tests/test_ops_unpool.py)
    shape = (draw(st.integers(1, 2)), 2, h, w)
    planes = [draw(st.permutations(range(size)))[:h * w] for _ in range(shape[0] * 2)]
    indices = np.array(planes, dtype=np.int64).reshape(shape)
    return Case((draw(arrays(shape)),), {"indices": indices, "kernel_size": k,
                                         "stride": stride, "padding": padding})


def unfold_ref(a: np.ndarray, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
               stride: Any = 1) -> np.ndarray:
    """Block by block: column l holds block l's values, (channel, row, column) order."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (_two(v) for v in
                                              (kernel_size, dilation, padding, stride))
    n, c, h, w = a.shape
    xp = _padded(a, ph, pw)
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c * kh * kw, ho * wo), dtype=a.dtype)
    for y in range(ho):
        for x in range(wo):
            block = xp[:, :, y * sh:y * sh + dh * (kh - 1) + 1:dh,
                       x * sw:x * sw + dw * (kw - 1) + 1:dw]
            out[:, :, y * wo + x] = block.reshape(n, -1)
    return out


def fold_ref(a: np.ndarray, output_size: Any, kernel_size: Any, dilation: Any = 1,
             padding: Any = 0, stride: Any = 1) -> np.ndarray:
    """Each column's values added where its block lies, then the padding cropped."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (_two(v) for v in
                                              (kernel_size, dilation, padding, stride))
    h, w = _two(output_size)
    n = a.shape[0]
    c = a.shape[1] // (kh * kw)
    wo = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=a.dtype)
    for block in range(a.shape[2]):
        y, x = divmod(block, wo)
        out[:, :, y * sh:y * sh + dh * (kh - 1) + 1:dh,
            x * sw:x * sw + dw * (kw - 1) + 1:dw] += a[:, :, block].reshape(n, c, kh, kw)
    return out[:, :, ph:ph + h, pw:pw + w]


@st.composite
def fold_settings(draw: Any, size: tuple[int, int]) -> dict[str, Any]:
    """kernel, dilation, padding and stride with at least one block on an image of `size`."""
    settings = {"kernel_size": (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                "dilation": draw(st.sampled_from([1, (1, 2), 2])),
                "padding": draw(st.sampled_from([0, 1, (0, 2)])),
                "stride": draw(st.sampled_from([1, 2, (2, 1)]))}
    k, d, p = (_two(settings[n]) for n in ("kernel_size", "dilation", "padding"))
    assume(all(dd * (kk - 1) + 1 <= s + 2 * pp for kk, dd, pp, s in zip(k, d, p, size)))
    return settings


@st.composite
def unfold_case(draw: Any) -> Case:
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    settings = draw(fold_settings(size))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size
    return Case((draw(arrays(shape)),), settings)


@st.composite
def fold_case(draw: Any) -> Case:
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    settings = draw(fold_settings(size))
    blocks = unfold_ref(np.zeros((1, 1) + size), **settings).shape[2]
    k = _two(settings["kernel_size"])
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)) * k[0] * k[1], blocks)
    return Case((draw(arrays(shape)),), dict(settings, output_size=size))


FOLD = [
    _spec("unfold", lambda x, **p: tg.unfold(x, **p), unfold_ref, unfold_case()),
    _spec("fold", lambda x, **p: tg.fold(x, **p), fold_ref, fold_case(), exact=False),
]


UNPOOL = [
    _spec("max_unpool2d", lambda x, **p: tg.max_unpool2d(x, **p), max_unpool2d_ref,
          unpool_case()),
]


NORMALIZATION = [
    _spec("dropout", lambda x, p, seed: (tg.manual_seed(seed), tg.dropout(x, p))[1],
          _dropout_ref, dropout_case()),
    _spec("dropout1d", lambda x, p, seed: (tg.manual_seed(seed), tg.dropout1d(x, p))[1],
          lambda a, p, seed: _dropout_ref(a, p, seed, channels=True), channel_dropout_case(3)),
    _spec("dropout2d", lambda x, p, seed: (tg.manual_seed(seed), tg.dropout2d(x, p))[1],
          lambda a, p, seed: _dropout_ref(a, p, seed, channels=True), channel_dropout_case(4)),
    _spec("batch_norm_train", lambda x, w, b: tg.batch_norm(x, None, None, w, b, training=True),
          _bn_ref, batch_norm_case(), exact=False),
    _spec("batch_norm_eval", lambda x, w, b, mean, var: tg.batch_norm(x, mean, var, w, b),
          _bn_ref, batch_norm_case(eval_mode=True), exact=False),
    _spec("layer_norm", lambda x, w, b, normalized_shape: tg.layer_norm(x, normalized_shape,
                                                                         w, b),
          lambda a, w, b, normalized_shape: _normalize_ref(
              a, tuple(range(a.ndim - len(normalized_shape), a.ndim))) * w + b,
          layer_norm_case(), exact=False),
    _spec("group_norm", lambda x, w, b, num_groups: tg.group_norm(x, num_groups, w, b),
          _group_norm_ref, group_norm_case(), exact=False),
    _spec("embedding", lambda w, indices: tg.embedding(indices, w),
          lambda w, indices: w[indices], embedding_case()),
]


# -- transcendental and rounding ----------------------------------------------------------------
# Multiples of 1/16 plus 1/32: never an integer, never within 1/32 of one (floor & co. jump
# there); divisors whose quotients with them are never integers either (odd over even).
OFF_GRID = st.integers(-64, 64).map(lambda i: i / 16 + 1 / 32)
DIVISORS = st.sampled_from([0.75, 1.25, -1.25, 2.5])

TRANSCENDENTAL = [
    _spec("tan", tg.tan, np.tan, unary(_floats(-1.3, 1.3))),
    _spec("asin", tg.asin, np.arcsin, unary(_floats(-0.9, 0.9))),
    _spec("acos", tg.acos, np.arccos, unary(_floats(-0.9, 0.9))),
    _spec("atan", tg.atan, np.arctan, unary()),
    _spec("sinh", tg.sinh, np.sinh, unary()),
    _spec("cosh", tg.cosh, np.cosh, unary()),
    _spec("asinh", tg.asinh, np.arcsinh, unary()),
    _spec("acosh", tg.acosh, np.arccosh, unary(_floats(1.1, 4.0))),
    _spec("atanh", tg.atanh, np.arctanh, unary(_floats(-0.9, 0.9))),
    _spec("log2", tg.log2, np.log2, unary(POSITIVE)),
    _spec("log10", tg.log10, np.log10, unary(POSITIVE)),
    _spec("exp2", tg.exp2, np.exp2, unary()),
    _spec("tan_method", lambda x: x.tan(), np.tan, unary(_floats(-1.3, 1.3))),
    _spec("arcsinh_method", lambda x: x.arcsinh(), np.arcsinh, unary()),
    # y away from 0 too: atan2 jumps from pi to -pi across y = 0 where x < 0
    _binary_spec("atan2", tg.atan2, np.arctan2, AWAY_FROM_ZERO, AWAY_FROM_ZERO),
    _binary_spec("hypot", tg.hypot, np.hypot, AWAY_FROM_ZERO, AWAY_FROM_ZERO),
    _binary_spec("logaddexp", tg.logaddexp, np.logaddexp, WIDE, WIDE),
    _binary_spec("xlogy", tg.xlogy, lambda a, b: a * np.log(b), REAL, POSITIVE),
]

ROUNDING = [
    _spec("floor", tg.floor, np.floor, unary(OFF_GRID)),
    _spec("ceil", tg.ceil, np.ceil, unary(OFF_GRID)),
    _spec("trunc", tg.trunc, np.trunc, unary(OFF_GRID)),
    _spec("sign", tg.sign, np.sign, unary(AWAY_FROM_ZERO)),
    _spec("round", tg.round, np.round, unary(OFF_GRID)),
    _spec("frac", tg.frac, lambda a: a - np.trunc(a), unary(OFF_GRID)),
    _spec("floor_method", lambda x: x.floor(), np.floor, unary(OFF_GRID)),
    _binary_spec("remainder", tg.remainder, np.remainder, OFF_GRID, DIVISORS),
    _binary_spec("fmod", tg.fmod, np.fmod, OFF_GRID, DIVISORS),
]


CUMULATIVE = [
    _spec("cumprod", lambda x: tg.cumprod(x, -1), lambda a: np.cumprod(a, -1),
          unary(shapes=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))),
    _spec("logcumsumexp", lambda x: tg.logcumsumexp(x, 0),
          lambda a: np.logaddexp.accumulate(a, 0),
          unary(WIDE, shapes=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))),
]


@st.composite
def invertible(draw: Any, rhs: str = "") -> Case:
    """Strictly diagonally dominant (so invertible, well conditioned) square matrices, batched,
    with a right-hand side for solve: "vector" (one axis fewer) or "matrix"."""
    n = draw(st.integers(1, 4))
    batch = draw(st.sampled_from([(), (2,), (2, 3)]))
    a = draw(arrays(batch + (n, n))) * (0.5 / n) + 2 * np.eye(n)
    if not rhs:
        return Case((a,))
    shape = batch + ((n,) if rhs == "vector" else (n, draw(st.integers(1, 3))))
    return Case((a, draw(arrays(shape))))


INVERSE = [
    _spec("inv", tg.linalg.inv, np.linalg.inv, invertible()),
    _spec("inverse_method", lambda a: a.inverse(), np.linalg.inv, invertible()),
    _spec("det", tg.linalg.det, np.linalg.det, invertible(), exact=False),
    _spec("solve_matrix", tg.linalg.solve, np.linalg.solve, invertible("matrix")),
    _spec("solve_vector", tg.linalg.solve,
          lambda a, b: np.linalg.solve(a, b[..., None])[..., 0], invertible("vector")),
]


TABLE: tuple[OpSpec, ...] = tuple(
    _in_module("elementwise", ELEMENTWISE) + _in_module("linalg", LINALG)
    + _in_module("reduce", REDUCE) + _in_module("shape", SHAPE) + _in_module("nn", NN)
    + _in_module("pointwise", POINTWISE) + _in_module("activation", ACTIVATION)
    + _in_module("statistics", STATISTICS) + _in_module("combine", COMBINE)
    + _in_module("normalization", NORMALIZATION) + _in_module("loss", LOSS)
    + _in_module("conv", CONV) + _in_module("resample", RESAMPLE) + _in_module("hard", HARD)
    + _in_module("unpool", UNPOOL) + _in_module("fold", FOLD)
    + _in_module("transcendental", TRANSCENDENTAL) + _in_module("rounding", ROUNDING)
    + _in_module("cumulative", CUMULATIVE) + _in_module("inverse", INVERSE))
assert len({s.name for s in TABLE}) == len(TABLE), "op names in the table must be unique"


def specs(module: str) -> list[OpSpec]:
    assert module in MODULES, module
    return [s for s in TABLE if s.module == module]


# -- the two checks every row goes through ------------------------------------------------------
def _cast(value: Any, dtype: np.dtype) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value.astype(dtype)
    return value


def check_forward(spec: OpSpec, case: Case, dtype: Any) -> None:
    """Engine forward == numpy forward (exactly, or to FORWARD_RTOL for exact=False rows), the
    result dtype is numpy's (so float32 stays float32), the inputs are left untouched, and the
    result records its op and parents."""
    dtype = np.dtype(dtype)
    arrays_ = [a.astype(dtype) for a in case.arrays]
    params = {k: _cast(v, dtype) for k, v in case.params.items()}
    before = [a.copy() for a in arrays_]
    tensors = [Tensor(a, requires_grad=True) for a in arrays_]
    out = spec.fn(*tensors, **params)
    expected = np.asarray(spec.ref(*[a.copy() for a in arrays_], **params))

    assert isinstance(out, Tensor), type(out)
    assert isinstance(out.data, np.ndarray), type(out.data)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype == dtype, (out.dtype, expected.dtype, dtype)
    if spec.exact:
        np.testing.assert_array_equal(out.data, expected)
    else:
        np.testing.assert_allclose(out.data, expected, rtol=FORWARD_RTOL[dtype],
                                   atol=FORWARD_ATOL[dtype])
    for a, b in zip(arrays_, before):  # ops never write into their inputs
        np.testing.assert_array_equal(a, b)
    # the graph: a Function node whose parents include every input tensor (by identity)
    fn = out.grad_fn
    assert out.requires_grad and isinstance(fn, Function)
    for t in tensors:
        assert any(p is t for p in fn.parents)


def check_gradcheck(spec: OpSpec, case: Case) -> None:
    """backward() agrees with central differences in float64 (eps=1e-6, atol=1e-5,
    rtol=1e-3), for every input tensor."""
    tensors = [Tensor(a.astype(np.float64)) for a in case.arrays]
    params = case.params
    assert gradcheck(lambda *ts: spec.fn(*ts, **params), *tensors, eps=GRAD_EPS,
                     atol=GRAD_ATOL, rtol=GRAD_RTOL) is True


def table_tests(rows: list[OpSpec]) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two tests every op module runs over its rows of the table: forward against numpy
    (float64 and float32) and gradcheck against numgrad (float64)."""
    import pytest
    from hypothesis import given

    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    @pytest.mark.parametrize("spec", rows, ids=repr)
    @given(data=st.data())
    def test_forward_matches_numpy(spec: OpSpec, dtype: Any, data: Any) -> None:
        check_forward(spec, data.draw(spec.case), dtype)

    @pytest.mark.parametrize("spec", rows, ids=repr)
    @given(data=st.data())
    def test_gradcheck(spec: OpSpec, data: Any) -> None:
        check_gradcheck(spec, data.draw(spec.case))

    return test_forward_matches_numpy, test_gradcheck


# -- second order (issue 16): every row's double backward against central differences ---------
# Rows whose first-order domain has points where the second derivative is not defined get a
# domain without them here: maximum/minimum may tie on GRID (the shares jump from 1/2 to 1
# across a tie), so one operand is drawn half a grid step off. Every other row's domain is
# already smooth for the second derivative (kinks are kept away, ties are excluded).
GRID_OFFSET = st.integers(-48, 48).map(lambda i: i / 16 + 1 / 32)
SECOND_ORDER_CASES: dict[str, st.SearchStrategy[Case]] = {
    name: binary(GRID, GRID_OFFSET)
    for name in ("maximum", "minimum", "maximum_method", "minimum_method")
}


def second_order_case(spec: OpSpec) -> st.SearchStrategy[Case]:
    return SECOND_ORDER_CASES.get(spec.name, spec.case)


def check_gradgradcheck(spec: OpSpec, case: Case) -> None:
    """Double backward (create_graph=True) agrees with central differences of the first
    gradient in float64, with respect to every input tensor and the output's grad_outputs
    (same tolerances as the first-order check)."""
    tensors = [Tensor(a.astype(np.float64)) for a in case.arrays]
    params = case.params
    assert tg.gradgradcheck(lambda *ts: spec.fn(*ts, **params), tensors, eps=GRAD_EPS,
                            atol=GRAD_ATOL, rtol=GRAD_RTOL) is True
