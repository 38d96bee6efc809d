"""ops/fold.py: unfold (im2col) and fold (col2im), against naive loops (the op table) and
PyTorch's numbers, shapes, reprs and errors (torch 2.13, embedded)."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn

SPECS = specs("fold")

test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


def test_fold_of_unfold_is_pytorchs():
    """x = arange(120).reshape(2, 3, 4, 5), kernel (2, 3), dilation (1, 2), padding 1,
    stride (2, 1): unfold gives (2, 18, 9); fold of it gives each pixel times the number of
    blocks that meet it (PyTorch's first image, first channel below)."""
    x = Tensor(np.arange(120.0).reshape(2, 3, 4, 5))
    settings = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    columns = tg.unfold(x, **settings)
    assert columns.shape == (2, 18, 9)
    np.testing.assert_array_equal(tg.fold(columns, (4, 5), **settings).data[0, 0],
                                  [[0, 2, 2, 6, 4], [5, 12, 7, 16, 9], [10, 22, 12, 26, 14],
                                   [15, 32, 17, 36, 19]])


def test_a_conv_is_a_matmul_by_the_unfolded_input():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 3, 2))
    columns = tg.unfold(Tensor(x), (3, 2), padding=1, stride=2)
    out = (Tensor(w.reshape(4, -1)) @ columns).reshape(2, 4, 3, 4)
    np.testing.assert_allclose(out.data, tg.conv2d(x, w, padding=1, stride=2).data,
                               rtol=1e-12, atol=1e-12)


def test_unbatched_input_and_gradients_of_both():
    x = Tensor(np.arange(48.0).reshape(3, 4, 4), requires_grad=True)
    columns = tg.unfold(x, 2)
    assert columns.shape == (12, 9)
    back = tg.fold(columns, (4, 4), 2)
    assert back.shape == (3, 4, 4)
    back.sum().backward()  # each pixel counted once per block that meets it
    np.testing.assert_array_equal(x.grad[0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2],
                                              [1, 2, 2, 1]])
    assert tg.gradgradcheck(lambda t: tg.fold(tg.unfold(t, 2) ** 2, (4, 4), 2),
                            (Tensor(np.random.default_rng(1).standard_normal((1, 2, 4, 4)),
                                    requires_grad=True),))


def test_layers_read_like_pytorchs():
    assert repr(nn.Unfold(2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))) == \
        "Unfold(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))"
    assert repr(nn.Fold((4, 5), 2)) == \
        "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    np.testing.assert_array_equal(nn.Fold((4, 4), 2, stride=2)(nn.Unfold(2, stride=2)(x)).data,
                                  x)  # blocks side by side: fold undoes unfold


@pytest.mark.parametrize("call, message", [
    (lambda: tg.fold(np.ones((1, 5, 12)), (4, 5), 2),
     r"fold: input \(1, 5, 12\): its dimension 1 \(5\) must be divisible by the product of "
     r"kernel_size \(2, 2\)"),
    (lambda: tg.fold(np.ones((1, 4, 10)), (4, 5), 2),
     r"give 3 \* 4 = 12 sliding blocks, but input \(1, 4, 10\) has 10 in its dimension 2"),
    (lambda: tg.unfold(np.ones((1, 1, 2, 2)), 3), r"unfold: an image of size \(2, 2\) with "
     r"kernel_size=\(3, 3\).* has no sliding block"),
    (lambda: tg.unfold(np.ones((4, 4)), 2), r"unfold: input must be 4-D \(N, C, H, W\) or 3-D"),
    (lambda: tg.fold(np.ones(4), (2, 2), 2), r"fold: input must be 3-D"),
])
def test_bad_input(call, message):
    with pytest.raises(OpError, match=message):
        call()
