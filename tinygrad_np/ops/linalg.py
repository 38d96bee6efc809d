"""Matrix products: `@` (1-D, 2-D and batched operands, as numpy's) and `einsum`."""
from __future__ import annotations

import numpy as np

from .. import recycle
from ..function import Function, OpError, unbroadcast
from .adjoint import sum_to


class MatMul(Function):
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return a @ b
        except ValueError:  # checked only on failure, to keep the hot path to one call
            raise OpError(_mismatch(a, b)) from None

    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping
            grad_b = None
            if need_b:
                # a big weight's gradient goes into a recycled array: the walk adds it into
                # the weight's .grad, and the optimizer's update then reuses the array while
                # it is still in cache (see SGD._plain_step)
                target = recycle.out(b) if grad.dtype is b.dtype is a.dtype else None
                grad_b = a.T @ grad if target is None else np.matmul(a.T, grad, out=target)
            return (grad @ b.T if need_a else None), grad_b
        # Treat vectors as matrices (a row on the left, a column on the right), then undo.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:  # first: for vector . vector the gradient is 0-d
            grad = grad[..., None]
        if a.ndim == 1:
            grad = grad[..., None, :]
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ b2.swapaxes(-1, -2)
            grad_a = unbroadcast(grad_a[..., 0, :] if a.ndim == 1 else grad_a, a.shape)
        if need_b:
            grad_b = a2.swapaxes(-1, -2) @ grad
            grad_b = unbroadcast(grad_b[..., 0] if b.ndim == 1 else grad_b, b.shape)
        return grad_a, grad_b

    def backward_graph(ctx, grad, out):  # backward's steps, on Tensors
        a, b = ctx.parents
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:
            return (grad @ b.T if need_a else None), (a.T @ grad if need_b else None)
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:
            grad = grad.reshape(grad.shape + (1,))
        if a.ndim == 1:
            grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:])
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ _swap_last(b2)
            grad_a = sum_to(grad_a[..., 0, :] if a.ndim == 1 else grad_a, a.shape)
        if need_b:
            grad_b = _swap_last(a2) @ grad
            grad_b = sum_to(grad_b[..., 0] if b.ndim == 1 else grad_b, b.shape)
        return grad_a, grad_b


def _swap_last(t):
    """A Tensor with its last two axes swapped (ndarray.swapaxes(-1, -2))."""
    axes = list(range(t.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


def _mismatch(a, b) -> str:
    """Why `a @ b` fails, in terms of the two shapes."""
    if a.ndim == 0 or b.ndim == 0:
        return (f"MatMul: both operands need at least 1 dimension, got shapes {a.shape} and "
                f"{b.shape} (use * to scale by a scalar)")
    inner = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner:
        return (f"MatMul: shapes {a.shape} and {b.shape} are not aligned: the last axis of the "
                f"left ({a.shape[-1]}) must equal the {'only' if b.ndim == 1 else 'second-to-last'}"
                f" axis of the right ({inner})")
    return (f"MatMul: the batch axes of shapes {a.shape} and {b.shape} do not broadcast "
            f"(all but the last two axes must)")


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse_einsum(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's subscripts and the output's, with "..." spelled out as letters of its
    own (right-aligned, as numpy broadcasts them) and the implicit output made explicit
    (the ellipsis axes, then the letters used once, in alphabetical order)."""
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise OpError(f"einsum: {subscripts!r} names {len(terms)} operand(s), got "
                      f"{len(shapes)} of shapes {', '.join(map(str, shapes))}")
    used = set(spec) - set(".,->")
    bad = used - set(_LETTERS)
    if bad:
        raise OpError(f"einsum: {subscripts!r}: subscripts must be letters a-z, A-Z (and "
                      f"'...'), got {''.join(sorted(bad))!r}")
    fresh = [letter for letter in _LETTERS if letter not in used]
    ellipsis_ndim = 0
    for term, shape in zip(terms, shapes):
        letters = len(term.replace("...", ""))
        if "..." in term:
            ellipsis_ndim = max(ellipsis_ndim, len(shape) - letters)
        if letters > len(shape) or ("..." not in term and letters != len(shape)) \
                or term.count(".") not in (0, 3):
            raise OpError(f"einsum: {subscripts!r}: operand {term!r} does not fit its "
                          f"shape {shape}")
    ellipsis = "".join(fresh[:ellipsis_ndim])
    spelled = []
    for term, shape in zip(terms, shapes):
        count = len(shape) - len(term.replace("...", ""))
        spelled.append(term.replace("...", ellipsis[ellipsis_ndim - count:]))
    if arrow:
        if output.count(".") not in (0, 3) or len(set(output.replace("...", ""))) != \
                len(output.replace("...", "")):
            raise OpError(f"einsum: {subscripts!r}: the output names a subscript twice")
        missing = set(output.replace("...", "")) - set("".join(terms))
        if missing:
            raise OpError(f"einsum: {subscripts!r}: output subscript(s) "
                          f"{''.join(sorted(missing))!r} appear in no operand")
        out = output.replace("...", ellipsis)
    else:
        counts = "".join(terms).replace("...", "")
        out = ellipsis + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    return spelled, out


def _gradient_plan(ctx, k: int) -> tuple[str, str, set[str], str]:
    """For operand k of an einsum: its subscripts, each of them once (in order), the
    subscripts the output's gradient and the other operands have, and the einsum of those
    that gives operand k's gradient along the subscripts they reach."""
    term, others = ctx.terms[k], [t for i, t in enumerate(ctx.terms) if i != k]
    known = set(ctx.out).union(*others)
    target = "".join(dict.fromkeys(term))
    reached = "".join(c for c in target if c in known)
    return term, target, known, ",".join([ctx.out, *others]) + "->" + reached


def _per_operand(ctx, operands, gradient):
    """`gradient(operand, the other operands, *its _gradient_plan)` for each operand that
    needs one, None for the rest: einsum's backward on arrays and on Tensors alike."""
    return tuple(
        gradient(operand, [o for i, o in enumerate(operands) if i != k], *_gradient_plan(ctx, k))
        if need else None
        for k, (operand, need) in enumerate(zip(operands, ctx.needs_input_grad)))


class Einsum(Function):
    """numpy's and PyTorch's `einsum`, any number of operands. The gradient of an operand is
    the einsum of the output's gradient with the other operands, back to its subscripts:
    broadcast over the subscripts only it has, summed where it was broadcast (a size-1
    axis), and written onto the diagonal where it repeats a subscript."""

    def forward(ctx, *operands, subscripts):
        ctx.save_for_backward(*operands)
        ctx.terms, ctx.out = parse_einsum(subscripts, [a.shape for a in operands])
        expression = ",".join(ctx.terms) + "->" + ctx.out
        try:
            return np.einsum(expression, *operands, optimize=len(operands) > 2)
        except ValueError as err:
            raise OpError(f"einsum: {subscripts!r} does not fit the shapes "
                          f"{', '.join(str(a.shape) for a in operands)}: {err}") from None

    def backward(ctx, grad):
        def gradient(operand, others, term, target, known, expression):
            g = np.einsum(expression, grad, *others, optimize=len(others) > 1)
            sizes = dict(zip(term, operand.shape))
            # the subscripts only this operand has: its gradient is the same along them
            g = np.expand_dims(g, tuple(i for i, c in enumerate(target) if c not in known))
            g = g.sum(axis=tuple(i for i, c in enumerate(target)
                                 if sizes[c] == 1 and g.shape[i] != 1), keepdims=True)
            shape = tuple(sizes[c] for c in target)
            if len(target) < len(term):  # a repeated subscript: onto the diagonal
                full = np.zeros_like(operand)
                np.einsum(f"{term}->{target}", full)[...] = g
                g = full
            elif g.shape != shape:
                g = np.broadcast_to(g, shape).copy()
            return g.astype(operand.dtype, copy=False)
        return _per_operand(ctx, ctx.saved_tensors, gradient)

    def backward_graph(ctx, grad, out):  # backward's steps, on Tensors
        from ..functional import einsum
        from ..tensor import Tensor

        def gradient(operand, others, term, target, known, expression):
            g = einsum(expression, grad, *others)
            sizes = dict(zip(term, operand.shape))
            reached = expression.partition("->")[2]
            g = g.reshape(tuple(g.shape[reached.index(c)] if c in known else 1
                                for c in target))
            kept = tuple(sizes[c] if c in known else 1 for c in target)
            g = sum_to(g, kept) if g.shape != kept else g
            full = tuple(sizes[c] for c in target)
            g = g.expand(full) if full != kept else g
            if len(target) < len(term):
                # a repeated subscript: each repeat gets a letter of its own, tied to the
                # first by an identity matrix (a constant), so the diagonal is an einsum too
                spare = iter(c for c in _LETTERS if c not in set(term).union(ctx.out, *ctx.terms))
                spelled, ties = [], []
                for c in term:
                    if c in spelled:
                        tie = next(spare)
                        ties.append(c + tie)
                        spelled.append(tie)
                    else:
                        spelled.append(c)
                eyes = [Tensor(np.eye(sizes[pair[0]], dtype=operand.dtype)) for pair in ties]
                g = einsum(",".join([target, *ties]) + "->" + "".join(spelled), g, *eyes)
            return g
        return _per_operand(ctx, ctx.parents, gradient)
