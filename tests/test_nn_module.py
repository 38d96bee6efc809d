"""Module: parameters found in insertion order, dotted names, zero_grad, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor, nn, relu
from tinygrad_np.nn import (
    Flatten,
    Linear,
    LoadResult,
    Module,
    ModuleDict,
    ModuleList,
    Parameter,
    Sequential,
    StateDictError,
    is_parameter,
)
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

    tied = Tied()
    names = [name for name, _ in tied.named_parameters()]
    assert names == ["first.weight", "first.bias", "second.bias"]
    # the reference back up the tree does not rename anything
    assert (tied.first.weight.name, tied.first.bias.name) == ("first.weight", "first.bias")
    assert [name for name, _ in tied.named_modules()] == ["", "first", "second"]


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


# -- frozen parameters (issue 12 part 5) -------------------------------------------------------
class TwoLayers(Module):
    def __init__(self, seed: int = 0) -> None:
        self.fc1 = Linear(3, 4, rng=seed)
        self.fc2 = Linear(4, 2, rng=seed + 1)
        self.raw = Tensor(np.full(2, 0.5, dtype=np.float32), requires_grad=True)
        self.const = Tensor(np.ones(2, dtype=np.float32))        # a constant, never saved


ALL_KEYS = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "raw"]


@pytest.mark.parametrize("freeze", ["method", "attribute", "module"])
def test_frozen_parameters_stay_in_parameters_and_state_dict(freeze: str) -> None:
    net = TwoLayers()
    if freeze == "method":
        net.fc1.weight.requires_grad_(False)
        net.raw.requires_grad_(False)
    elif freeze == "attribute":                    # PyTorch's usual spelling
        net.fc1.weight.requires_grad = False
        net.raw.requires_grad = False
    else:
        assert net.fc1.requires_grad_(False) is net.fc1
        net.raw.requires_grad_(False)
    assert not net.fc1.weight.requires_grad and not net.raw.requires_grad
    assert [name for name, _ in net.named_parameters()] == ALL_KEYS
    assert list(net.state_dict()) == ALL_KEYS
    np.testing.assert_array_equal(net.state_dict()["fc1.weight"], net.fc1.weight.data)


def test_frozen_weights_survive_save_and_load(tmp_path) -> None:
    source = TwoLayers(seed=0)
    source.fc1.requires_grad_(False)
    source.raw.requires_grad_(False)
    source.raw.data[...] = [3.0, 4.0]
    source.save(tmp_path / "frozen.npz")
    target = TwoLayers(seed=5)
    target.fc1.requires_grad_(False)
    target.raw.requires_grad_(False)
    assert target.load(tmp_path / "frozen.npz") == LoadResult([], [])
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters(),
                                 strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    np.testing.assert_array_equal(target.raw.data, [3.0, 4.0])
    # A model that is not frozen loads the same checkpoint: the frozen keys are ordinary keys.
    TwoLayers(seed=9).load(tmp_path / "frozen.npz")


def test_frozen_layer_trains_the_rest_only() -> None:
    net = TwoLayers()
    net.fc1.requires_grad_(False)
    frozen = net.fc1.weight.data.copy()
    trainable = [p for p in net.parameters() if p.requires_grad]
    opt = SGD(trainable, lr=0.1)
    x = np.ones((2, 3), dtype=np.float32)
    net.fc2(net.fc1(x)).sum().backward()
    opt.step()
    assert net.fc1.weight.grad is None
    np.testing.assert_array_equal(net.fc1.weight.data, frozen)
    assert net.fc2.weight.grad is not None


def test_constants_and_int_tensors_are_not_parameters_but_parameter_marks_them() -> None:
    net = TwoLayers()
    assert all(p is not net.const for p in net.parameters())
    assert "const" not in net.state_dict()
    net.const = Parameter(net.const, requires_grad=False)    # explicit: now a (frozen) weight
    assert is_parameter(net.const) and "const" in net.state_dict()
    assert not is_parameter(Tensor(np.ones(2))) and not is_parameter(np.ones(2))
    with pytest.raises(TypeError, match="Parameter: parameters must be floating-point, got int"):
        Parameter(np.arange(3))
    shared = np.zeros(2)
    assert Parameter(shared).data is shared            # shares the array, as torch does


# -- buffers --------------------------------------------------------------------------------
class Stats(Module):
    def __init__(self) -> None:
        self.fc = Linear(2, 2, rng=0)
        self.register_buffer("running_mean", np.zeros(2, dtype=np.float32))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.register_buffer("scratch", np.ones(3), persistent=False)
        self.register_buffer("maybe", None)


def test_buffers_are_in_state_dict_but_never_parameters() -> None:
    model = Stats()
    assert [name for name, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert all(p is not model.running_mean for p in model.parameters())
    assert list(model.state_dict()) == ["fc.weight", "fc.bias", "running_mean", "steps"]
    assert [name for name, _ in model.named_buffers()] == ["running_mean", "steps", "scratch"]
    assert model.buffers()[0] is model.running_mean
    # state_dict copies buffers too
    state = model.state_dict()
    state["running_mean"][...] = 7.0
    assert not np.any(model.running_mean == 7.0)


def test_buffers_load_in_place_and_round_trip_through_files(tmp_path) -> None:
    source = Stats()
    source.running_mean[...] = [1.5, -2.0]
    source.steps[...] = 12
    source.save(tmp_path / "stats.npz")
    target = Stats()
    held = target.running_mean                       # e.g. what batch_norm updates in place
    assert target.load(tmp_path / "stats.npz") == LoadResult([], [])
    assert target.running_mean is held
    np.testing.assert_array_equal(held, [1.5, -2.0])
    assert int(target.steps) == 12 and target.steps.dtype == np.int64
    # a missing buffer is reported like a missing parameter
    state = source.state_dict()
    del state["steps"]
    with pytest.raises(StateDictError, match=r"missing key 'steps' \(model buffer of shape \(\)\)"):
        Stats().load_state_dict(state)


def test_buffers_in_submodules_get_dotted_names_and_reassignment_keeps_them() -> None:
    class Outer(Module):
        def __init__(self) -> None:
            self.inner = Stats()

    outer = Outer()
    assert "inner.running_mean" in outer.state_dict()
    outer.inner.running_mean = np.full(2, 3.0, dtype=np.float32)   # replaced, still a buffer
    np.testing.assert_array_equal(outer.state_dict()["inner.running_mean"], [3.0, 3.0])
    outer.inner.running_mean = Tensor(np.zeros(2, dtype=np.float32))  # a Tensor is fine too
    assert "inner.running_mean" in outer.state_dict()
    del outer.inner.running_mean
    assert "inner.running_mean" not in outer.state_dict()


def test_bad_buffers_are_refused() -> None:
    model = Stats()
    with pytest.raises(KeyError, match="attribute 'fc' already exists"):
        model.register_buffer("fc", np.zeros(1))
    with pytest.raises(KeyError, match="without '.'"):
        model.register_buffer("a.b", np.zeros(1))
    with pytest.raises(TypeError, match="buffer 'w' must not require grad"):
        model.register_buffer("w", Tensor(np.zeros(1), requires_grad=True))
    with pytest.raises(TypeError, match="buffer 'o' must be a numeric array"):
        model.register_buffer("o", np.array([None]))


# -- train / eval, the module tree ----------------------------------------------------------------
class Tree(Module):
    def __init__(self) -> None:
        self.block = Block(0)
        self.head = Sequential(Linear(3, 2, rng=1), relu)
        self.more = [Linear(2, 2, rng=2)]


def test_train_and_eval_recurse_and_return_self() -> None:
    tree = Tree()
    assert tree.training and tree.head[0].training
    assert tree.eval() is tree
    assert [m.training for m in tree.modules()] == [False] * 6
    tree.head.train()
    assert tree.head.training and tree.head[0].training and not tree.block.fc.training
    tree.train(True)
    assert all(m.training for m in tree.modules())
    with pytest.raises(TypeError, match="mode must be a bool"):
        tree.train("no")  # type: ignore[arg-type]


def test_children_modules_and_their_names() -> None:
    tree = Tree()
    assert [name for name, _ in tree.named_children()] == ["block", "head", "more.0"]
    assert list(tree.children()) == [tree.block, tree.head, tree.more[0]]
    assert [name for name, _ in tree.named_modules()] == [
        "", "block", "block.fc", "head", "head.layers.0", "more.0"]
    assert next(tree.modules()) is tree


def test_apply_visits_children_before_parents_once_each() -> None:
    tree = Tree()
    tree.again = tree.block                         # reachable twice: visited once
    seen: list[str] = []
    assert tree.apply(lambda m: seen.append(type(m).__name__)) is tree
    assert seen == ["Linear", "Block", "Linear", "Sequential", "Linear", "Tree"]


def test_apply_reinitialises_every_linear() -> None:
    tree = Tree()

    def zero_biases(module: Module) -> None:
        if isinstance(module, Linear):
            module.bias.data[...] = 0.25

    tree.apply(zero_biases)
    assert all(np.all(m.bias.data == 0.25) for m in tree.modules() if isinstance(m, Linear))


# -- names --------------------------------------------------------------------------------------
def test_parameters_get_their_dotted_path_as_name_when_attached() -> None:
    tree = Tree()
    assert tree.block.fc.weight.name == "block.fc.weight"
    assert tree.head[0].bias.name == "head.layers.0.bias"
    assert tree.more[0].weight.name == "more.0.weight"
    assert tree.block.scale.name == "block.scale"


def test_names_follow_the_module_tree_and_keep_users_own_names() -> None:
    w1 = Tensor(np.zeros((2, 2), dtype=np.float32), requires_grad=True, name="W1")

    class Model(Module):
        def __init__(self) -> None:
            self.fc = Linear(2, 2, rng=0)
            self.w1 = w1

    model = Model()
    seq = Sequential(Linear(2, 2, rng=0))
    seq.append(Linear(2, 2, rng=1))
    assert seq[1].weight.name == "layers.1.weight"
    holder = Sequential(model)                   # nested later: names grow
    assert model.fc.weight.name == "layers.0.fc.weight"
    assert w1.name == "W1"                         # the user's name is kept
    assert dict(holder.named_parameters())["layers.0.w1"] is w1
    # an error names the parameter: two of them with the same shape are told apart
    assert "layers.0.fc.weight" in repr(model.fc.weight)


# -- containers ---------------------------------------------------------------------------------
def test_module_list_names_parameters_by_index_and_behaves_like_a_list() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.blocks = ModuleList(Linear(2, 2, rng=i) for i in range(2))

    net = Net()
    net.blocks.append(Linear(2, 3, rng=2))
    assert [name for name, _ in net.named_parameters()] == [
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
        "blocks.2.weight", "blocks.2.bias"]
    assert len(net.blocks) == 3 and isinstance(net.blocks[1:], ModuleList)
    assert len(net.blocks[1:]) == 2 and net.blocks[-1].out_features == 3
    assert [m.out_features for m in net.blocks] == [2, 2, 3]
    net.blocks[0] = Linear(2, 5, rng=3)
    assert net.state_dict()["blocks.0.weight"].shape == (2, 5)
    del net.blocks[0]
    assert len(net.blocks) == 2
    net.eval()
    assert not any(m.training for m in net.blocks)
    with pytest.raises(TypeError, match="item 2 is a function, not a Module"):
        net.blocks.append(relu)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        net.blocks(np.zeros(2))
    assert repr(ModuleList([Flatten()])) == (
        "ModuleList(\n  (0): Flatten(start_axis=1, end_axis=-1)\n)")


def test_parameter_list_and_dict_hold_parameters_under_pytorchs_names() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.scales = nn.ParameterList([np.ones(2), Tensor(np.zeros(3), requires_grad=True)])
            self.gains = nn.ParameterDict({"a": np.ones(1)})

    net = Net()
    net.scales.append(np.full(4, 2.0))
    net.gains["b"] = np.zeros((2, 2))
    assert [name for name, _ in net.named_parameters()] == [
        "scales.0", "scales.1", "scales.2", "gains.a", "gains.b"]
    assert all(p.requires_grad for p in net.parameters()) and net.scales[0].name == "scales.0"
    assert list(net.state_dict()) == ["scales.0", "scales.1", "scales.2", "gains.a", "gains.b"]
    opt = SGD(net.parameters(), lr=0.5)
    loss = (net.scales[0] * net.gains["a"]).sum() + net.scales[2].sum()
    loss.backward()
    opt.step()
    np.testing.assert_array_equal(net.scales[0].data, [0.5, 0.5])
    np.testing.assert_array_equal(net.gains["a"].data, [0.0])
    frozen = Tensor(np.ones(1))
    net.gains["c"] = Parameter(frozen.data, requires_grad=False)
    assert "gains.c" in net.state_dict() and len(net.gains) == 3 and "c" in net.gains
    assert repr(nn.ParameterList([np.ones(2)])) == (
        "ParameterList(\n  (0): Parameter containing: [float64 of size (2,)]\n)")
    with pytest.raises(TypeError, match="a Tensor computed by Mul, not a leaf"):
        net.scales.append(net.scales[0] * 2)
    with pytest.raises(TypeError, match="parameters must be floating-point"):
        net.gains["d"] = np.arange(3)
    with pytest.raises(KeyError, match="without '.'"):
        net.gains["x.y"] = np.ones(1)
    with pytest.raises(NotImplementedError, match="ParameterList has no forward"):
        net.scales(np.zeros(2))


def test_module_dict_names_parameters_by_key() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.heads = ModuleDict({"b": Linear(2, 1, rng=0)})
            self.heads["a"] = Linear(2, 3, rng=1)

    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "heads.b.weight", "heads.b.bias", "heads.a.weight", "heads.a.bias"]
    assert list(net.heads) == ["b", "a"] and "a" in net.heads and len(net.heads) == 2
    assert net.heads["a"].weight.name == "heads.a.weight"
    assert [k for k, _ in net.heads.items()] == ["b", "a"]
    net.heads.pop("b")
    assert list(net.state_dict()) == ["heads.a.weight", "heads.a.bias"]
    with pytest.raises(KeyError, match="without '.'"):
        net.heads["x.y"] = Linear(1, 1)
    with pytest.raises(TypeError, match="not a Module"):
        ModuleDict({"f": relu})  # type: ignore[dict-item]


def test_graph_pictures_tell_same_shaped_weights_apart_by_their_dotted_names() -> None:
    from tinygrad_np import viz

    model = Sequential(Linear(3, 3, rng=0), relu, Linear(3, 3, rng=1))
    source = viz.dot_source(model(np.ones((1, 3), dtype=np.float32)).sum())
    for name in ("layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"):
        assert source.count(name) == 1, name


def test_register_parameter_and_add_module_are_pytorchs_spellings() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.register_parameter("scale", Tensor(np.ones(2, dtype=np.float32)))  # no grad
            self.register_parameter("absent", None)
            self.add_module("fc", Linear(2, 2, rng=0))

    net = Net()
    assert [name for name, _ in net.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert not net.scale.requires_grad and net.absent is None
    assert net.fc.weight.name == "fc.weight"
    with pytest.raises(TypeError, match=r"register_parameter: 'w' must be a floating-point "
                                        r"leaf Tensor or None, got a int64 Tensor"):
        net.register_parameter("w", Tensor(np.arange(2)))
    with pytest.raises(TypeError, match="got a Tensor computed by Mul"):
        net.register_parameter("w", net.fc.weight * 2)
    with pytest.raises(TypeError, match="add_module: 'f' must be a Module or None, got function"):
        net.add_module("f", relu)  # type: ignore[arg-type]


def test_load_passes_max_bytes_to_load_state(tmp_path) -> None:
    from tinygrad_np.nn import CheckpointError

    model = Stats()
    model.save(tmp_path / "stats.npz")
    assert Stats().load(tmp_path / "stats.npz", max_bytes=10_000) == LoadResult([], [])
    with pytest.raises(CheckpointError, match=r"stats.npz: the checkpoint unpacks to \d+ bytes, "
                                             r"more than max_bytes=16"):
        Stats().load(tmp_path / "stats.npz", max_bytes=16)


def test_to_double_float_and_half_cast_parameters_and_buffers_in_place():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.BatchNorm1d(4), nn.Linear(4, 2, rng=1))
    weight = model.layers[0].weight
    weight.grad = np.ones((3, 4), np.float32)
    assert model.double() is model
    assert weight is model.layers[0].weight and weight.dtype == np.float64  # the same Tensor
    assert weight.grad.dtype == np.float64
    bn = model.layers[1]
    assert bn.running_mean.dtype == np.float64 and bn.num_batches_tracked.dtype == np.int64
    x = np.random.default_rng(0).standard_normal((5, 3))
    assert model(x).dtype == np.float64
    np.testing.assert_array_equal(model.float().layers[2].bias.data.dtype, np.float32)
    assert model.to("cpu", np.float64).layers[1].running_var.dtype == np.float64
    assert model.to("cpu") is model and model.half().layers[0].weight.dtype == np.float16
    with pytest.raises(ValueError, match=r"Sequential.to: 'cuda' is neither a dtype nor 'cpu'"):
        model.to("cuda")
    with pytest.raises(TypeError, match="only floating-point dtypes, got int32"):
        model.to(np.int32)


def test_get_submodule_and_get_parameter_follow_the_dotted_names():
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    assert model.get_submodule("layers.2") is model.layers[2]
    assert model.get_submodule("") is model
    assert model.get_parameter("layers.0.bias") is model.layers[0].bias
    with pytest.raises(AttributeError, match="has no submodule 'layers.5'"):
        model.get_submodule("layers.5")
    with pytest.raises(AttributeError, match="has no parameter 'layers.0.in_features'"):
        model.get_parameter("layers.0.in_features")


def test_pytorchs_other_arguments_of_the_tree_walks() -> None:
    class Net(Module):
        def __init__(self) -> None:
            self.own = Parameter(np.ones(2))
            self.fc = Linear(2, 3, rng=0)
            self.tied = self.fc  # the same module twice
            self.register_buffer("steps", np.zeros(()))

    net = Net()
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["own"]
    assert net.parameters(recurse=False) == [net.own]
    assert [n for n, _ in net.named_parameters(prefix="net")] == [
        "net.own", "net.fc.weight", "net.fc.bias"]
    assert net.fc.weight.name == "fc.weight"  # auto-naming ignores the prefix
    assert [n for n, _ in net.named_buffers(prefix="b")] == ["b.steps"]
    assert net.buffers(recurse=False) == [net.steps] and net.get_buffer("steps") is net.steps
    with pytest.raises(AttributeError, match="has no buffer 'fc.weight'"):
        net.get_buffer("fc.weight")
    net.fc.weight.grad = np.ones((2, 3), dtype=np.float32)
    shared = net.fc.weight.grad
    net.zero_grad(set_to_none=False)
    assert np.all(net.fc.weight.grad == 0) and np.all(shared == 1)  # new zeros, not in place
    assert net.fc.bias.grad is None  # no gradient yet: none made
    net.zero_grad()
    assert net.fc.weight.grad is None
    net.register_module("head", Linear(3, 1, rng=1))
    assert "head.weight" in dict(net.named_parameters()) and net.cpu() is net


def test_the_library_modules_take_device_cpu_and_refuse_others():
    from tinygrad_np import nn as tnn
    assert tnn.Linear(3, 2, device="cpu").weight.shape == (3, 2)
    assert tnn.Conv2d(1, 2, 3, device="cpu").weight.shape == (2, 1, 3, 3)
    assert tnn.LayerNorm(4, device="cpu").weight.shape == (4,)
    with pytest.raises(ValueError, match="Linear: device 'cuda': tinygrad_np runs on numpy"):
        tnn.Linear(3, 2, device="cuda")

    class Own(tnn.Module):  # a user's module keeps the signature its author wrote
        def __init__(self, n):
            self.layer = tnn.Linear(n, n)

    with pytest.raises(TypeError, match="device"):
        Own(2, device="cpu")


# -- tied weights and modules used twice: every name, as PyTorch's state dicts ---------------
class TiedPair(Module):
    def __init__(self) -> None:
        self.a = Linear(3, 2, rng=0)
        self.b = Linear(3, 2, rng=1)
        self.b.weight = self.a.weight


def test_state_dict_lists_a_tied_tensor_under_every_name_as_pytorch() -> None:
    tied = TiedPair()
    state = tied.state_dict()
    # torch 2.13, the same model (b.weight = a.weight): these keys, in this order
    assert list(state) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert state["a.weight"] is state["b.weight"]  # one copy, as torch's one storage
    assert not np.shares_memory(state["a.weight"], tied.a.weight.data)
    assert tied.parameters() == [tied.a.weight, tied.a.bias, tied.b.bias]  # each once
    assert [n for n, _ in tied.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    assert [n for n, _ in tied.named_parameters(remove_duplicate=False)] == [
        "a.weight", "a.bias", "b.weight", "b.bias"]
    assert tied.b.weight.name == "a.weight"  # named by its first path

    layer = Linear(2, 2, rng=0)
    twice = Sequential(layer, nn.ReLU(), layer)
    # torch: ['0.weight', '0.bias', '2.weight', '2.bias'] (Sequential's names add "layers.")
    assert list(twice.state_dict()) == ["layers.0.weight", "layers.0.bias",
                                        "layers.2.weight", "layers.2.bias"]
    assert [n for n, _ in twice.named_modules()] == ["", "layers.0", "layers.1"]
    assert [n for n, _ in twice.named_modules(remove_duplicate=False)] == [
        "", "layers.0", "layers.1", "layers.2"]
    assert [n for n, _ in twice.named_parameters(remove_duplicate=False)] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert twice.get_submodule("layers.2") is layer  # as torch's get_submodule("2")
    assert twice.get_parameter("layers.2.weight") is layer.weight

    norm = nn.BatchNorm1d(2)
    shared = Sequential(norm, norm)
    buffers = ["running_mean", "running_var", "num_batches_tracked"]
    assert [n for n, _ in shared.named_buffers()] == [f"layers.0.{b}" for b in buffers]
    assert [n for n, _ in shared.named_buffers(remove_duplicate=False)] == [
        f"layers.{i}.{b}" for i in (0, 1) for b in buffers]
    assert list(shared.state_dict()) == [f"layers.{i}.{b}" for i in (0, 1)
                                         for b in ["weight", "bias", *buffers]]


def test_a_reference_back_up_the_tree_is_never_walked_even_without_deduplication() -> None:
    class Loop(Module):
        def __init__(self) -> None:
            self.inner = Linear(2, 2, rng=0)
            self.inner.parent = self  # walked, it would never end

    loop = Loop()
    assert [n for n, _ in loop.named_modules(remove_duplicate=False)] == ["", "inner"]
    assert [n for n, _ in loop.named_parameters(remove_duplicate=False)] == [
        "inner.weight", "inner.bias"]
    assert list(loop.state_dict()) == ["inner.weight", "inner.bias"]


def test_a_tied_models_state_dict_loads_strictly_with_one_or_every_name(tmp_path) -> None:
    source, target = TiedPair(), TiedPair()
    source.a.weight.data[...] = 7.0
    # A PyTorch state dict of a tied model lists the shared tensor under each name.
    assert target.load_state_dict(source.state_dict()) == LoadResult([], [])
    np.testing.assert_array_equal(target.b.weight.data, np.full((3, 2), 7.0))
    # A checkpoint written before every name was listed holds it once: no key is missing.
    old = {k: v for k, v in source.state_dict().items() if k != "b.weight"}
    source.a.weight.data[...] = 5.0
    old_b = {k: v for k, v in source.state_dict().items() if k != "a.weight"}
    assert target.load_state_dict(old) == LoadResult([], [])
    np.testing.assert_array_equal(target.a.weight.data, np.full((3, 2), 7.0))
    assert target.load_state_dict(old_b, strict=True) == LoadResult([], [])
    np.testing.assert_array_equal(target.a.weight.data, np.full((3, 2), 5.0))
    # The file round trip writes every name, as state_dict() has them.
    source.save(tmp_path / "tied.npz")
    assert list(np.load(tmp_path / "tied.npz")) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    fresh = TiedPair()
    assert fresh.load(tmp_path / "tied.npz") == LoadResult([], [])
    np.testing.assert_array_equal(fresh.b.weight.data, np.full((3, 2), 5.0))


def test_a_tied_tensors_names_holding_different_values_are_refused() -> None:
    tied = TiedPair()
    before = tied.a.weight.data.copy()
    state = tied.state_dict()
    state["b.weight"] = state["b.weight"] + 1.0  # torch would silently keep this last one
    with pytest.raises(StateDictError, match="'a.weight' and 'b.weight' name one tied "
                                             "parameter in the model but hold different"):
        tied.load_state_dict(state, strict=False)
    np.testing.assert_array_equal(tied.a.weight.data, before)  # nothing written
    state["b.weight"] = state["a.weight"].astype(np.float64)  # equal values in another dtype
    assert tied.load_state_dict(state) == LoadResult([], [])


# -- assigning a non-parameter where a parameter is -------------------------------------------
def test_assigning_a_plain_tensor_over_a_parameter_is_a_type_error() -> None:
    layer = Linear(3, 2, rng=0)
    weight = layer.weight
    with pytest.raises(TypeError, match=r"Linear: cannot assign a float32 Tensor as parameter "
                                        r"'weight' \(nn.Parameter or None expected\).*"
                                        r"nn.Parameter\(value\).*\.weight\.data = array"):
        layer.weight = Tensor(np.zeros((3, 2), dtype=np.float32))
    with pytest.raises(TypeError, match=r"assign a numpy array \(float64\) as parameter 'bias'"):
        layer.bias = np.zeros(2)
    with pytest.raises(TypeError, match="a Tensor computed by Mul as parameter 'weight'"):
        layer.weight = weight * 2.0
    assert layer.weight is weight and list(layer.state_dict()) == ["weight", "bias"]
    layer.weight = weight  # the same tensor again
    layer.weight.requires_grad_(False)  # frozen: still a parameter, may be reassigned
    layer.weight = Parameter(np.ones((3, 2), dtype=np.float32))
    layer.weight = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    assert list(layer.state_dict()) == ["weight", "bias"]
    layer.bias = None
    assert list(layer.state_dict()) == ["weight"]
    layer.bias = Tensor(np.zeros(2, dtype=np.float32))  # None was there: a constant now
    del layer.weight
    layer.weight = Tensor(np.zeros((3, 2), dtype=np.float32))  # deleted first: a constant
    assert layer.parameters() == [] and layer.state_dict() == {}


# -- next() on what parameters() returns ------------------------------------------------------
def test_parameters_and_buffers_are_lists_that_next_also_walks() -> None:
    net = TwoLayers()
    params = net.parameters()
    assert next(params) is net.fc1.weight and next(params) is net.fc1.bias
    assert next(net.parameters()) is net.fc1.weight  # a fresh one starts again
    assert len(params) == 5 and params[-1] is net.raw and isinstance(params, list)
    assert [p is q for p, q in zip(params, net.parameters(), strict=True)] == [True] * 5
    assert params + [net.const] == [*net.parameters(), net.const]
    assert [p.shape for p in params][:2] == [(3, 4), (4,)]  # a for loop sees every item
    assert [next(params).shape for _ in range(3)] == [(4, 2), (2,), (2,)]
    with pytest.raises(StopIteration):
        next(params)
    assert next(net.named_parameters()) == ("fc1.weight", net.fc1.weight)
    norm = nn.BatchNorm1d(2)
    assert next(norm.buffers()) is norm.running_mean
    assert next(norm.named_buffers())[0] == "running_mean"
    assert Module().parameters() == [] and next(Module().buffers(), None) is None


# -- repr: extra_repr with children, and a child under two names, as PyTorch's -----------------
def test_repr_puts_extra_repr_first_and_shows_every_name_as_pytorch() -> None:
    class Scaled(Module):
        def __init__(self) -> None:
            self.fc = Linear(2, 2, rng=0)
            self.other = self.fc  # printed under both names

        def extra_repr(self) -> str:
            return "scale=2"

    class TwoLines(Module):
        def extra_repr(self) -> str:
            return "a=1\nb=2"

    class Outer(Module):
        def __init__(self) -> None:
            self.m = TwoLines()
            self.m.parent = self  # a reference back up the tree: not printed again

        def extra_repr(self) -> str:
            return "a=1\nb=2"

    # the strings torch 2.13 prints for the same modules
    linear = "Linear(in_features=2, out_features=2, bias=True)"
    assert repr(Scaled()) == f"Scaled(\n  scale=2\n  (fc): {linear}\n  (other): {linear}\n)"
    assert repr(TwoLines()) == "TwoLines(\n  a=1\n  b=2\n)"
    assert repr(Outer()) == "Outer(\n  a=1\n  b=2\n  (m): TwoLines(\n    a=1\n    b=2\n  )\n)"
    assert repr(Module()) == "Module()" and repr(Linear(2, 2, rng=0)) == linear


# -- containers as PyTorch's -------------------------------------------------------------------
def test_module_dict_update_takes_a_module_dict_a_mapping_or_pairs() -> None:
    heads = ModuleDict({"a": Linear(2, 1, rng=0)})
    other = ModuleDict({"b": Linear(2, 1, rng=1)})
    heads.update(other)
    heads.update([("c", Flatten())])
    heads.update({"a": Flatten()})  # replaces
    assert list(heads) == ["a", "b", "c"] and heads["b"] is other["b"]
    assert isinstance(heads["a"], Flatten)
    assert list(ModuleDict(other)) == ["b"]
    params = nn.ParameterDict({"x": np.ones(1)})
    params.update(nn.ParameterDict({"y": np.zeros(2)}))
    assert list(params) == ["x", "y"]
    # PyTorch's errors: TypeError for a non-pair, ValueError for a pair of the wrong length
    with pytest.raises(TypeError, match="ModuleDict.update: element 0 is of type int, not a "):
        heads.update([1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="element 1 has length 3; a .key, value. pair has 2"):
        heads.update([("d", Flatten()), ("e", Flatten(), 3)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="expected a mapping or an iterable of .key, value. "
                                        "pairs, got int"):
        heads.update(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a Module"):
        heads.update([("d", Flatten()), ("f", relu)])
    assert list(heads) == ["a", "b", "c"]  # a refused update changes nothing


def test_module_list_pop_add_and_iadd_as_pytorch() -> None:
    first, second, third = Linear(1, 1, rng=0), Flatten(), Linear(1, 2, rng=1)
    layers = ModuleList([first, second])
    joined = layers + [third]
    assert isinstance(joined, ModuleList) and list(joined) == [first, second, third]
    assert list(layers) == [first, second]  # + makes a new list of the same modules
    assert [n for n, _ in joined.named_parameters()] == ["0.weight", "0.bias",
                                                          "2.weight", "2.bias"]
    same = layers
    layers += ModuleList([third])
    assert layers is same and list(layers) == [first, second, third]
    assert layers.pop() is third and layers.pop(0) is first and list(layers) == [second]
    popped = ModuleList([first, second, third]).pop(slice(0, 2))
    assert isinstance(popped, ModuleList) and list(popped) == [first, second]
    with pytest.raises(TypeError, match="expected an iterable of Modules, got a single Flatten"):
        layers += second  # type: ignore[assignment]
    with pytest.raises(TypeError, match="got a single int"):
        layers + 3  # type: ignore[operator]


def test_parameter_list_slices_are_parameter_lists_of_the_same_tensors() -> None:
    scales = nn.ParameterList([np.ones(1), np.ones(2), np.ones(3)])
    part = scales[1:]
    assert isinstance(part, nn.ParameterList) and len(part) == 2
    assert part[0] is scales[1] and scales[::-1][0] is scales[2]
    assert [n for n, _ in part.named_parameters()] == ["0", "1"]
