"""Linear, Sequential and the activation modules."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn, numgrad, relu, sigmoid, tanh
from tinygrad_np.nn import Flatten, Linear, ReLU, Sequential, Sigmoid, Tanh, init


def test_linear_shapes_dtype_and_names() -> None:
    layer = Linear(5, 3, rng=0)
    assert layer.weight.shape == (5, 3) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer.weight.requires_grad and layer.bias.requires_grad
    assert (layer.weight.name, layer.bias.name) == ("weight", "bias")
    np.testing.assert_array_equal(layer.bias.data, np.zeros(3, dtype=np.float32))
    assert (layer.in_features, layer.out_features) == (5, 3)


def test_linear_forward_is_exactly_x_at_w_plus_b() -> None:
    rng = np.random.default_rng(1)
    layer = Linear(4, 3, rng=0)
    layer.bias.data[...] = rng.standard_normal(3)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    expected = x @ layer.weight.data + layer.bias.data
    out = layer(x)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(layer(Tensor(x)).data, expected)


def test_linear_without_bias() -> None:
    layer = Linear(4, 2, bias=False, rng=0)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((1, 4), dtype=np.float32)
    np.testing.assert_array_equal(layer(x).data, x @ layer.weight.data)


def test_linear_float64_gradients_match_numerical() -> None:
    layer = Linear(3, 2, dtype=np.float64, rng=0)
    layer.bias.data[...] = [0.3, -0.2]
    x = np.random.default_rng(2).standard_normal((4, 3))

    def loss() -> Tensor:
        return layer(x).tanh().sum()

    loss().backward()
    num_w, num_b = numgrad(lambda *_: loss(), layer.weight, layer.bias)
    np.testing.assert_allclose(layer.weight.grad, num_w, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(layer.bias.grad, num_b, rtol=1e-6, atol=1e-9)


def test_seeds_are_reproducible_and_distinct() -> None:
    a, b, c = Linear(8, 4, rng=3), Linear(8, 4, rng=3), Linear(8, 4, rng=4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    # A Generator is used as given (and advanced), as an int seed would create it.
    gen = np.random.default_rng(3)
    np.testing.assert_array_equal(Linear(8, 4, rng=gen).weight.data, a.weight.data)
    assert not np.array_equal(Linear(8, 4, rng=gen).weight.data, a.weight.data)


def test_init_names_and_callable() -> None:
    np.testing.assert_array_equal(Linear(6, 5, init="he", rng=0).weight.data,
                                  init.he_normal((6, 5), rng=0))
    np.testing.assert_array_equal(Linear(6, 5, rng=0).weight.data,
                                  init.glorot_uniform((6, 5), rng=0))
    seen = []

    def ones(shape, rng, dtype):
        seen.append((shape, np.dtype(dtype)))
        return np.ones(shape)                      # float64: Linear casts it

    layer = Linear(2, 3, init=ones, dtype=np.float32)
    assert seen == [((2, 3), np.dtype(np.float32))]
    assert layer.weight.dtype == np.float32 and np.all(layer.weight.data == 1)


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unknown init 'kaiming'"):
        Linear(2, 2, init="kaiming")
    with pytest.raises(ValueError, match=r"returned shape \(3, 2\), expected \(2, 3\)"):
        Linear(2, 3, init=lambda shape, rng, dtype: np.zeros((3, 2)))
    with pytest.raises(ValueError, match="in_features must be a positive int, got 0"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="out_features must be a positive int, got 2.5"):
        Linear(3, 2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rng must be"):
        Linear(2, 2, rng="seed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="floating-point dtype"):
        Linear(2, 2, dtype=np.int32)


def test_sequential_composes_and_names_parameters() -> None:
    first, second = Linear(3, 4, rng=0), Linear(4, 2, rng=1)
    model = Sequential(first, ReLU(), second)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_array_equal(model(x).data, second(first(x).relu()).data)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert len(model) == 3 and model[2] is second and next(iter(model)) is first


def test_sequential_accepts_plain_functions_and_refuses_non_callables() -> None:
    model = Sequential(Linear(2, 2, rng=0), relu)
    x = np.array([[1.0, -1.0]], dtype=np.float32)
    np.testing.assert_array_equal(model(x).data, relu(model[0](x)).data)
    with pytest.raises(TypeError, match="layer 1 is a int"):
        Sequential(Linear(2, 2), 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("module, function", [(ReLU(), relu), (Sigmoid(), sigmoid),
                                              (Tanh(), tanh)])
def test_activation_modules_equal_the_functions(module, function) -> None:
    x = Tensor(np.linspace(-3, 3, 13, dtype=np.float32), requires_grad=True)
    np.testing.assert_array_equal(module(x).data, function(x).data)
    assert module.parameters() == []
    module(x).sum().backward()
    expected = Tensor(x.data, requires_grad=True)
    function(expected).sum().backward()
    np.testing.assert_array_equal(x.grad, expected.grad)


def test_sequential_repr_shows_plain_function_layers() -> None:
    def double(x):
        return x * 2

    model = Sequential(Linear(2, 3, rng=0), relu, double, Tanh())
    assert repr(model) == (
        "Sequential(\n"
        "  (layers.0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (layers.1): relu\n"
        "  (layers.2): test_sequential_repr_shows_plain_function_layers.<locals>.double\n"
        "  (layers.3): Tanh()\n"
        ")")
    assert repr(Sequential()) == "Sequential()"
    nested = Sequential(Sequential(relu))
    assert repr(nested) == "Sequential(\n  (layers.0): Sequential(\n    (layers.0): relu\n  )\n)"


def test_sequential_append_extend_and_slices() -> None:
    model = Sequential(Linear(2, 3, rng=0))
    assert model.append(relu) is model
    model.extend([Linear(3, 1, rng=1)])
    assert len(model) == 3 and model[1] is relu
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert model[2].weight.name == "layers.2.weight"
    x = np.ones((4, 2), dtype=np.float32)
    np.testing.assert_array_equal(model(x).data, model[2](relu(model[0](x))).data)
    tail = model[1:]
    assert isinstance(tail, Sequential) and tail[1] is model[2]
    with pytest.raises(TypeError, match="layer 3 is a str"):
        model.append("relu")  # type: ignore[arg-type]


def test_flatten_merges_axes_and_passes_gradients_back() -> None:
    x = Tensor(np.arange(24, dtype=np.float64).reshape(2, 3, 4), requires_grad=True)
    out = Flatten()(x)
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out.data, x.data.reshape(2, 12))
    assert Flatten(0, 1)(x).shape == (6, 4)
    assert Flatten(-2)(x).shape == (2, 12)
    assert Flatten(0)(np.zeros((0, 2, 2))).shape == (0,)
    assert Flatten()(np.zeros((0, 2, 2))).shape == (0, 4)
    (out * np.arange(24).reshape(2, 12)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.arange(24).reshape(2, 3, 4))
    with pytest.raises(ValueError, match=r"Flatten: cannot flatten axes 1..-1 of an input of "
                                         r"shape \(3,\)"):
        Flatten()(np.zeros(3))
    assert repr(Flatten()) == "Flatten(start_axis=1, end_axis=-1)"


ACTIVATIONS = [
    (nn.LeakyReLU(), lambda x: tg.leaky_relu(x), "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2), lambda x: tg.leaky_relu(x, negative_slope=0.2),
     "LeakyReLU(negative_slope=0.2)"),
    (nn.ELU(alpha=0.5), lambda x: tg.elu(x, alpha=0.5), "ELU(alpha=0.5)"),
    (nn.GELU(), tg.gelu, "GELU(approximate='none')"),
    (nn.GELU("tanh"), lambda x: tg.gelu(x, approximate="tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), tg.silu, "SiLU()"),
    (nn.Softplus(beta=2.0, threshold=5.0), lambda x: tg.softplus(x, beta=2.0, threshold=5.0),
     "Softplus(beta=2.0, threshold=5.0)"),
    (nn.Softmax(axis=0), lambda x: tg.softmax(x, axis=0), "Softmax(axis=0)"),
    (nn.LogSoftmax(), lambda x: tg.log_softmax(x, axis=-1), "LogSoftmax(axis=-1)"),
    (nn.Hardtanh(-2.0, 2.0), lambda x: tg.hardtanh(x, -2.0, 2.0),
     "Hardtanh(min_val=-2.0, max_val=2.0)"),
    (nn.ReLU6(), tg.relu6, "ReLU6()"),
    (nn.Hardsigmoid(), tg.hardsigmoid, "Hardsigmoid()"),
    (nn.Hardswish(), tg.hardswish, "Hardswish()"),
    (nn.Mish(), tg.mish, "Mish()"),
    (nn.LogSigmoid(), tg.logsigmoid, "LogSigmoid()"),
]


@pytest.mark.parametrize("module, function, text", ACTIVATIONS, ids=lambda a: str(a)[:20])
def test_more_activation_modules_equal_their_functions(module, function, text) -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal((3, 4)) * 3
    x = Tensor(data, requires_grad=True)
    weights = rng.standard_normal((3, 4))
    out = module(x)
    expected = Tensor(data, requires_grad=True)
    reference = function(expected)
    np.testing.assert_array_equal(out.data, reference.data)
    (out * weights).sum().backward()
    (reference * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, expected.grad)
    assert module.parameters() == [] and repr(module) == text


def test_activation_values_match_pytorch() -> None:
    # torch 2.13.0+cpu, float64: x = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=torch.float64)
    # nn.LeakyReLU(0.1)(x), nn.ELU()(x), nn.GELU()(x), nn.SiLU()(x), nn.Softplus()(x)
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    expected = {
        "LeakyReLU": [-0.2, -0.05, 0.0, 0.5, 2.0],
        "ELU": [-0.8646647167633873, -0.3934693402873666, 0.0, 0.5, 2.0],
        "GELU": [-0.04550026389635842, -0.15426876936299344, 0.0, 0.34573123063700656,
                 1.9544997361036416],
        "SiLU": [-0.2384058440442351, -0.1887703343990727, 0.0, 0.3112296656009273,
                 1.7615941559557646],
        "Softplus": [0.1269280110429725, 0.4740769841801067, 0.6931471805599453,
                     0.9740769841801067, 2.1269280110429727],
    }
    modules = {"LeakyReLU": nn.LeakyReLU(0.1), "ELU": nn.ELU(), "GELU": nn.GELU(),
               "SiLU": nn.SiLU(), "Softplus": nn.Softplus()}
    for name, module in modules.items():
        np.testing.assert_allclose(module(Tensor(x)).data, expected[name], rtol=1e-12,
                                   atol=1e-15, err_msg=name)


def test_activation_modules_compose_in_sequential_with_eval() -> None:
    model = Sequential(Linear(4, 8, rng=0), nn.GELU(), Linear(8, 3, rng=1), nn.LogSoftmax(axis=1))
    out = model(np.ones((2, 4), dtype=np.float32))
    np.testing.assert_allclose(np.exp(out.data).sum(axis=1), 1.0, rtol=1e-6)
    assert model.eval() is model and not model[1].training
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")


def test_prelu_learns_its_slopes() -> None:
    x = Tensor(np.array([[-2.0, 1.0, -4.0], [3.0, -1.0, 2.0]]), requires_grad=True)
    one = nn.PReLU(dtype=np.float64)
    out = one(x)
    np.testing.assert_array_equal(out.data, [[-0.5, 1.0, -1.0], [3.0, -0.25, 2.0]])
    out.sum().backward()
    assert one.weight.grad.tolist() == [-7.0]  # the negative inputs' sum
    per_channel = nn.PReLU(3, init=0.1, dtype=np.float64)
    per_channel(x).sum().backward()
    assert per_channel.weight.grad.tolist() == [-2.0, -1.0, -4.0]
    assert repr(per_channel) == "PReLU(num_parameters=3)"
    assert [p.name for p in per_channel.parameters()] == ["weight"]
    with pytest.raises(OpError, match=r"prelu: weight of shape \(2,\) must be \(1,\) or one"):
        tg.prelu(x, np.ones(2))


def test_unflatten_undoes_flatten_and_identity_passes_through() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    flat = Flatten()(x)
    back = nn.Unflatten(1, (3, -1))(flat)
    np.testing.assert_array_equal(back.data, x.data)
    (back * back).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data)
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    with pytest.raises(ValueError, match=r"Unflatten: axis 1 of an input of shape \(2, 12\) "
                                         r"\(size 12\) cannot be split into \(5, -1\)"):
        nn.Unflatten(1, (5, -1))(np.zeros((2, 12)))
    shortcut = nn.Identity(64, bias=False)  # PyTorch's Identity ignores its arguments
    assert shortcut(x) is x and shortcut.parameters() == [] and repr(shortcut) == "Identity()"


def test_bilinear_channel_shuffle_and_softmax2d_are_pytorchs():
    """torch 2.13 agrees on 90 random cases; here from their formulas."""
    rng = np.random.default_rng(0)
    layer = nn.Bilinear(3, 2, 4, dtype=np.float64, rng=0)
    assert np.abs(layer.weight.data).max() <= 1 / np.sqrt(3) and layer.weight.shape == (4, 3, 2)
    x1, x2 = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(layer(x1, x2).data, np.einsum("ni,oij,nj->no", x1,
                                                             layer.weight.data, x2)
                               + layer.bias.data, rtol=1e-13)
    x = np.arange(12.0).reshape(1, 6, 2)
    np.testing.assert_array_equal(nn.ChannelShuffle(2)(x).data[0, :, 0],
                                  [0, 6, 2, 8, 4, 10])  # channels (0 1 2 | 3 4 5) -> 0 3 1 4 2 5
    images = rng.standard_normal((2, 3, 2, 2))
    np.testing.assert_allclose(nn.Softmax2d()(images).data.sum(axis=1), 1.0, rtol=1e-14)
    with pytest.raises(ValueError, match="Softmax2d: input must be 3-D or 4-D"):
        nn.Softmax2d()(np.zeros((2, 3)))
    with pytest.raises(tg.OpError, match=r"channel_shuffle: input \(1, 6, 2\) needs"):
        tg.channel_shuffle(x, 4)


def test_sequential_edits_as_pytorchs():
    from tinygrad_np import nn as tnn
    first, second, third = tnn.Linear(2, 2, rng=0), tnn.ReLU(), tnn.Linear(2, 3, rng=1)
    seq = tnn.Sequential(first, third)
    assert seq.insert(1, second) is seq and list(seq) == [first, second, third]
    assert seq.pop() is third and len(seq) == 2
    seq[1] = tnn.Tanh()
    assert isinstance(seq[1], tnn.Tanh)
    del seq[0]
    assert len(seq) == 1 and list(seq.state_dict()) == []
    joined = tnn.Sequential(first) + tnn.Sequential(third)
    assert [type(m).__name__ for m in joined] == ["Linear", "Linear"]
    joined += tnn.Sequential(second)
    assert len(joined) == 3 and joined[2] is second
    with pytest.raises(IndexError, match="Sequential.insert: index 9"):
        joined.insert(9, second)
    with pytest.raises(ValueError, match="takes another Sequential"):
        joined + second
