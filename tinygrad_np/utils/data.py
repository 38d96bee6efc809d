"""`torch.utils.data`'s names: `Dataset`, `TensorDataset`, `Subset`, `ConcatDataset`,
`random_split`, `DataLoader` and `default_collate` (see `tinygrad_np.datasets`).

>>> import numpy as np
>>> from tinygrad_np.utils.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(np.zeros((6, 2)), np.arange(6)), batch_size=4)
>>> [y.tolist() for _, y in loader]
[[0, 1, 2, 3], [4, 5]]
"""
from ..datasets.items import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from ..datasets.items import collate as default_collate
from ..datasets.loader import DataLoader

__all__ = ["ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset",
           "default_collate", "random_split"]
