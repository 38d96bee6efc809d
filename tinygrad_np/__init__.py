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
from .gradcheck import GradcheckError, gradcheck, numgrad
from .jit import JitError, jit
from .functional import (dot, exp, l2, log, log_softmax, matmul, relu, sigmoid, softmax,
                         softmax_cross_entropy, sqrt, tanh)

from . import datasets, metrics, nn, optim, random, viz  # noqa: E402
from .metrics import accuracy  # noqa: E402
from .random import manual_seed  # noqa: E402

__all__ = ["Tensor", "Function", "OpError", "unbroadcast", "no_grad", "enable_grad",
           "is_grad_enabled", "numgrad", "gradcheck", "GradcheckError", "jit", "JitError",
           "relu", "sigmoid", "tanh", "exp", "log", "sqrt", "matmul", "dot", "softmax",
           "log_softmax", "softmax_cross_entropy", "l2", "accuracy", "nn", "optim", "datasets", "metrics",
           "viz", "manual_seed", "random"]
__version__ = "0.1.0"
