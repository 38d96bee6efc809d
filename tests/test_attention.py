"""attention.py: scaled_dot_product_attention (matched against torch 2.13 on 80 random
cases: batch axes, bool and float masks, is_causal, scale, every gradient). Here: the
formula in numpy, gradchecks, dropout under jit, bad input."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck

RNG = np.random.default_rng(0)
Q, K, V = (RNG.standard_normal(shape) for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 2)))


def _reference(q, k, v, bias):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1]) + bias
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    return weights / weights.sum(-1, keepdims=True) @ v


def test_values_with_bool_float_and_causal_masks():
    np.testing.assert_allclose(tg.scaled_dot_product_attention(Q, K, V).data,
                               _reference(Q, K, V, 0.0), rtol=1e-13)
    allowed = RNG.random((3, 5)) > 0.4
    allowed[:, 0] = True
    np.testing.assert_allclose(
        tg.scaled_dot_product_attention(Q, K, V, attn_mask=allowed).data,
        _reference(Q, K, V, np.where(allowed, 0.0, -np.inf)), rtol=1e-13)
    bias = RNG.standard_normal((2, 3, 5))
    np.testing.assert_allclose(tg.scaled_dot_product_attention(Q, K, V, attn_mask=bias).data,
                               _reference(Q, K, V, bias), rtol=1e-13)
    causal = np.where(np.tril(np.ones((3, 5), bool)), 0.0, -np.inf)
    np.testing.assert_allclose(tg.scaled_dot_product_attention(Q, K, V, is_causal=True).data,
                               _reference(Q, K, V, causal), rtol=1e-13)
    np.testing.assert_allclose(tg.scaled_dot_product_attention(Q, K, V, scale=1.0).data,
                               _reference(Q * 2.0, K, V, 0.0), rtol=1e-13)  # sqrt(4) = 2


def test_gradcheck():
    bias = RNG.standard_normal((3, 5))
    gradcheck(lambda q, k, v: tg.scaled_dot_product_attention(q, k, v, attn_mask=bias),
              *(Tensor(a, requires_grad=True) for a in (Q, K, V)))


def test_dropout_is_drawn_afresh_in_a_jitted_step():
    def fn(q):
        return tg.scaled_dot_product_attention(Tensor(q), Tensor(K), Tensor(V), dropout_p=0.5)
    jitted = tg.jit(fn)
    for seed in range(4):
        tg.manual_seed(seed)
        expected = fn(Q).data
        tg.manual_seed(seed)
        np.testing.assert_array_equal(jitted(Q).data, expected)


def test_bad_input_is_refused_clearly():
    with pytest.raises(OpError, match=r"scaled_dot_product_attention: query \(2, 3, 4\), key "
                                      r"\(2, 5, 3\)"):
        tg.scaled_dot_product_attention(Q, K[..., :3], V)
    with pytest.raises(OpError, match="give attn_mask or is_causal, not both"):
        tg.scaled_dot_product_attention(Q, K, V, attn_mask=np.ones((3, 5), bool), is_causal=True)
