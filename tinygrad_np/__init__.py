"""tinygrad_np: a small reverse-mode autograd engine on numpy.

>>> from tinygrad_np import Tensor
>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.], dtype=float32)
"""
from .tensor import Tensor  # first: it pulls in the ops, which need Function and Tensor
from .function import Function, OpError, once_differentiable, unbroadcast  # noqa: I001
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numgrad
from .higher_order import grad
from .derivatives import hessian, hvp, jacobian, jvp, vhp, vjp
from .recompute import checkpoint, checkpoint_sequential
from .jit import JitError, jit
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .hooks import RemovableHandle
from .random import manual_seed
from .functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                         adaptive_max_pool2d, avg_pool1d, avg_pool2d, interpolate,
                         conv1d, conv2d, conv_transpose1d, conv_transpose2d, dot, einsum, exp, l2,
                         log,
                         log_softmax, lp_pool1d, lp_pool2d,
                         matmul, max_pool1d, max_pool2d, max_unpool1d, max_unpool2d, relu,
                         sigmoid, softmax, fold, unfold,
                         softmax_cross_entropy, sqrt, tanh)
from .creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                       full_like, linspace, logspace, multinomial, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, zeros, zeros_like)
from .tensor_ops import (argmax, argmin, batch_norm, broadcast_to, cat, chunk, clamp, clip,
                         concatenate, cos, cumsum, dropout, dropout1d, dropout2d, dropout3d, elu,
                         embedding,
                         erf, expand, expm1, flip, gelu, group_norm, hardsigmoid, hardswish,
                         hardtanh, layer_norm, leaky_relu, log1p, logsigmoid, logsumexp, maximum,
                         minimum, mish, norm, pad, prelu, prod, relu6, silu, sin, softplus, split,
                         square, squeeze, stack, std, unsqueeze, var)
from .selection import ValuesIndices, gather, kthvalue, msort, one_hot, sort, topk
from .sampling import affine_grid, grid_sample
from .composite import (bilinear, channel_shuffle, cosine_similarity, linear, normalize,
                        pixel_shuffle, pixel_unshuffle, tile, tril, triu)
from .attention import scaled_dot_product_attention
from .activations import (celu, glu, hardshrink, selu, softmin, softshrink, softsign,
                          tanhshrink, threshold)
from .nn.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                      gaussian_nll_loss, huber_loss, kl_div, l1_loss, mse_loss, nll_loss,
                      smooth_l1_loss)
from .nn.margin_losses import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                               multi_margin_loss, multilabel_margin_loss,
                               multilabel_soft_margin_loss, pairwise_distance, pdist,
                               poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
                               triplet_margin_with_distance_loss)
from .norms import instance_norm, local_response_norm, rms_norm
from .noise import alpha_dropout, feature_alpha_dropout, gumbel_softmax, rrelu
from .volumetric import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, conv3d,
                         conv_transpose3d, lp_pool3d, max_pool3d)
from .math_functions import (acos, acosh, addcdiv, addcmul, all, allclose, any, asin, asinh,
                             atan, atan2, atanh, ceil, cosh, count_nonzero, cumprod, equal,
                             exp2, floor, fmod, frac, hypot, isclose, isfinite,
                             isinf, isnan, lerp, log10, log2, logaddexp, logcumsumexp, logical_and,
                             logical_not, logical_or, logical_xor, logit, nan_to_num, nanmean,
                             nansum, reciprocal, remainder, round, rsqrt, sign, sinh, tan, trunc,
                             xlogy)
from .bitwise import bitwise_and, bitwise_not, bitwise_or, bitwise_xor
from .torch_namespace import (add, broadcast_tensors, cdist, clone, concat, div, divide, flatten,
                              hstack, meshgrid, mul, multiply, neg, negative, numel, permute,
                              reshape, std_mean, sub, subtract, t, tensordot, transpose,
                              var_mean, vstack, where)
# the names of Python builtins: attributes of the package, not in __all__ (the `as` says so)
from .torch_namespace import abs as abs, max as max, min as min, pow as pow, sum as sum
from .dtypes import (bfloat16, double, float16, float32, float64, half, int8, int16, int32,
                     int64, long, short, uint8)
from .dtypes import bool as bool, float as float, int as int
from .array_functions import (addmm, argsort, argwhere, baddbmm, bmm, cross, cummax, cummin,
                              diag, diagonal, diff, fliplr, flipud, index_add, index_copy,
                              index_fill, index_select, inner, kron,
                              masked_fill, masked_select, median, mm, movedim, mv, narrow,
                              nonzero, outer, quantile, ravel, repeat_interleave, roll, rot90,
                              scatter, scatter_add, select, sliding_windows, swapaxes, take,
                              trace, unbind, unflatten, unique)

from . import datasets, hooks, linalg, metrics, nn, optim, random, recycle, utils, viz  # noqa: E402
from .serialization import load, save  # noqa: E402
from .devices import accelerator, backends, cuda, device  # noqa: E402
from .linalg import det  # noqa: E402
from .linalg import inv as inverse  # noqa: E402
from .metrics import accuracy  # noqa: E402

__all__ = [
    # the engine
    "Tensor", "Function", "OpError", "once_differentiable", "unbroadcast", "no_grad",
    "enable_grad",
    "is_grad_enabled", "is_inference_mode_enabled", "grad", "jit", "JitError",
    "set_grad_enabled", "inference_mode",
    "jacobian", "hessian", "vjp", "jvp", "hvp", "vhp", "checkpoint", "checkpoint_sequential",
    # checking gradients, finding NaNs, watching gradients
    "numgrad", "gradcheck", "gradgradcheck", "GradcheckError", "AnomalyError",
    "detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly", "RemovableHandle",
    # making tensors
    "arange", "bernoulli", "multinomial", "eye", "from_numpy", "full", "ones", "ones_like",
    "rand", "randn", "zeros", "zeros_like", "as_tensor", "empty", "empty_like", "full_like",
    "linspace", "logspace", "rand_like", "randint", "randn_like",
    "manual_seed",
    # elementwise and activations
    "exp", "log", "sqrt", "relu", "sigmoid", "tanh", "sin", "cos", "log1p", "expm1", "square",
    "erf", "maximum", "minimum", "where", "clip", "clamp", "leaky_relu", "elu", "softplus",
    "silu", "gelu", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "logsigmoid",
    "prelu", "selu", "celu", "softsign", "softmin", "glu", "hardshrink", "softshrink",
    "tanhshrink", "threshold",
    # reductions, linear algebra, shapes
    "var", "std", "prod", "logsumexp", "norm", "cumsum", "argmax", "argmin", "matmul", "dot",
    "einsum",
    "l2", "cat", "concatenate", "stack", "split", "chunk", "squeeze", "unsqueeze",
    "broadcast_to", "expand", "flip", "pad", "gather", "sort", "topk", "one_hot", "tile",
    "ValuesIndices", "tril", "triu", "normalize", "cosine_similarity", "pixel_shuffle",
    "pixel_unshuffle", "affine_grid", "grid_sample",
    # neural-net layers as functions, losses
    "softmax", "log_softmax", "softmax_cross_entropy", "dropout", "dropout1d", "dropout2d",
    "batch_norm", "layer_norm", "group_norm",
    "embedding", "conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d", "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool1d", "max_unpool2d", "max_unpool1d", "lp_pool2d",
    "lp_pool1d",
    "unfold", "fold", "interpolate", "mse_loss",
    "l1_loss", "binary_cross_entropy_with_logits", "binary_cross_entropy", "kl_div", "linear",
    "scaled_dot_product_attention", "bilinear", "channel_shuffle",
    "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multilabel_soft_margin_loss", "pairwise_distance", "poisson_nll_loss", "soft_margin_loss",
    "triplet_margin_loss",
    "gaussian_nll_loss", "multi_margin_loss", "multilabel_margin_loss", "pdist",
    "triplet_margin_with_distance_loss", "instance_norm", "local_response_norm", "rms_norm",
    "alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "rrelu", "dropout3d",
    # PyTorch's other elementwise functions, reductions, shape, indexing and product functions
    "acos", "acosh", "all", "any", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "cosh",
    "count_nonzero", "exp2", "floor", "fmod", "frac", "hypot", "isfinite", "isinf", "isnan",
    "lerp", "log10", "log2", "logaddexp", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "logical_and", "logical_not", "logical_or",
    "logical_xor", "logit", "nan_to_num", "nanmean", "nansum", "reciprocal", "remainder",
    "round", "rsqrt", "sign", "sinh", "tan", "trunc", "xlogy", "cumprod", "logcumsumexp",
    "cummax", "cummin",
    "conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
    "adaptive_max_pool3d", "lp_pool3d",
    "addmm", "argsort", "baddbmm", "bmm", "cross", "diag", "diagonal", "diff", "fliplr",
    "flipud", "index_select", "inner", "kron", "masked_fill", "masked_select", "median", "mm",
    "movedim", "mv", "narrow", "nonzero", "outer", "quantile", "repeat_interleave", "roll",
    "rot90", "scatter", "scatter_add", "select", "sliding_windows", "swapaxes", "take",
    "trace", "unbind", "unique",
    "addcdiv", "addcmul", "allclose", "equal", "isclose", "kthvalue", "msort", "argwhere",
    "ravel", "unflatten", "index_add", "index_copy", "index_fill", "inverse", "det",
    "nll_loss", "cross_entropy", "smooth_l1_loss", "huber_loss", "accuracy",
    # torch's namespace: functions that are methods here, dtype names (see torch_namespace.py,
    # dtypes.py; the names of Python builtins, sum, max, int, ..., are attributes only)
    "add", "broadcast_tensors", "cdist", "clone", "concat", "div", "divide", "flatten",
    "hstack", "meshgrid", "mul", "multiply", "neg", "negative", "numel", "permute", "reshape",
    "std_mean", "sub", "subtract", "t", "tensordot", "transpose", "var_mean", "vstack",
    "bfloat16", "double", "float16", "float32", "float64", "half", "int8", "int16", "int32",
    "int64", "long", "short", "uint8",
    # subpackages
    "nn", "optim", "datasets", "metrics", "viz", "random", "hooks", "recycle", "linalg", "utils",
    "save", "load", "device", "cuda", "backends", "accelerator",
]
__version__ = "0.1.0"
