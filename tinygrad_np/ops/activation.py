"""Activations: leaky_relu, elu, softplus, silu, gelu (exact erf form and tanh form), and
the `erf` they need (numpy has none; no scipy).
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Function, OpError

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969), as in his CALERF routine: erf on |x| <= 0.5, erfc on 0.5 < |x| <= 4 and beyond 4.
# Checked against math.erf on a dense grid (tests/test_ops_activation.py): within 3 ulp.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 0.56418958354775628695
_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_ONE_OVER_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def sigmoid_of(x):
    """1 / (1 + exp(-x)) of an array without overflow: exp of a non-positive number only."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def softplus_neg(x):
    """log(1 + exp(-x)), finite for every x: max(-x, 0) + log1p(exp(-|x|))."""
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))


def erf(x):
    """The error function of an array, elementwise, in its own float dtype.

    >>> import math
    >>> abs(float(erf(np.array(0.7))) - math.erf(0.7)) < 1e-15
    True
    """
    y = np.abs(x)
    # |x| <= 0.5: erf = x P(x^2) / Q(x^2)   (each branch on clipped values: no inf / inf)
    s = np.clip(x, -0.5, 0.5)
    z = s * s
    num, den = _A[4] * z, z
    for a, b in zip(_A[:3], _B[:3]):
        num, den = (num + a) * z, (den + b) * z
    small = s * (num + _A[3]) / (den + _B[3])
    # 0.5 < |x| <= 4: erfc = exp(-x^2) P(|x|) / Q(|x|)   (clipped: no overflow elsewhere)
    m = np.clip(y, 0.5, 4.0)
    num, den = _C[8] * m, m
    for c, d in zip(_C[:7], _D[:7]):
        num, den = (num + c) * m, (den + d) * m
    erfc_mid = np.exp(-m * m) * (num + _C[7]) / (den + _D[7])
    # |x| > 4: erfc = exp(-x^2) / |x| (1/sqrt(pi) - P(1/x^2) / (x^2 Q(1/x^2)))
    t = np.maximum(y, 4.0)
    z = 1 / (t * t)
    num, den = _P[5] * z, z
    for p, q in zip(_P[:4], _Q[:4]):
        num, den = (num + p) * z, (den + q) * z
    erfc_big = np.exp(-t * t) * (_ONE_OVER_SQRT_PI - z * (num + _P[4]) / (den + _Q[4])) / t
    erfc = np.where(y <= 4.0, erfc_mid, erfc_big)
    return np.where(y <= 0.5, small, np.copysign(1 - erfc, x))


class LeakyRelu(Function):
    """x for x > 0, negative_slope * x otherwise."""

    __slots__ = ("slope",)

    def forward(ctx, x, negative_slope=0.01):
        ctx.slope = negative_slope
        ctx.save_for_backward(x)
        return np.where(x > 0, x, x * negative_slope)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return np.where(x > 0, grad, grad * ctx.slope)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0].data
        return grad * np.where(x > 0, 1, ctx.slope).astype(x.dtype, copy=False)


class Elu(Function):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    __slots__ = ("alpha",)

    def forward(ctx, x, alpha=1.0):
        out = np.where(x > 0, x, np.expm1(np.minimum(x, 0)) * alpha)
        ctx.alpha = alpha
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return np.where(x > 0, grad, grad * (out + ctx.alpha))  # alpha * exp(x) = out + alpha

    def backward_graph(ctx, grad, out):
        return Where.apply(ctx.parents[0].data > 0, grad, grad * (out + ctx.alpha))


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's rule:
    there the two agree to float precision and exp would overflow)."""

    __slots__ = ("beta", "linear")

    def forward(ctx, x, beta=1.0, threshold=20.0):
        if beta <= 0:
            raise OpError(f"softplus: input {x.shape}: beta must be > 0, got {beta}")
        scaled = x * beta
        linear = scaled > threshold
        # exp of the clipped value: the linear elements never overflow (and are not used)
        soft = np.log1p(np.exp(np.minimum(scaled, threshold))) / beta
        ctx.beta, ctx.linear = beta, linear
        ctx.save_for_backward(scaled)
        return np.where(linear, x, soft)

    def backward(ctx, grad):
        scaled, = ctx.saved_tensors
        return np.where(ctx.linear, grad, grad * sigmoid_of(scaled))

    def backward_graph(ctx, grad, out):
        sig = (ctx.parents[0] * ctx.beta).sigmoid()
        return Where.apply(ctx.linear, grad, grad * sig)


class Silu(Function):
    """x * sigmoid(x) (also called swish)."""

    def forward(ctx, x):
        sig = sigmoid_of(x)
        ctx.save_for_backward(x, sig)
        return x * sig

    def backward(ctx, grad):
        x, sig = ctx.saved_tensors
        return grad * (sig * (1 + x * (1 - sig)))

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        sig = x.sigmoid()
        return grad * (sig * (1 + x * (1 - sig)))


class Gelu(Function):
    """x * Phi(x), Phi the standard normal CDF: exactly, with erf (approximate="none"), or
    with PyTorch's tanh formula (approximate="tanh")."""

    __slots__ = ("approximate",)

    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        if approximate == "none":
            cdf = 0.5 * (1 + erf(x * _SQRT_HALF))
            ctx.save_for_backward(x, cdf)
            return x * cdf
        if approximate == "tanh":
            t = np.tanh((x + 0.044715 * x * x * x) * _SQRT_2_OVER_PI)
            ctx.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        raise OpError(f"gelu: input {x.shape}: approximate must be 'none' or 'tanh', "
                      f"got {approximate!r}")

    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        if ctx.approximate == "none":
            pdf = np.exp(-0.5 * x * x) * _ONE_OVER_SQRT_2PI
            return grad * (saved + x * pdf)
        t = saved
        inner_grad = (1 + 3 * 0.044715 * x * x) * _SQRT_2_OVER_PI
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner_grad)

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        if ctx.approximate == "none":
            cdf = 0.5 * (1 + (x * _SQRT_HALF).erf())
            pdf = (x * x * -0.5).exp() * _ONE_OVER_SQRT_2PI
            return grad * (cdf + x * pdf)
        t = ((x + 0.044715 * x * x * x) * _SQRT_2_OVER_PI).tanh()
        inner_grad = (1 + 3 * 0.044715 * x * x) * _SQRT_2_OVER_PI
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner_grad)


class Erf(Function):
    """The error function; d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (np.exp(-x * x) * (2 * _ONE_OVER_SQRT_PI))

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        return grad * ((-(x * x)).exp() * (2 * _ONE_OVER_SQRT_PI))


class Mish(Function):
    """x * tanh(softplus(x)), with softplus in its stable form."""

    def forward(ctx, x):
        t = np.tanh(softplus_neg(-x))  # softplus(x), stable
        ctx.save_for_backward(x, t)
        return x * t

    def backward(ctx, grad):  # PyTorch's: tanh(sp) + x * sigmoid(x) * (1 - tanh(sp) ** 2)
        x, t = ctx.saved_tensors
        return grad * (t + x * sigmoid_of(x) * (1 - t * t))

    def backward_graph(ctx, grad, out):
        x = ctx.parents[0]
        t = Softplus.apply(x).tanh()
        return grad * (t + x * x.sigmoid() * (1 - t * t))


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), finite for any x."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -softplus_neg(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * sigmoid_of(-x)

    def backward_graph(ctx, grad, out):
        return grad * (-ctx.parents[0]).sigmoid()


class PRelu(Function):
    """x for x > 0, weight * x otherwise, weight (a learned slope) one for all or one per
    channel (axis 1), as PyTorch's prelu."""

    __slots__ = ("shape",)

    def forward(ctx, x, weight):
        if weight.ndim != 1 or (weight.size != 1 and (x.ndim < 2 or x.shape[1] != weight.size)):
            raise OpError(f"prelu: weight of shape {weight.shape} must be (1,) or one slope per "
                          f"channel (axis 1) of input {x.shape}")
        # the slopes shaped to meet x: one number (0-d), or one per channel along axis 1
        ctx.shape = () if weight.size == 1 else (-1,) + (1,) * (x.ndim - 2)
        ctx.save_for_backward(x, weight)
        return np.where(x > 0, x, weight.reshape(ctx.shape) * x)

    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        below = x <= 0
        need_x, need_w = ctx.needs_input_grad
        grad_x = np.where(below, grad * weight.reshape(ctx.shape), grad) if need_x else None
        grad_w = ctx._per_slope(grad * x * below, weight.shape) if need_w else None
        return grad_x, grad_w

    def backward_graph(ctx, grad, out):
        x, weight = ctx.parents
        below = (x.data <= 0).astype(x.data.dtype)
        need_x, need_w = ctx.needs_input_grad
        grad_x = grad * (1 - below) + grad * weight.reshape(ctx.shape) * below \
            if need_x else None
        grad_w = ctx._per_slope(grad * x * below, weight.shape) if need_w else None
        return grad_x, grad_w

    def _per_slope(ctx, terms, shape):
        """`terms` (an array or a Tensor) summed to one value per slope: over every axis, or
        over all but axis 1."""
        axes = tuple(i for i in range(terms.ndim) if not ctx.shape or i != 1)
        return terms.sum(axis=axes).reshape(shape)


from .pointwise import Where  # noqa: E402
