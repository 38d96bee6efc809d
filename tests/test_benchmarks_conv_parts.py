"""benchmarks/conv_parts.py: it times the op bodies of the LeNet step and leaves the engine
as it found it (no timing asserted: the figures are for an idle machine)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import conv_parts  # noqa: E402

from tinygrad_np.ops import conv  # noqa: E402
from tinygrad_np.ops.conv import Conv2d  # noqa: E402
from tinygrad_np.ops.pool import MaxPool2d  # noqa: E402


def test_each_conv_and_pool_body_is_timed_and_the_originals_come_back():
    before = (Conv2d.__dict__["forward"], MaxPool2d.__dict__["backward"], conv._weight_grad,
              conv._input_grad_stride_1)
    total, parts = conv_parts.time_ops(batch=3, steps=2)
    for name in ("Conv2d.forward", "Conv2d.backward", "MaxPool2d.forward",
                 "MaxPool2d.backward", "Relu.forward", "SoftmaxCrossEntropy.forward"):
        assert parts[name] > 0, name
    # the 6->16 conv (a small image) takes the banded form, the 1->6 conv im2col with the
    # per-image weight gradient; only the second conv's input needs a gradient
    assert parts["  conv banded_forward (in Conv2d.forward)"] > 0
    assert parts["  conv banded_backward (in Conv2d.backward)"] > 0
    assert any(name.endswith("_weight_grad (in Conv2d.backward)") for name in parts)
    assert not any("_input_grad" in name for name in parts)
    assert 0 < parts["Conv2d.backward"] < total
    after = (Conv2d.__dict__["forward"], MaxPool2d.__dict__["backward"], conv._weight_grad,
             conv._input_grad_stride_1)
    assert after == before
