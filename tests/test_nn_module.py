"""Module: parameters found in insertion order, dotted names, zero_grad, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor
from tinygrad_np.nn import Linear, LoadResult, Module, StateDictError
from tinygrad_np.optim import SGD


def param(*shape: int, name: str | None = None) -> Tensor:
    return Tensor(np.zeros(shape, dtype=np.float32), requires_grad=True, name=name)


class Block(Module):
    def __init__(self, seed: int) -> None:
        self.fc = Linear(3, 3, rng=seed)
        self.scale = param(3)


class Net(Module):
    """Attributes deliberately not in alphabetical order, with every kind of container."""

    def __init__(self) -> None:
        self.zeta = param(2)
        self.frozen = Tensor(np.ones(2, dtype=np.float32))           # requires_grad=False
        self.encoder = Block(0)
        self.blocks = [Block(1), Block(2)]
        self.extras = (param(1), "not a tensor", param(4))
        self.alpha = param(5)
        self.config = {"w": param(7)}                                # dicts are not searched
        self.cache = self.alpha * 2.0                                # an activation, not a leaf

    def forward(self, x: Tensor) -> Tensor:
        return self.encoder.fc(x)


EXPECTED_NAMES = [
    "zeta",
    "encoder.fc.weight", "encoder.fc.bias", "encoder.scale",
    "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.0.scale",
    "blocks.1.fc.weight", "blocks.1.fc.bias", "blocks.1.scale",
    "extras.0", "extras.2",
    "alpha",
]


def test_named_parameters_in_insertion_order_with_dotted_names() -> None:
    net = Net()
    assert [name for name, _ in net.named_parameters()] == EXPECTED_NAMES
    named = dict(net.named_parameters())
    assert named["blocks.1.fc.weight"] is net.blocks[1].fc.weight
    assert named["extras.2"] is net.extras[2]
    assert named["encoder.scale"] is net.encoder.scale


def test_parameters_match_named_parameters_and_are_the_same_every_time() -> None:
    net = Net()
    params = net.parameters()
    assert all(a is b for a, (_, b) in zip(params, net.named_parameters(), strict=True))
    assert all(a is b for a, b in zip(params, net.parameters(), strict=True))
    # A second model built the same way lists the same names, so checkpoints line up.
    assert [n for n, _ in Net().named_parameters()] == EXPECTED_NAMES


def test_frozen_tensors_activations_and_dicts_are_not_parameters() -> None:
    net = Net()
    ids = {id(p) for p in net.parameters()}
    assert id(net.frozen) not in ids
    assert id(net.cache) not in ids and net.cache.requires_grad
    assert id(net.config["w"]) not in ids


def test_tied_weights_are_listed_once_and_cycles_terminate() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.first = Linear(2, 2, rng=0)
            self.second = Linear(2, 2, rng=1)
            self.second.weight = self.first.weight     # weight tying
            self.again = self.first                    # same module reachable twice
            self.first.parent = self                   # a reference back up the tree

    names = [name for name, _ in Tied().named_parameters()]
    assert names == ["first.weight", "first.bias", "second.bias"]


def test_module_without_parameters_and_without_init() -> None:
    class Empty(Module):
        pass

    assert Empty().parameters() == []
    assert Empty().state_dict() == {}


def test_zero_grad_clears_every_parameter() -> None:
    net = Net()
    x = Tensor(np.ones((2, 3), dtype=np.float32))
    (net(x).sum() + net.alpha.sum() + net.blocks[1].scale.sum()).backward()
    assert net.encoder.fc.weight.grad is not None and net.alpha.grad is not None
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_call_runs_forward_and_base_forward_is_abstract() -> None:
    layer = Linear(3, 2, rng=0)
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_array_equal(layer(x).data, layer.forward(x).data)
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(x)


def test_state_dict_holds_copies() -> None:
    layer = Linear(3, 2, rng=0)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert not np.shares_memory(state["weight"], layer.weight.data)
    state["weight"][...] = 42.0
    assert not np.any(layer.weight.data == 42.0)


def test_load_state_dict_writes_in_place_and_casts_dtype() -> None:
    layer = Linear(3, 2, rng=0)
    weight_array, bias_array = layer.weight.data, layer.bias.data
    source = Linear(3, 2, rng=1, dtype=np.float64)
    result = layer.load_state_dict(source.state_dict())
    assert result == LoadResult([], [])
    assert layer.weight.data is weight_array and layer.bias.data is bias_array
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.weight.data, source.weight.data.astype(np.float32))


def test_optimizer_keeps_working_after_load_state_dict() -> None:
    layer = Linear(3, 1, rng=0)
    opt = SGD(layer.parameters(), lr=0.5)
    layer.load_state_dict(Linear(3, 1, rng=7).state_dict())
    loaded = layer.weight.data.copy()
    layer(np.ones((1, 3), dtype=np.float32)).sum().backward()
    opt.step()
    # The optimizer updated the very arrays the state was loaded into: d(sum)/dW = 1.
    np.testing.assert_array_equal(layer.weight.data, loaded - np.float32(0.5))


def test_load_state_dict_accepts_tensors_and_integer_arrays() -> None:
    layer = Linear(2, 2, rng=0)
    layer.load_state_dict({"weight": Tensor(np.eye(2)), "bias": np.array([1, 2])})
    np.testing.assert_array_equal(layer.weight.data, np.eye(2, dtype=np.float32))
    np.testing.assert_array_equal(layer.bias.data, np.array([1.0, 2.0], dtype=np.float32))


def test_missing_key_is_named_with_its_shape() -> None:
    layer = Linear(3, 2, rng=0)
    state = layer.state_dict()
    del state["bias"]
    with pytest.raises(StateDictError, match=r"missing key 'bias' \(model parameter of shape "
                                             r"\(2,\)\)"):
        layer.load_state_dict(state)


def test_unexpected_key_is_named_with_its_shape() -> None:
    layer = Linear(3, 2, rng=0)
    state = {**layer.state_dict(), "fc9.weight": np.zeros((4, 5))}
    with pytest.raises(StateDictError, match=r"unexpected key 'fc9.weight' .*\(4, 5\)"):
        layer.load_state_dict(state)


def test_shape_mismatch_names_key_and_both_shapes() -> None:
    layer = Linear(3, 2, rng=0)
    state = Linear(4, 2, rng=0).state_dict()
    with pytest.raises(StateDictError, match=r"'weight': state has \(4, 2\), model has \(3, 2\)"):
        layer.load_state_dict(state)


def test_errors_are_both_key_and_value_errors_with_a_plain_message() -> None:
    layer = Linear(3, 2, rng=0)
    with pytest.raises(KeyError):
        layer.load_state_dict({})
    with pytest.raises(ValueError) as info:
        layer.load_state_dict({})
    assert str(info.value).startswith("load_state_dict into Linear: missing key 'weight'")


def test_failed_load_leaves_the_model_unchanged() -> None:
    layer = Linear(3, 2, rng=0)
    before = layer.state_dict()
    bad = Linear(3, 2, rng=1).state_dict()       # a good weight ...
    bad["bias"] = np.zeros(5)                     # ... and a bad bias
    with pytest.raises(StateDictError):
        layer.load_state_dict(bad)
    np.testing.assert_array_equal(layer.weight.data, before["weight"])


def test_uncastable_dtype_is_refused() -> None:
    layer = Linear(1, 2, rng=0)
    state = {"weight": np.array([["a", "b"]]), "bias": np.zeros(2)}
    with pytest.raises(StateDictError, match="cannot cast 'weight' from <U1 to the parameter's "
                                             "float32"):
        layer.load_state_dict(state)


def test_non_strict_load_skips_missing_and_unexpected_but_checks_shapes() -> None:
    layer = Linear(3, 2, rng=0)
    weight = layer.weight.data.copy()
    result = layer.load_state_dict({"bias": np.ones(2), "extra": np.ones(1)}, strict=False)
    assert result == LoadResult(missing_keys=["weight"], unexpected_keys=["extra"])
    np.testing.assert_array_equal(layer.weight.data, weight)
    np.testing.assert_array_equal(layer.bias.data, np.ones(2, dtype=np.float32))
    with pytest.raises(StateDictError, match="shape mismatch for 'bias'"):
        layer.load_state_dict({"bias": np.ones(3)}, strict=False)


def test_repr_shows_children() -> None:
    net = Net()
    text = repr(net)
    assert "(encoder): Block(" in text
    assert "(blocks.1): Block(" in text
    assert "Linear(in_features=3, out_features=3, bias=True)" in text
