"""tinygrad_np: a small reverse-mode autograd engine on numpy.

>>> from tinygrad_np import Tensor
>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
array([2., 4., 6.], dtype=float32)
"""
from .tensor import Tensor  # first: it pulls in the ops, which need Function and Tensor
from .function import Function, OpError, unbroadcast  # noqa: I001
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck, numgrad
from .higher_order import grad
from .jit import JitError, jit
from .functional import (dot, exp, l2, log, log_softmax, matmul, relu, sigmoid, softmax,
                         softmax_cross_entropy, sqrt, tanh)
from .functional import (adaptive_avg_pool2d, avg_pool2d, conv1d, conv2d,  # convolution, pooling
                         conv_transpose2d, max_pool2d)

from . import datasets, metrics, nn, optim, random, viz  # noqa: E402
from .metrics import accuracy  # noqa: E402
from .random import manual_seed  # noqa: E402
# issue 14's tensor ops (ops branch): constructors and ops as functions
from .creation import (arange, eye, full, ones, ones_like, rand, randn, zeros,  # noqa: E402
                       zeros_like)
from .tensor_ops import (argmax, argmin, batch_norm, broadcast_to, cat, chunk,  # noqa: E402
                         clamp, clip, concatenate, cos, cumsum, dropout, elu, embedding, erf,
                         expand, expm1, flip, gelu, layer_norm, leaky_relu, log1p, logsumexp,
                         maximum, minimum, norm, pad, prod, silu, sin, softplus, split, square,
                         squeeze, stack, std, unsqueeze, var, where)
from . import creation as _creation, tensor_ops as _tensor_ops  # noqa: E402
# nnapi branch: losses
from .nn.loss import (binary_cross_entropy_with_logits, cross_entropy, l1_loss,
                      mse_loss, nll_loss)

__all__ = ["Tensor", "Function", "OpError", "unbroadcast", "no_grad", "enable_grad",
           "is_grad_enabled", "numgrad", "gradcheck", "GradcheckError", "jit", "JitError",
           "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "matmul", "dot", "softmax",
           "log_softmax", "softmax_cross_entropy", "l2", "accuracy", "nn", "optim", "datasets",
           "metrics", "viz", "manual_seed", "random", *_creation.__all__, *_tensor_ops.__all__]
__all__ += ["binary_cross_entropy_with_logits", "cross_entropy", "l1_loss", "mse_loss",
            "nll_loss"]
__all__ += ["grad", "gradgradcheck"]  # issue 16: higher-order gradients
__all__ += ["conv2d", "conv1d", "conv_transpose2d", "max_pool2d", "avg_pool2d",  # conv branch
            "adaptive_avg_pool2d"]
# anomaly branch (issue 16): anomaly mode and gradient hooks
from . import hooks  # noqa: E402
from .anomaly import (AnomalyError, detect_anomaly, is_anomaly_enabled,  # noqa: E402
                      set_detect_anomaly)
from .hooks import RemovableHandle  # noqa: E402

__all__ += ["AnomalyError", "detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly", "hooks",
            "RemovableHandle"]
__version__ = "0.1.0"
