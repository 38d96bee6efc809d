"""`jit`: record a training step's array calls once, then replay them as one function.

An eager step pays Python bookkeeping for every op: building nodes, walking the graph,
checking each gradient. For a step that repeats with the same shapes, `jit` records the
numpy calls the step makes (the ops' forward and backward bodies, the walk's sums) into a
typed list of instructions, plans a buffer for every array they make, and generates one
straight-line Python function that later calls run instead. An optimizer's `zero_grad()`
and `step()` inside it run as written, at their place in the replay:

>>> import numpy as np
>>> from tinygrad_np import Tensor, jit, optim
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.5)
>>> @jit
... def train_step(x):
...     opt.zero_grad()
...     loss = (Tensor(x) * w).sum()
...     loss.backward()
...     opt.step()
...     return loss
>>> for _ in range(3):  # the first call runs as written, the second records, then replays
...     loss = train_step(np.array([3.0, 4.0], dtype=np.float32))
>>> float(loss.item()), w.data
(-14.0, array([-3.5, -4. ], dtype=float32))

The package, one job per file: `traced` (the stand-in arrays), `record` (running the
function into a `Program` of `ir` instructions), `draw` (random draws while recording),
`reach` (what the function can reach), `passes` (constant folding, the memory plan),
`codegen` (the Python function), `cache` (keys, guards' failures, limits).
"""
from .cache import jit
from .errors import JitError

__all__ = ["JitError", "jit"]
