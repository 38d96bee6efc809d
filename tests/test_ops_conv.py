"""ops/conv.py and ops/pool.py: conv2d, conv1d, conv_transpose2d, max_pool2d, avg_pool2d,
adaptive_avg_pool2d. The op table checks each against a naive loop (tests/op_table.py) and
gradchecks it; here: shapes, PyTorch's numbers, ties, dtypes and bad input."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor

SPECS = specs("conv")

test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)
