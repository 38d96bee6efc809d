"""composite.py: tile (Tensor.repeat), tril, triu, normalize, cosine_similarity, made of other
ops; checked against PyTorch's numbers and by gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, gradgradcheck, jit, nn


def test_tile_and_repeat_copy_and_add_the_copies_gradients():
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    out = x.repeat(2, 3)  # PyTorch's name; numpy's tile
    assert out.shape == (2, 6)
    np.testing.assert_array_equal(out.data, np.tile([[1.0, 2.0]], (2, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [[6.0, 6.0]])
    assert tg.tile(Tensor([1.0, 2.0]), (2, 1, 2)).shape == (2, 1, 4)  # new leading axes
    assert x.tile((1, 2)).shape == (1, 4)
    assert gradcheck(lambda t: tg.tile(t, (3, 2)), Tensor(np.ones((2, 2)), requires_grad=True))


def test_triangles_keep_their_side_of_the_diagonal():
    x = Tensor(np.arange(1.0, 10.0).reshape(3, 3), requires_grad=True)
    np.testing.assert_array_equal(tg.tril(x).data, np.tril(x.data))
    np.testing.assert_array_equal(tg.triu(x, 1).data, np.triu(x.data, 1))
    tg.tril(x, -1).sum().backward()
    np.testing.assert_array_equal(x.grad, np.tril(np.ones((3, 3)), -1))
    with pytest.raises(OpError, match=r"tril: input of shape \(3,\) must have at least 2 axes"):
        tg.tril(np.ones(3))


# PyTorch 2.13.0+cpu: F.normalize([[3, 4], [0, 0]]) and F.cosine_similarity of the rows below
def test_normalize_and_cosine_similarity_match_pytorch():
    out = tg.normalize(Tensor(np.array([[3.0, 4.0], [0.0, 0.0]])))
    np.testing.assert_allclose(out.data, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-15)
    a = np.array([[1.0, 0.0, 1.0], [2.0, 2.0, 0.0]])
    b = np.array([[1.0, 1.0, 0.0], [-1.0, -1.0, 0.0]])
    np.testing.assert_allclose(tg.cosine_similarity(a, b).data, [0.5, -1.0], rtol=1e-15)
    x = Tensor(np.array([[1.0, 2.0, 2.0], [0.5, -1.0, 3.0]]), requires_grad=True)
    assert gradgradcheck(lambda t: tg.normalize(t, axis=1), x)
    assert gradcheck(lambda t, u: tg.cosine_similarity(t, u), x,
                     Tensor(np.array([[2.0, 0.5, 1.0], [1.0, 1.0, 1.0]]), requires_grad=True))


def test_a_jitted_normalised_embedding_replays():
    w = Tensor(np.arange(12.0).reshape(3, 4) / 10, requires_grad=True)
    run = jit(lambda x: tg.normalize(Tensor(x) @ w, axis=1))
    for seed in range(4):
        x = np.random.default_rng(seed).standard_normal((5, 3))
        np.testing.assert_array_equal(run(x).data, tg.normalize(Tensor(x) @ w, axis=1).data)


def test_pixel_shuffle_is_pytorchs_and_unshuffle_inverts_it():
    """torch 2.13: F.pixel_shuffle(arange(96.).reshape(2, 8, 2, 3), 2)[0, 0]."""
    x = Tensor(np.arange(96.0).reshape(2, 8, 2, 3), requires_grad=True)
    out = tg.pixel_shuffle(x, 2)
    assert out.shape == (2, 2, 4, 6)
    np.testing.assert_array_equal(out.data[0, 0], [[0, 6, 1, 7, 2, 8], [12, 18, 13, 19, 14, 20],
                                                   [3, 9, 4, 10, 5, 11],
                                                   [15, 21, 16, 22, 17, 23]])
    np.testing.assert_array_equal(tg.pixel_unshuffle(out, 2).data, x.data)
    (out * Tensor(np.arange(96.0).reshape(out.shape))).sum().backward()  # a permutation
    np.testing.assert_array_equal(np.sort(x.grad.ravel()), np.arange(96.0))
    assert tg.pixel_shuffle(np.ones((4, 3, 3)), 2).shape == (1, 6, 6)  # unbatched
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(nn.PixelUnshuffle(3)) == "PixelUnshuffle(downscale_factor=3)"
    with pytest.raises(OpError, match=r"pixel_shuffle: input \(1, 3, 2, 2\) needs"):
        tg.pixel_shuffle(np.ones((1, 3, 2, 2)), 2)
    with pytest.raises(OpError, match=r"pixel_unshuffle: input \(1, 3, 3, 2\) needs"):
        tg.pixel_unshuffle(np.ones((1, 3, 3, 2)), 2)
