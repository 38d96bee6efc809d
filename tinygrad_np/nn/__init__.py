"""Neural-network building blocks: `Module`, layers, initialisers and checkpoints.

>>> import numpy as np
>>> from tinygrad_np import nn
>>> model = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
>>> model(np.ones((2, 4), dtype=np.float32)).shape
(2, 3)
"""
from . import init
from .checkpoint import CheckpointError, load_state, save_state
from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from .module import LoadResult, Module, StateDictError
from .utils import clip_grad_norm_

__all__ = ["CheckpointError", "Linear", "LoadResult", "Module", "ReLU", "Sequential", "Sigmoid",
           "StateDictError", "Tanh", "clip_grad_norm_", "init", "load_state", "save_state"]
