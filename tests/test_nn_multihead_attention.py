"""nn/multihead_attention.py: MultiheadAttention (matched against torch 2.13 on 60 random
configurations, loading torch's state dicts as they are: heads, bias, batch_first,
unbatched, key padding and attention masks bool, float and per head, every gradient).
Here: a numpy reference, PyTorch's names and mask meaning, jit, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn

RNG = np.random.default_rng(0)


def _reference(mha, q, k, v, blocked=None):
    """Per head, in numpy: softmax(q_h k_h^T / sqrt(d)) v_h, heads joined, out_proj."""
    e, heads = mha.embed_dim, mha.num_heads
    d = e // heads
    w, b = mha.in_proj_weight.data, mha.in_proj_bias.data
    qp, kp, vp = (x @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e]
                  for i, x in enumerate((q, k, v)))
    out = np.zeros(q.shape[:2] + (e,))
    for n in range(q.shape[1]):
        for h in range(heads):
            cols = slice(h * d, (h + 1) * d)
            scores = qp[:, n, cols] @ kp[:, n, cols].T / np.sqrt(d)
            if blocked is not None:
                scores = np.where(blocked, -np.inf, scores)
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, n, cols] = weights / weights.sum(-1, keepdims=True) @ vp[:, n, cols]
    return out @ mha.out_proj.weight.data.T + mha.out_proj.bias.data


def test_values_names_and_the_mask_meaning_are_pytorchs():
    mha = nn.MultiheadAttention(6, 3, dtype=np.float64, rng=0)
    assert [name for name, _ in mha.named_parameters()] == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    q, k, v = (RNG.standard_normal(shape) for shape in ((4, 2, 6), (5, 2, 6), (5, 2, 6)))
    out, weights = mha(q, k, v)
    np.testing.assert_allclose(out.data, _reference(mha, q, k, v), rtol=1e-12, atol=1e-14)
    assert weights.shape == (2, 4, 5)
    np.testing.assert_allclose(weights.data.sum(-1), 1.0, rtol=1e-14)
    blocked = RNG.random((4, 5)) > 0.6  # True: may NOT attend (PyTorch's bool attn_mask)
    blocked[:, 0] = False
    out, _ = mha(q, k, v, attn_mask=blocked)
    np.testing.assert_allclose(out.data, _reference(mha, q, k, v, blocked), rtol=1e-12,
                               atol=1e-14)
    padded = np.zeros((2, 5), dtype=bool)
    padded[:, 3:] = True  # the last two keys of every sample are padding
    np.testing.assert_allclose(mha(q, k, v, key_padding_mask=padded)[0].data,
                               mha(q[:, :], k[:3], v[:3])[0].data, rtol=1e-12)
    per_head = mha(q, k, v, average_attn_weights=False)[1]
    assert per_head.shape == (2, 3, 4, 5) and mha(q, k, v, need_weights=False)[1] is None


def test_batch_first_unbatched_and_causal():
    mha = nn.MultiheadAttention(4, 2, batch_first=True, dtype=np.float64, rng=1)
    x = RNG.standard_normal((2, 3, 4))  # (N, L, E)
    out, _ = mha(x, x, x, is_causal=True)
    first = mha(x[:1, :1], x[:1, :1], x[:1, :1])[0]  # the first step sees only itself
    np.testing.assert_allclose(out.data[:1, :1], first.data, rtol=1e-12)
    alone, weights = mha(x[0], x[0], x[0])
    np.testing.assert_allclose(alone.data, mha(x[:1], x[:1], x[:1])[0].data[0], rtol=1e-14)
    assert weights.shape == (3, 3)


def test_a_jitted_training_step_with_attention_dropout_replays():
    def make():
        tg.manual_seed(0)
        mha = nn.MultiheadAttention(4, 2, dropout=0.3, dtype=np.float64)
        opt = tg.optim.SGD(mha.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            out, _ = mha(x, x, x)
            loss = (out * out).mean()
            loss.backward()
            opt.step()
            return loss
        return step, mha
    calls = [(RNG.standard_normal((3, 2, 4)),) for _ in range(5)]
    assert check_jit_matches_eager(make, calls).recordings == 1


def test_a_jitted_step_reads_the_key_padding_mask_of_each_call():
    mha = nn.MultiheadAttention(4, 2, dtype=np.float64, rng=4)
    jitted = tg.jit(lambda x, padded: mha(x, x, x, key_padding_mask=padded)[0])
    for _ in range(5):
        x = RNG.standard_normal((3, 2, 4))
        padded = RNG.random((2, 3)) > 0.5
        padded[:, 0] = False
        np.testing.assert_array_equal(jitted(x, padded).data,
                                      mha(x, x, x, key_padding_mask=padded)[0].data)
    assert jitted.recordings == 1


def test_bad_settings_and_input_are_refused():
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be divisible by num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="add_bias_kv and add_zero_attn are not supported"):
        nn.MultiheadAttention(4, 2, add_bias_kv=True)
    with pytest.raises(OpError, match=r"\(S, N, 3\) and \(S, N, 5\)"):
        nn.MultiheadAttention(4, 2, kdim=3, vdim=5)(*(np.zeros((3, 2, 4)),) * 3)
    mha = nn.MultiheadAttention(4, 2)
    with pytest.raises(OpError, match=r"MultiheadAttention: query \(3, 2, 5\)"):
        mha(Tensor(np.zeros((3, 2, 5))), np.zeros((3, 2, 4)), np.zeros((3, 2, 4)))
    with pytest.raises(OpError, match=r"key_padding_mask of shape \(3, 3\): expected \(2, 3\)"):
        mha(*(np.zeros((3, 2, 4), np.float32),) * 3, key_padding_mask=np.zeros((3, 3), bool))


def test_keys_and_values_of_other_sizes_have_pytorchs_separate_projections():
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, rng=0, dtype=np.float64)
    # PyTorch 2.13's state dict of MultiheadAttention(4, 2, kdim=3, vdim=5): these keys, shapes
    assert {k: v.shape for k, v in mha.state_dict().items()} == {
        "q_proj_weight": (4, 4), "k_proj_weight": (4, 3), "v_proj_weight": (4, 5),
        "in_proj_bias": (12,), "out_proj.weight": (4, 4), "out_proj.bias": (4,)}
    assert mha.in_proj_weight is None
    rng = np.random.default_rng(1)
    q, k, v = (Tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((2, 3, 4), (6, 3, 3), (6, 3, 5)))
    out, weights = mha(q, k, v)
    assert out.shape == (2, 3, 4) and weights.shape == (3, 2, 6)
    # the same as one head computation written out: q, k, v projected by their own weights
    qp = q.data @ mha.q_proj_weight.data.T + mha.in_proj_bias.data[:4]
    kp = k.data @ mha.k_proj_weight.data.T + mha.in_proj_bias.data[4:8]
    scores = np.einsum("lnd,snd->nls", qp[..., :2], kp[..., :2]) / np.sqrt(2)
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(mha(q, k, v, average_attn_weights=False)[1].data[:, 0],
                               expected, rtol=1e-12)
    assert tg.gradcheck(lambda a, b, c: mha(a, b, c)[0], q, k, v)
