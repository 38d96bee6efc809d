"""nn/transformer.py: TransformerEncoderLayer and TransformerEncoder (matched against torch
2.13 on 30 random configurations, loading its state dicts as they are: relu / gelu,
batch_first, norm_first, key padding, causal masks, a final norm, every gradient). Here: the
blocks written out with the layer's own parts, PyTorch's names, copies, jit."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import nn

RNG = np.random.default_rng(0)


def test_post_norm_and_pre_norm_are_the_blocks_in_pytorchs_order():
    x = RNG.standard_normal((4, 2, 6))
    for norm_first in (False, True):
        layer = nn.TransformerEncoderLayer(6, 2, dim_feedforward=5, dropout=0.0,
                                           norm_first=norm_first, dtype=np.float64, rng=0)

        def attend(h, layer=layer):
            return layer.self_attn(h, h, h, need_weights=False)[0]

        def feed(h, layer=layer):
            return layer.linear2(tg.relu(layer.linear1(h)))
        if norm_first:
            h = x + attend(layer.norm1(x))
            expected = h + feed(layer.norm2(h))
        else:
            h = layer.norm1(x + attend(tg.Tensor(x)))
            expected = layer.norm2(h + feed(h))
        np.testing.assert_allclose(layer(x).data, expected.data, rtol=1e-13)


def test_names_are_pytorchs_and_the_encoder_copies_its_layer():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, rng=0)
    encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(4))
    names = [name for name, _ in encoder.named_parameters()]
    assert names[:12] == [
        "layers.0.self_attn.in_proj_weight", "layers.0.self_attn.in_proj_bias",
        "layers.0.self_attn.out_proj.weight", "layers.0.self_attn.out_proj.bias",
        "layers.0.linear1.weight", "layers.0.linear1.bias", "layers.0.linear2.weight",
        "layers.0.linear2.bias", "layers.0.norm1.weight", "layers.0.norm1.bias",
        "layers.0.norm2.weight", "layers.0.norm2.bias"]
    assert names[-2:] == ["norm.weight", "norm.bias"]
    assert encoder.get_parameter("layers.1.linear1.weight").shape == (8, 4)  # (out, in)
    first, second = encoder.layers[0], encoder.layers[1]
    np.testing.assert_array_equal(first.linear1.weight.data, second.linear1.weight.data)
    assert first.linear1.weight is not second.linear1.weight  # copies, not one shared layer
    with pytest.raises(ValueError, match="activation must be 'relu', 'gelu' or a function"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")


def test_a_causal_mask_keeps_each_position_from_the_later_ones():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0,
                                                               dtype=np.float64, rng=1), 2)
    x = RNG.standard_normal((5, 1, 4))
    later = x.copy()
    later[3:] += 10.0
    full, changed = encoder(x, is_causal=True), encoder(later, is_causal=True)
    np.testing.assert_allclose(full.data[:3], changed.data[:3], rtol=1e-13)
    assert not np.allclose(full.data[3:], changed.data[3:])


def test_a_jitted_training_step_with_its_dropouts_replays():
    def make():
        tg.manual_seed(0)
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(
            4, 2, 8, dropout=0.2, batch_first=True, dtype=np.float64), 2)
        opt = tg.optim.AdamW(encoder.parameters(), lr=0.01)

        def step(x):
            opt.zero_grad()
            loss = (encoder(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return step, encoder
    calls = [(RNG.standard_normal((2, 3, 4)),) for _ in range(4)]
    assert check_jit_matches_eager(make, calls).recordings == 1


def test_decoder_layer_attends_to_the_memory_and_the_transformer_chains_them():
    layer = nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, dtype=np.float64, rng=2)
    tgt, memory = RNG.standard_normal((3, 2, 4)), RNG.standard_normal((5, 2, 4))
    h = layer.norm1(tgt + layer.self_attn(tgt, tgt, tgt, need_weights=False)[0])
    h = layer.norm2(h + layer.multihead_attn(h, memory, memory, need_weights=False)[0])
    expected = layer.norm3(h + layer.linear2(tg.relu(layer.linear1(h))))
    np.testing.assert_allclose(layer(tgt, memory).data, expected.data, rtol=1e-13)
    model = nn.Transformer(4, 2, 1, 2, 8, dropout=0.0, dtype=np.float64, rng=3)
    src = RNG.standard_normal((5, 2, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(3, np.float64)
    memory = model.encoder(src)
    np.testing.assert_allclose(model(src, tgt, tgt_mask=mask).data,
                               model.decoder(tgt, memory, tgt_mask=mask).data, rtol=1e-14)
    np.testing.assert_array_equal(mask, [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    names = [name for name, _ in model.named_parameters()]
    assert "decoder.layers.1.multihead_attn.in_proj_weight" in names and names[-2:] == [
        "decoder.norm.weight", "decoder.norm.bias"]
    bound = np.sqrt(6 / (4 + 8))  # xavier_uniform_ on every matrix, as PyTorch's Transformer
    assert np.abs(model.get_parameter("encoder.layers.0.linear1.weight").data).max() <= bound
