"""PyTorch's `torch.nn.functional` under its usual name, for code written against it:

>>> import numpy as np
>>> import tinygrad_np.nn.functional as F
>>> F.relu(np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]

Each name is the function `tinygrad_np.<name>` itself (the same object), except two kinds,
which take PyTorch's arguments where the package's own take its own:

- `pad`, in PyTorch's padding order: (left, right, top, bottom, ...), the last axis first;
- the losses (`cross_entropy`, `nll_loss`, `mse_loss`, ... every `*_loss`, `kl_div` and
  the two `binary_cross_entropy`), with PyTorch's exact signatures (`functional_losses.py`):
  its names and positions, `input=` and `target=`, the legacy `size_average` and `reduce`
  (mapped onto `reduction` as PyTorch maps them, with its warning) and the `weight` of
  mse_loss, l1_loss and huber_loss. So `F.cross_entropy(x, y, w)` weighs the classes by w,
  as in PyTorch, where `tinygrad_np.cross_entropy`'s third argument is `label_smoothing`:

>>> from tinygrad_np import Tensor
>>> logits = Tensor([[2.0, 0.0], [0.0, 1.0]])
>>> round(F.cross_entropy(logits, np.array([0, 1]), np.array([1.0, 3.0])).item(), 4)
0.2667
"""
from __future__ import annotations

from typing import Any

from ..activations import (celu, glu, hardshrink, selu, softmin, softshrink, softsign,
                           tanhshrink, threshold)
from ..attention import scaled_dot_product_attention
from ..composite import (bilinear, channel_shuffle, cosine_similarity, linear, normalize,
                         pixel_shuffle, pixel_unshuffle)
from ..function import OpError
from ..functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                          adaptive_max_pool2d, avg_pool1d, avg_pool2d, conv1d, conv2d,
                          conv_transpose1d, conv_transpose2d, fold, interpolate, log_softmax,
                          lp_pool1d, lp_pool2d, max_pool1d, max_pool2d, max_unpool1d,
                          max_unpool2d, relu, sigmoid, softmax, softmax_cross_entropy, tanh,
                          unfold)
from ..noise import alpha_dropout, feature_alpha_dropout, gumbel_softmax, rrelu
from ..norms import instance_norm, local_response_norm, rms_norm
from ..sampling import affine_grid, grid_sample
from ..selection import one_hot
from ..tensor import Tensor
from ..tensor_ops import (batch_norm, dropout, dropout1d, dropout2d, dropout3d, elu, embedding,
                          gelu, group_norm, hardsigmoid, hardswish, hardtanh, layer_norm,
                          leaky_relu, logsigmoid, mish, prelu, relu6, silu, softplus)
from ..tensor_ops import pad as _numpy_pad
from ..volumetric import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                          conv_transpose3d, lp_pool3d, max_pool3d)
from .functional_losses import (binary_cross_entropy, binary_cross_entropy_with_logits,
                                cosine_embedding_loss, cross_entropy, gaussian_nll_loss,
                                hinge_embedding_loss, huber_loss, kl_div, l1_loss,
                                margin_ranking_loss, mse_loss, multi_margin_loss,
                                multilabel_margin_loss, multilabel_soft_margin_loss, nll_loss,
                                poisson_nll_loss, smooth_l1_loss, soft_margin_loss,
                                triplet_margin_loss)
from .margin_losses import pairwise_distance, pdist, triplet_margin_with_distance_loss

# PyTorch's deprecated names for interpolate: attributes here, not in __all__ (every name
# there is also the package's own function)
from ..functional import upsample, upsample_bilinear, upsample_nearest  # noqa: F401


def pad(input: Any, pad: Any, mode: str = "constant",  # noqa: A002 - PyTorch's names
        value: float | None = None) -> Tensor:
    """PyTorch's `F.pad`: `pad` lists (before, after) pairs from the last axis backwards,
    (left, right, top, bottom, ...); modes "constant" (with `value`, default 0), "reflect",
    "replicate" and "circular". Negative padding (cropping) is not supported.

    >>> pad(Tensor([[1.0, 1.0]]), (1, 0, 0, 1)).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    sides = [int(p) for p in pad]
    if len(sides) % 2 or len(sides) // 2 > x.ndim or min(sides, default=0) < 0:
        raise OpError(f"pad: padding {tuple(pad)} must be (before, after) pairs, >= 0, for "
                      f"at most the {x.ndim} axes of shape {x.shape}")
    pairs = [(sides[i], sides[i + 1]) for i in range(0, len(sides), 2)][::-1]
    width = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    return _numpy_pad(x, width, value=0.0 if value is None else value, mode=mode)


__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "affine_grid", "alpha_dropout", "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d", "batch_norm", "bilinear", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu", "channel_shuffle", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_embedding_loss",
    "cosine_similarity", "cross_entropy", "dropout", "dropout1d", "dropout2d", "dropout3d",
    "elu", "embedding", "feature_alpha_dropout", "fold", "gaussian_nll_loss", "gelu", "glu",
    "grid_sample", "group_norm", "gumbel_softmax", "hardshrink", "hardsigmoid", "hardswish",
    "hardtanh", "hinge_embedding_loss", "huber_loss", "instance_norm", "interpolate", "kl_div",
    "l1_loss", "layer_norm", "leaky_relu", "linear", "local_response_norm", "log_softmax",
    "logsigmoid", "lp_pool1d", "lp_pool2d", "lp_pool3d", "margin_ranking_loss", "max_pool1d",
    "max_pool2d",
    "max_pool3d", "max_unpool1d", "max_unpool2d", "mish", "mse_loss", "multi_margin_loss",
    "multilabel_margin_loss", "multilabel_soft_margin_loss", "nll_loss", "normalize",
    "one_hot", "pad", "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle",
    "poisson_nll_loss", "prelu", "relu", "relu6", "rms_norm", "rrelu",
    "scaled_dot_product_attention", "selu", "sigmoid", "silu", "smooth_l1_loss",
    "soft_margin_loss", "softmax", "softmax_cross_entropy", "softmin", "softplus",
    "softshrink", "softsign", "tanh", "tanhshrink", "threshold", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "unfold",
]
