"""Optimizers that update parameters in place from their `.grad`.

>>> from tinygrad_np import nn, optim
>>> model = nn.Linear(3, 1, rng=0)
>>> opt = optim.Adam(model.parameters(), lr=1e-2)
"""
from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer"]
