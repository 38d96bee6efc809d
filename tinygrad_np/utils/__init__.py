"""PyTorch's `torch.utils` paths, for code written against them: `tinygrad_np.utils.data`."""
from . import data

__all__ = ["data"]
