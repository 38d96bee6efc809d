"""Recurrent layers as PyTorch has them: `RNN`, `LSTM`, `GRU` (stacked, bidirectional,
batch_first, dropout between layers) and the cells `RNNCell`, `LSTMCell`, `GRUCell`, made of
the engine's ops (a loop over time steps; each step's input projection is computed for the
whole sequence in one matmul first). Parameters carry PyTorch's names and layouts
(`weight_ih_l0` is (gates * hidden_size, input_size), gates in PyTorch's order: i, f, g, o for
the LSTM, r, z, n for the GRU), so a PyTorch state dict loads as it is, and start uniform in
(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch's. The weights are marked (out, in)
(`init.mark_out_in`), so `init.kaiming_normal_(lstm.weight_ih_l0)` uses PyTorch's fan_in.

>>> import numpy as np
>>> lstm = LSTM(3, 4, num_layers=2, batch_first=True, rng=0)
>>> out, (h, c) = lstm(np.zeros((2, 5, 3), dtype=np.float32))
>>> out.shape, h.shape, c.shape
((2, 5, 4), (2, 2, 4), (2, 2, 4))
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..creation import zeros
from ..function import OpError
from ..functional import relu, sigmoid, tanh
from ..memory import aligned
from ..tensor import Tensor
from ..composite import linear
from ..tensor_ops import _tensor, cat, dropout, stack
from .init import RngLike, as_rng, mark_out_in
from .module import Module, Parameter

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode: str, projected: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor,
          b_hh: Tensor | None) -> tuple[Tensor, Tensor | None]:
    """One time step: `projected` is the input's x W_ih^T + b_ih; returns (h', c')."""
    hidden = linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = (projected + hidden).chunk(4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        return sigmoid(o) * tanh(c), c
    if mode == "GRU":
        ir, iz, i_n = projected.chunk(3, axis=-1)
        hr, hz, h_n = hidden.chunk(3, axis=-1)
        r, z = sigmoid(ir + hr), sigmoid(iz + hz)
        n = tanh(i_n + r * h_n)
        return (1.0 - z) * n + z * h, None
    total = projected + hidden
    return (tanh(total) if mode == "RNN_TANH" else relu(total)), None


def _elman_mode(owner: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{owner}: nonlinearity must be 'tanh' or 'relu', got "
                         f"{nonlinearity!r}")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


def _add_gate_parameters(module: Module, suffix: str, mode: str, width: int, hidden: int,
                         bias: bool, rng: np.random.Generator, dtype: Any) -> None:
    """weight_ih<suffix>, weight_hh<suffix> (and bias_ih, bias_hh) on `module`, PyTorch's
    shapes, each uniform in +-1 / sqrt(hidden), as PyTorch starts them."""
    bound = 1.0 / math.sqrt(hidden)
    gates = _GATES[mode] * hidden
    shapes: list[tuple[str, tuple[int, ...]]] = [("weight_ih", (gates, width)),
                                                 ("weight_hh", (gates, hidden))]
    if bias:
        shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
    for name, shape in shapes:
        tensor = Parameter(aligned(rng.uniform(-bound, bound, shape).astype(dtype)))
        if len(shape) == 2:
            mark_out_in(tensor)  # (gates * hidden, in): kaiming_* reads PyTorch's fans
        setattr(module, name + suffix, tensor)


class _Recurrent(Module):
    """What RNN, LSTM and GRU share: the parameters per layer and direction, and the loop."""

    mode = ""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        owner = type(self).__name__
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{owner}: dropout must be in [0, 1], got {dropout!r}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias = int(num_layers), bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        generator = as_rng(rng)
        directions = 2 if bidirectional else 1
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                _add_gate_parameters(self, f"_l{layer}{suffix}", self.mode, width,
                                     self.hidden_size, self.bias, generator, dtype)

    def _run(self, x: Any, h0: Any, c0: Any) -> tuple[Tensor, Tensor, Tensor | None]:
        owner = type(self).__name__
        x = _tensor(x)
        if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
            raise OpError(f"{owner}: input of shape {x.shape}: expected (L, N, {self.input_size})"
                          f"{' batch_first: (N, L, ...)' if self.batch_first else ''} or "
                          f"unbatched (L, {self.input_size})")
        unbatched = x.ndim == 2
        if unbatched:
            x = x.reshape((x.shape[0], 1, x.shape[1]))
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        length, batch = x.shape[0], x.shape[1]
        directions = 2 if self.bidirectional else 1
        h_init = self._initial(owner, h0, unbatched, batch, directions, x.dtype, "h0")
        c_init = (self._initial(owner, c0, unbatched, batch, directions, x.dtype, "c0")
                  if self.mode == "LSTM" else None)
        last_h: list[Tensor] = []
        last_c: list[Tensor] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")[:directions]):
                index = layer * directions + direction
                w_ih = getattr(self, f"weight_ih_l{layer}{suffix}")
                w_hh = getattr(self, f"weight_hh_l{layer}{suffix}")
                b_ih = getattr(self, f"bias_ih_l{layer}{suffix}", None)
                b_hh = getattr(self, f"bias_hh_l{layer}{suffix}", None)
                projected = linear(x, w_ih, b_ih)  # every step's, in one matmul
                h, c = h_init[index], (None if c_init is None else c_init[index])
                steps: list[Tensor] = [None] * length  # type: ignore[list-item]
                order = range(length - 1, -1, -1) if direction else range(length)
                for t in order:
                    h, c = _step(self.mode, projected[t], h, c, w_hh, b_hh)
                    steps[t] = h
                outputs.append(stack(steps, axis=0))
                last_h.append(h)
                if c is not None:
                    last_c.append(c)
            x = outputs[0] if directions == 1 else cat(outputs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, training=True)
        out = x
        h_n = stack(last_h, axis=0)
        c_n = stack(last_c, axis=0) if last_c else None
        if unbatched:
            out = out.reshape((length, out.shape[-1]))
            h_n = h_n.reshape((h_n.shape[0], h_n.shape[-1]))
            c_n = None if c_n is None else c_n.reshape((c_n.shape[0], c_n.shape[-1]))
        elif self.batch_first:
            out = out.transpose(1, 0, 2)
        return out, h_n, c_n

    def _initial(self, owner: str, state: Any, unbatched: bool, batch: int, directions: int,
                 dtype: Any, name: str) -> list[Tensor]:
        """Each layer and direction's first state: zeros, or a slice of the one given."""
        count = self.num_layers * directions
        if state is None:
            return [zeros(batch, self.hidden_size, dtype=dtype)] * count
        state = _tensor(state)
        expected = (count, self.hidden_size) if unbatched else (count, batch, self.hidden_size)
        if state.shape != expected:
            raise OpError(f"{owner}: {name} of shape {state.shape}: expected {expected}")
        if unbatched:
            state = state.reshape((count, 1, self.hidden_size))
        return [state[i] for i in range(count)]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for name, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh (or relu) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, as
    `torch.nn.RNN`; `rnn(x, h0=None)` returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        self.nonlinearity, self.mode = nonlinearity, _elman_mode("RNN", nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, rng, dtype)

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        out, h_n, _ = self._run(x, h0, None)
        return out, h_n


class LSTM(_Recurrent):
    """Long short-term memory, as `torch.nn.LSTM` (without proj_size); `lstm(x, (h0, c0))`
    (or `lstm(x)`) returns (output, (h_n, c_n))."""

    mode = "LSTM"

    def forward(self, x: Any, state: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        h0, c0 = (None, None) if state is None else state
        out, h_n, c_n = self._run(x, h0, c0)
        assert c_n is not None
        return out, (h_n, c_n)


class GRU(_Recurrent):
    """Gated recurrent unit, as `torch.nn.GRU`; `gru(x, h0=None)` returns (output, h_n)."""

    mode = "GRU"

    def forward(self, x: Any, h0: Any = None) -> tuple[Tensor, Tensor]:
        out, h_n, _ = self._run(x, h0, None)
        return out, h_n


# -- cells -------------------------------------------------------------------------------------
class _Cell(Module):
    mode = ""
    weight_ih: Tensor  # (and bias_ih, bias_hh with bias): made by _add_gate_parameters
    weight_hh: Tensor

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 rng: RngLike = None, dtype: Any = np.float32) -> None:
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        _add_gate_parameters(self, "", self.mode, self.input_size, self.hidden_size, bias,
                             as_rng(rng), dtype)

    def _cell(self, x: Any, h: Any, c: Any) -> tuple[Tensor, Tensor | None]:
        owner = type(self).__name__
        x = _tensor(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise OpError(f"{owner}: input of shape {x.shape}: expected (N, {self.input_size}) "
                          f"or ({self.input_size},)")
        unbatched = x.ndim == 1
        if unbatched:
            x = x.reshape((1, self.input_size))
        shape = (x.shape[0], self.hidden_size)

        def state(given: Any) -> Tensor:
            if given is None:
                return zeros(*shape, dtype=x.dtype)
            given = _tensor(given)
            return given.reshape(shape) if unbatched else given
        projected = linear(x, self.weight_ih, getattr(self, "bias_ih", None))
        h_new, c_new = _step(self.mode, projected, state(h),
                             state(c) if self.mode == "LSTM" else None, self.weight_hh,
                             getattr(self, "bias_hh", None))
        if unbatched:
            h_new = h_new.reshape((self.hidden_size,))
            c_new = None if c_new is None else c_new.reshape((self.hidden_size,))
        return h_new, c_new

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_Cell):
    """One step of `RNN`: `cell(x, h=None)` returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", rng: RngLike = None,
                 dtype: Any = np.float32) -> None:
        self.nonlinearity, self.mode = nonlinearity, _elman_mode("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, rng, dtype)

    def forward(self, x: Any, h: Any = None) -> Tensor:
        return self._cell(x, h, None)[0]


class LSTMCell(_Cell):
    """One step of `LSTM`: `cell(x, (h, c))` (or `cell(x)`) returns (h', c')."""

    mode = "LSTM"

    def forward(self, x: Any, state: Any = None) -> tuple[Tensor, Tensor]:
        h, c = (None, None) if state is None else state
        h_new, c_new = self._cell(x, h, c)
        assert c_new is not None
        return h_new, c_new


class GRUCell(_Cell):
    """One step of `GRU`: `cell(x, h=None)` returns h'."""

    mode = "GRU"

    def forward(self, x: Any, h: Any = None) -> Tensor:
        return self._cell(x, h, None)[0]
