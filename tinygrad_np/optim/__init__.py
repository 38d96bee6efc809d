"""Optimizers that update parameters in place from their `.grad`, on PyTorch's model:
parameter groups, per-parameter state, `state_dict()`.

>>> from tinygrad_np import nn, optim
>>> model = nn.Linear(3, 1, rng=0)
>>> opt = optim.Adam(model.parameters(), lr=1e-2)
>>> opt.param_groups[0]["betas"]
(0.9, 0.999)
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import NAdam
from .radam import RAdam
from .optimizer import Optimizer, ParamState
from .rmsprop import RMSprop
from .serialize import load_training_state, save_training_state, state_from_arrays, state_to_arrays
from .sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "Adamax", "AdamW", "NAdam", "Optimizer",
           "ParamState", "RAdam", "RMSprop",
           "load_training_state", "lr_scheduler", "save_training_state", "state_from_arrays",
           "state_to_arrays"]
