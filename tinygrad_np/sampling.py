"""Sampling images at given points, as PyTorch's `F.affine_grid` and `F.grid_sample` (what a
spatial transformer network is made of). Both are made of other ops, so the gradients with
respect to the image, the grid and theta come from those ops.

A grid holds, for each output pixel, a point (x, y) of the input in [-1, 1] coordinates:
-1 and 1 are the centres of the corner pixels with `align_corners=True`, their outer edges
otherwise.

>>> import numpy as np
>>> from tinygrad_np import Tensor
>>> image = Tensor(np.arange(4.0).reshape(1, 1, 2, 2))
>>> identity = Tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> grid_sample(image, affine_grid(identity, (1, 1, 2, 2))).tolist()
[[[[0.0, 1.0], [2.0, 3.0]]]]
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .function import OpError
from .torch_keywords import takes_input
from .ops.resample import cubic_taps
from .tensor import Tensor
from .tensor_ops import _tensor

__all__ = ["affine_grid", "grid_sample"]


def _base_coordinates(steps: int, align_corners: bool, dtype: Any) -> Any:
    """PyTorch's linspace_from_neg_one: the pixels' coordinates along one axis."""
    if steps <= 1:
        return np.zeros(1, dtype)
    line = np.linspace(-1.0, 1.0, steps, dtype=dtype)
    return line if align_corners else line * ((steps - 1) / steps)


def affine_grid(theta: Any, size: Any, align_corners: bool = False) -> Tensor:
    """The grid (N, H, W, 2) of `size` (N, C, H, W) that the affine maps theta (N, 2, 3) make
    of the output pixels' coordinates: (x, y) = theta @ (x_out, y_out, 1), as PyTorch's
    F.affine_grid. Differentiable in theta.

    >>> affine_grid(Tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), (1, 1, 1, 2)).tolist()
    [[[[-0.5, 0.0], [0.5, 0.0]]]]
    """
    theta = _tensor(theta)
    size = tuple(size)
    if theta.ndim != 3 or theta.shape[1:] != (2, 3) or len(size) != 4 or \
            theta.shape[0] != size[0]:
        raise OpError(f"affine_grid: theta must be (N, 2, 3) and size (N, C, H, W) with the same "
                      f"N, got theta {theta.shape} and size {size}")
    n, _, h, w = (int(v) for v in size)
    dtype = theta.dtype if theta.dtype.kind == "f" else np.float32
    base = np.ones((h, w, 3), dtype)
    base[..., 0] = _base_coordinates(w, align_corners, dtype)[None, :]
    base[..., 1] = _base_coordinates(h, align_corners, dtype)[:, None]
    points = Tensor(base.reshape(1, h * w, 3)) @ theta.transpose((0, 2, 1))  # (N, H * W, 2)
    return points.reshape(n, h, w, 2)


def _pixels(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    """[-1, 1] coordinates as pixel positions along an axis `size` long."""
    if align_corners:
        return (coordinate + 1) * ((size - 1) / 2)
    return ((coordinate + 1) * size - 1) / 2


def _mirror(values: Any, twice_low: float, twice_high: float) -> tuple[Any, Any]:
    """PyTorch's reflect_coordinates on arrays: `values` mirrored at twice_low / 2 and
    twice_high / 2 until they lie between them; with the slope (+1 or -1) of each."""
    if twice_low == twice_high:
        return np.zeros_like(values), np.zeros_like(values)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    offset = values - low
    slope = np.where(offset < 0, -1, 1).astype(values.dtype)
    distance = offset * slope
    flips = np.floor(distance / span)
    extra = distance - flips * span
    odd = flips % 2 == 1
    slope = np.where(odd, -slope, slope)
    return np.where(odd, span - extra, extra) + low, slope


def _clip(values: Any, size: int) -> tuple[Any, Any]:
    """values clipped to [0, size - 1], with the slope of each: 1 strictly inside, else 0 (as
    PyTorch's clip_coordinates_set_grad, 0 at an edge too)."""
    inside = (values > 0) & (values < size - 1)
    return np.clip(values, 0, size - 1), inside.astype(values.dtype)


def _bounded(values: Any, size: int, padding_mode: str, align_corners: bool) -> tuple[Any, Any]:
    """PyTorch's compute_coordinates: pixel positions brought into the image by the padding
    mode ("zeros" leaves them), with the slope of each."""
    slope = np.ones_like(values)
    if padding_mode == "reflection":
        twice = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        values, slope = _mirror(values, *twice)
    if padding_mode in ("border", "reflection"):
        values, inside = _clip(values, size)
        slope = slope * inside
    return values, slope


def _position(coordinate: Tensor, size: int, padding_mode: str,
              align_corners: bool) -> Tensor:
    """The pixel positions of [-1, 1] coordinates, brought into the image: piecewise a line
    in the coordinate, so the value and the slope of each piece make it."""
    position = _pixels(coordinate, size, align_corners)
    if padding_mode == "zeros":
        return position
    values, slope = _bounded(position.data, size, padding_mode, align_corners)
    return position * Tensor(slope) + Tensor((values - slope * position.data).astype(slope.dtype))


def _taken(image: Tensor, rows: Any, cols: Any) -> Tensor:
    """image (N, C, H, W) at integer positions rows, cols (N, Ho, Wo), those outside the image
    as 0: (N, C, Ho, Wo)."""
    n, _, h, w = image.shape
    inside = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    batch = np.arange(n).reshape(n, 1, 1)
    picked = image[batch, :, np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]  # (N, Ho, Wo, C)
    return picked.transpose((0, 3, 1, 2)) * Tensor(inside[:, None].astype(image.dtype))


@takes_input
def grid_sample(x: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False) -> Tensor:
    """x (N, C, H, W) sampled at the grid's points (N, Ho, Wo, 2), as PyTorch's
    F.grid_sample: "bilinear" weighs the four pixels around each point, "bicubic" the
    sixteen (Keys' cubic, a = -0.75), "nearest" takes the nearest (ties to even); points
    outside the image read zeros ("zeros"), the nearest edge ("border"), or the image
    mirrored ("reflection"). Differentiable in x and in the grid.

    >>> import numpy as np
    >>> grid_sample(Tensor(np.arange(4.0).reshape(1, 1, 2, 2)), Tensor([[[[0.0, 0.0]]]])).tolist()
    [[[[1.5]]]]
    """
    op = "grid_sample"
    x, grid = _tensor(x), _tensor(grid)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise OpError(f"{op}: mode must be 'bilinear', 'nearest' or 'bicubic', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise OpError(f"{op}: padding_mode must be 'zeros', 'border' or 'reflection', got "
                      f"{padding_mode!r}")
    if x.ndim != 4 or grid.ndim != 4 or grid.shape[3] != 2 or grid.shape[0] != x.shape[0]:
        raise OpError(f"{op}: input must be (N, C, H, W) and grid (N, Ho, Wo, 2) with the same "
                      f"N, got input {x.shape} and grid {grid.shape}")
    if 0 in x.shape[2:]:  # there is no pixel to take, not even at a border
        raise OpError(f"{op}: input {x.shape} has an empty image; its height and width must "
                      f"be at least 1")
    if mode == "nearest":
        px, py = (_position(grid[..., axis], size, padding_mode, align_corners)
                  for axis, size in ((0, x.shape[3]), (1, x.shape[2])))
        return _taken(x, np.rint(py.data).astype(np.intp), np.rint(px.data).astype(np.intp))
    taps = (_bicubic_taps if mode == "bicubic" else _bilinear_taps)(x.shape[2:], grid,
                                                                     padding_mode, align_corners)
    out: Any = None
    for rows, cols, weight in taps:  # each tap's pixels, times its weight, added in order
        term = _taken(x, rows, cols) * weight.reshape((weight.shape[0], 1) + weight.shape[1:])
        out = term if out is None else out + term
    return out


Taps = list[tuple[Any, Any, Tensor]]  # (rows, cols, weight) of each tap, each (N, Ho, Wo)


def _bilinear_taps(hw: tuple[int, int], grid: Tensor, padding_mode: str,
                   align_corners: bool) -> Taps:
    """The four pixels around each point (brought into the image first), weighed by how near
    the point lies to each."""
    h, w = hw
    px = _position(grid[..., 0], w, padding_mode, align_corners)
    py = _position(grid[..., 1], h, padding_mode, align_corners)
    x0, y0 = np.floor(px.data), np.floor(py.data)
    right, down = px - Tensor(x0), py - Tensor(y0)  # the weights of the far pixels
    left, up = 1 - right, 1 - down
    c0, r0 = x0.astype(np.intp), y0.astype(np.intp)
    return [(r0, c0, up * left), (r0, c0 + 1, up * right), (r0 + 1, c0, down * left),
            (r0 + 1, c0 + 1, down * right)]


def _bicubic_taps(hw: tuple[int, int], grid: Tensor, padding_mode: str,
                  align_corners: bool) -> Taps:
    """As PyTorch's bicubic grid_sample: the point unnormalised (not brought into the image),
    then each of its 4 x 4 taps brought in by the padding mode on its own, weighed by Keys'
    cubic convolution (differentiable in the point)."""
    h, w = hw
    px = _pixels(grid[..., 0], w, align_corners)
    py = _pixels(grid[..., 1], h, align_corners)
    x0, y0 = np.floor(px.data), np.floor(py.data)
    wx, wy = cubic_taps(px - Tensor(x0)), cubic_taps(py - Tensor(y0))
    taps = []
    for i in range(4):
        rows = _bounded(y0 - 1 + i, h, padding_mode, align_corners)[0].astype(np.intp)
        for j in range(4):
            cols = _bounded(x0 - 1 + j, w, padding_mode, align_corners)[0].astype(np.intp)
            taps.append((rows, cols, wy[i] * wx[j]))
    return taps
