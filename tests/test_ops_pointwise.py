"""ops/pointwise.py through tinygrad_np's functions and Tensor methods: the op table's rows."""
from __future__ import annotations

from op_table import specs, table_tests

SPECS = specs("pointwise")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)
