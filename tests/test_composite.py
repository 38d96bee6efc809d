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


# torch 2.13, float64: F.normalize(X, p=p) and X.grad after (out * W).sum().backward(); the
# rows hold a tie (3, -3) and a near-zero norm (the last row for -inf, 0 and -1)
NORMALIZE_X = np.array([[3.0, -4.0, 1.0], [3.0, -3.0, 1.0], [0.0, 2.0, 0.0]])
NORMALIZE_W = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 3.0], [1.0, 2.0, 3.0]])
NORMALIZE_TORCH = {
    np.inf: ([[0.75, -1.0, 0.25], [1.0, -1.0, 1 / 3], [0.0, 1.0, 0.0]],
             [[0.25, 0.375, 0.75], [0.8333333333333333, 1.1666666666666667, 1.0],
              [0.5, 0.0, 1.5]]),
    -np.inf: ([[3.0, -4.0, 1.0], [3.0, -3.0, 1.0], [0.0, 2e12, 0.0]],
              [[1.0, 2.0, 5.0], [1.0, 5.0, 12.0], [1e12, 2e12, 3e12]]),
    0: ([[1.0, -4 / 3, 1 / 3], [1.0, -1.0, 1 / 3], [0.0, 2.0, 0.0]],
        [[1 / 3, 2 / 3, 1.0], [1 / 3, 1.6666666666666667, 1.0], [1.0, 2.0, 3.0]]),
    0.5: ([[0.1339745962155614, -0.17863279495408185, 0.04465819873852046],
           [0.1505404157782932, -0.1505404157782932, 0.05018013859276439],
           [0.0, 0.9999999999999998, 0.0]],
          [[0.055555555555555566, 0.07987900963938499, 0.15284937189087328],
           [0.10858912458814729, 0.19249170696843904, 0.2517077471408754],
           [0.4999999999999999, 2.220446049250313e-16, 1.4999999999999998]]),
    -1: ([[4.749999999999999, -6.333333333333332, 1.583333333333333],
          [4.999999999999999, -4.999999999999999, 1.6666666666666665], [0.0, 2e12, 0.0]],
         [[1.8055555555555551, 3.041666666666666, 6.749999999999998],
          [2.666666666666666, 7.333333333333332, 13.999999999999996], [1e12, 2e12, 3e12]]),
}


@pytest.mark.parametrize("p", list(NORMALIZE_TORCH), ids=str)
def test_normalize_takes_any_p_as_pytorch(p):
    """inf is the largest |x| (ties share its gradient), -inf the smallest, 0 the count of
    non-zero entries (no gradient); a zero entry passes no NaN for p < 1."""
    expected, grad = NORMALIZE_TORCH[p]
    x = Tensor(NORMALIZE_X, requires_grad=True)
    out = tg.normalize(x, p=p)
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    (out * NORMALIZE_W).sum().backward()
    np.testing.assert_allclose(x.grad, grad, rtol=1e-13, atol=1e-15)


def test_normalize_refuses_a_p_that_is_no_number():
    for p in (True, "fro", float("nan")):
        with pytest.raises(OpError, match="normalize: p must be a real number"):
            tg.normalize(Tensor(NORMALIZE_X), p=p)
    assert gradgradcheck(lambda t: tg.normalize(t, p=np.inf, axis=0),
                         Tensor(np.array([[1.0, 2.0, -3.5], [0.5, -1.0, 3.0]]),
                                requires_grad=True))


def test_cosine_similarity_clamps_each_norm_as_pytorch_2_13():
    """torch 2.13, float64: F.cosine_similarity(a, b) and the gradients of
    (out * [1, 2, 3]).sum(): each norm clamped to eps on its own (a tiny pair keeps its
    cosine, 0.7071, where clamping the product gave 0.0100), the gradient through the norm
    as if unclamped (a zero vector's is (b / ||b||) / eps)."""
    a = Tensor(np.array([[1e-5, 0.0], [0.0, 0.0], [3.0, 4.0]]), requires_grad=True)
    b = Tensor(np.array([[1e-5, 1e-5], [1.0, 2.0], [1.0, 1e-9]]), requires_grad=True)
    out = tg.cosine_similarity(a, b)
    np.testing.assert_allclose(out.data, [0.7071067811865476, 0.0, 0.6000000007999999],
                               rtol=1e-15)
    (out * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(a.grad, [[0.0, 70710.67811865475],
                                        [89442719.09999159, 178885438.19998318],
                                        [0.383999999712, -0.287999999784]], rtol=1e-12,
                               atol=1e-9)
    np.testing.assert_allclose(b.grad, [[35355.339059327365, -35355.33905932738], [0.0, 0.0],
                                        [-2.3999999765322855e-09, 2.3999999982]], rtol=1e-9,
                               atol=1e-15)
    module = nn.CosineSimilarity(dim=1)(a, b)
    np.testing.assert_array_equal(module.data, out.data)


def test_cosine_similarity_broadcasts_before_taking_the_norms():
    """torch 2.13: F.cosine_similarity([[1, 2, 2]], [[1], [2]]): b is (2, 3) of equal entries
    before its norm, 5 / (3 sqrt 3), not b's own norm along a size-1 axis."""
    a = Tensor(np.array([[1.0, 2.0, 2.0]]), requires_grad=True)
    b = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    out = tg.cosine_similarity(a, b)
    np.testing.assert_allclose(out.data, [0.9622504486493763] * 2, rtol=1e-15)
    out.sum().backward()
    np.testing.assert_allclose(a.grad, [[0.17106674642655587, -0.04276668660663885,
                                         -0.04276668660663885]], rtol=1e-14)
    np.testing.assert_allclose(b.grad, [[0.0], [0.0]], atol=1e-15)


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


def test_pixel_shuffle_takes_pytorchs_input_keyword_and_says_what_a_2d_input_lacks():
    import tinygrad_np.nn.functional as F
    x = Tensor(np.arange(16.0).reshape(1, 4, 2, 2))
    np.testing.assert_array_equal(F.pixel_shuffle(input=x, upscale_factor=2).data,
                                  F.pixel_shuffle(x, 2).data)
    back = F.pixel_unshuffle(input=F.pixel_shuffle(x, 2), downscale_factor=2)
    np.testing.assert_array_equal(back.data, x.data)
    with pytest.raises(OpError, match=r"pixel_shuffle: input \(4, 2\) needs at least 3 axes"):
        F.pixel_shuffle(Tensor(np.zeros((4, 2))), 2)
    with pytest.raises(OpError, match=r"pixel_unshuffle: input \(4, 2\) needs at least 3 axes"):
        F.pixel_unshuffle(Tensor(np.zeros((4, 2))), 2)
