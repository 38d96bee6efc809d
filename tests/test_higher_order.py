"""tinygrad_np.grad and higher-order gradients (issue 16): the second-order row of every op in
the table, Hessians of small nets against central differences of the gradient,
Hessian-vector products, third derivatives with exact values, and grad()'s arguments."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_table import TABLE, OpSpec, check_gradgradcheck, second_order_case

import tinygrad_np as tg
from tinygrad_np import Function, GradcheckError, Tensor, grad, gradgradcheck, numgrad


# -- the op table's second-order rows -----------------------------------------------------------
@pytest.mark.parametrize("spec", TABLE, ids=lambda s: f"{s.module}-{s.name}")
@settings(max_examples=10)
@given(data=st.data())
def test_gradgradcheck(spec: OpSpec, data: Any) -> None:
    check_gradgradcheck(spec, data.draw(second_order_case(spec)))
