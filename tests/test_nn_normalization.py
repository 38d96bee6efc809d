"""nn.Dropout, nn.BatchNorm1d/2d, nn.LayerNorm, nn.Embedding: training mode, buffers and
state dicts, PyTorch's numbers (shared with tests/test_ops_normalization.py)."""
from __future__ import annotations

import numpy as np
import pytest
import test_ops_normalization as torch_numbers

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, nn


def test_dropout_follows_train_and_eval():
    model = nn.Sequential(nn.Dropout(0.5))
    x = Tensor(np.ones((100, 10)))
    tg.manual_seed(3)
    out = model(x)
    assert 0.3 < np.mean(out.data == 0) < 0.7
    tg.manual_seed(3)
    np.testing.assert_array_equal(model(x).data, out.data)  # seeded: the same mask
    model.eval()
    assert not model[0].training
    assert model(x) is x
    model.train()
    assert np.any(model(x).data == 0)
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
    for bad in (-0.5, 2, "x"):
        with pytest.raises(ValueError, match="Dropout: p"):
            nn.Dropout(bad)


def _torch_bn():
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    bn.weight.data[:] = [1.5, -0.5, 2.0]
    bn.bias.data[:] = [0.1, 0.2, -0.3]
    return bn


def test_batch_norm_1d_matches_pytorch_through_train_and_eval():
    """The same sequence as the PyTorch snippet in test_ops_normalization.py."""
    bn = _torch_bn()
    x = torch_numbers._bn_input()
    bn(x)
    out2 = bn(x * 2 + 1)
    np.testing.assert_allclose(bn.running_mean, torch_numbers.BN_RUNNING_MEAN, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, torch_numbers.BN_RUNNING_VAR, rtol=1e-13)
    assert bn.num_batches_tracked.item() == 2
    np.testing.assert_allclose(out2.data.ravel(), torch_numbers.BN_OUT2, rtol=1e-12, atol=1e-14)
    bn.eval()
    np.testing.assert_allclose(bn(x).data.ravel(), torch_numbers.BN_EVAL, rtol=1e-12, atol=1e-14)
    assert bn.num_batches_tracked.item() == 2  # eval leaves the statistics alone
    bn.train()
    xt = Tensor(x, requires_grad=True)
    (bn(xt) * np.linspace(-1, 1, 24).reshape(4, 3, 2)).sum().backward()
    np.testing.assert_allclose(xt.grad.ravel(), torch_numbers.BN_X_GRAD, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(bn.weight.grad, torch_numbers.BN_W_GRAD, rtol=1e-12)
    np.testing.assert_allclose(bn.bias.grad, torch_numbers.BN_B_GRAD, rtol=1e-12, atol=1e-15)


def test_batch_norm_buffers_are_in_the_state_dict_and_load_back(tmp_path):
    bn = _torch_bn()
    bn(torch_numbers._bn_input())
    state = bn.state_dict()
    assert sorted(state) == ["bias", "num_batches_tracked", "running_mean", "running_var",
                             "weight"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    fresh = nn.BatchNorm1d(3, dtype=np.float64)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.running_mean, bn.running_mean)
    np.testing.assert_array_equal(fresh.running_var, bn.running_var)
    assert fresh.num_batches_tracked.item() == 1
    bn.save(tmp_path / "bn.npz")
    again = nn.BatchNorm1d(3, dtype=np.float64)
    again.load(tmp_path / "bn.npz")
    bn.eval()
    again.eval()
    x = torch_numbers._bn_input()
    np.testing.assert_array_equal(again(x).data, bn(x).data)


def test_batch_norm_2d_per_channel_and_float32(rng):
    bn = nn.BatchNorm2d(2, momentum=0.25)
    x = rng.standard_normal((4, 2, 3, 3)).astype(np.float32) * 3 + 1
    out = bn(Tensor(x, requires_grad=True))
    assert out.dtype == np.float32 and bn.running_mean.dtype == np.float32
    axes = (0, 2, 3)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    np.testing.assert_allclose(out.data, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(bn.running_mean, 0.25 * mean.ravel(), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var, 0.75 + 0.25 * x.var(axis=axes, ddof=1),
                               rtol=1e-5)
    with pytest.raises(OpError, match=r"BatchNorm2d: input of shape \(4, 2\): expected "
                                      r"\(N, C, H, W\)"):
        bn(np.ones((4, 2), dtype=np.float32))
    with pytest.raises(OpError, match=r"BatchNorm1d: input of shape \(4, 2, 3, 3\)"):
        nn.BatchNorm1d(2)(x)
    with pytest.raises(OpError, match="batch_norm: input of shape .* has 3 channels"):
        nn.BatchNorm1d(2)(np.ones((4, 3), dtype=np.float32))


def test_batch_norm_momentum_none_is_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    batches = [np.array([[1.0, 2.0], [3.0, 6.0]]), np.array([[5.0, 0.0], [7.0, 4.0]]),
               np.array([[0.0, 1.0], [2.0, 1.0]])]
    for b in batches:
        bn(b)
    np.testing.assert_allclose(bn.running_mean, np.mean([b.mean(axis=0) for b in batches],
                                                        axis=0), rtol=1e-15)
    expected_var = np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_var, expected_var, rtol=1e-15)


def test_batch_norm_without_running_stats_or_affine():
    bn = nn.BatchNorm1d(2, track_running_stats=False, affine=False, dtype=np.float64)
    assert bn.parameters() == [] and bn.state_dict() == {}
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    bn.eval()  # no running statistics: the batch's are used even in eval mode
    np.testing.assert_allclose(bn(x).data, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))
    with pytest.raises(TypeError):
        nn.BatchNorm1d(2, 0.1)  # keyword-only: PyTorch's and the orders differ
    with pytest.raises(ValueError, match="num_features"):
        nn.BatchNorm1d(0)


def test_layer_norm_module():
    ln = nn.LayerNorm((2, 3))
    assert ln.weight.shape == ln.bias.shape == (2, 3) and ln.weight.dtype == np.float32
    x = Tensor(np.arange(12.0, dtype=np.float32).reshape(2, 2, 3), requires_grad=True)
    out = ln(x)
    np.testing.assert_allclose(out.data.mean(axis=(1, 2)), 0, atol=1e-6)
    np.testing.assert_allclose(out.data.var(axis=(1, 2)), 1, rtol=1e-4)
    (out * np.arange(12.0).reshape(2, 2, 3)).sum().backward()
    assert ln.weight.grad.shape == (2, 3)
    np.testing.assert_array_equal(ln.bias.grad, [[6, 8, 10], [12, 14, 16]])  # summed over N
    assert nn.LayerNorm(4, elementwise_affine=False).parameters() == []
    assert [n for n, _ in nn.LayerNorm(4, bias=False).named_parameters()] == ["weight"]


def test_embedding_module():
    tg.manual_seed(0)
    emb = nn.Embedding(5, 3)
    np.testing.assert_array_equal(emb.weight.data,
                                  np.random.default_rng(0).standard_normal((5, 3))
                                  .astype(np.float32))
    out = emb(np.array([[0, 4], [4, 4]]))
    assert out.shape == (2, 2, 3)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [1, 0, 0, 0, 3])
    np.testing.assert_array_equal(nn.Embedding(5, 3, rng=1).weight.data,
                                  nn.Embedding(5, 3, rng=1).weight.data)
    padded = nn.Embedding(4, 2, padding_idx=-1, rng=0)
    assert padded.padding_idx == 3 and np.all(padded.weight.data[3] == 0)
    padded(Tensor(np.array([3, 1, 3]))).sum().backward()
    np.testing.assert_array_equal(padded.weight.grad, [[0, 0], [1, 1], [0, 0], [0, 0]])
    assert repr(padded) == "Embedding(4, 2, padding_idx=3)"
    with pytest.raises(ValueError, match="embedding_dim"):
        nn.Embedding(3, 0)
    with pytest.raises(ValueError, match="padding_idx 5"):
        nn.Embedding(3, 2, padding_idx=5)


def test_a_small_model_with_every_layer_trains(rng):
    tg.manual_seed(1)
    model = nn.Sequential(nn.Embedding(6, 4), nn.Flatten(), nn.Linear(8, 16, rng=0),
                          nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.1), nn.LayerNorm(16),
                          nn.Linear(16, 2, rng=1))
    tokens = rng.integers(0, 6, size=(64, 2))
    labels = (tokens[:, 0] > tokens[:, 1]).astype(np.int64)  # needs both tokens
    opt = tg.optim.SGD(model.parameters(), lr=0.2)
    losses = []
    for _ in range(60):
        loss = model(tokens).softmax_cross_entropy(labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    accuracy = np.mean(model(tokens).data.argmax(axis=1) == labels)
    assert losses[-1] < 0.5 * losses[0] and accuracy > 0.9


def test_channel_dropout_layers_follow_train_and_eval():
    x = np.ones((2, 8, 3, 3), dtype=np.float32)
    drop = nn.Dropout2d(0.5)
    tg.manual_seed(0)
    trained = drop(x).data
    tg.manual_seed(0)
    np.testing.assert_array_equal(trained, tg.dropout2d(x, 0.5).data)
    np.testing.assert_array_equal(drop.eval()(x).data, x)
    seq = np.ones((2, 8, 5), dtype=np.float32)
    np.testing.assert_array_equal(nn.Dropout1d(0.3).eval()(seq).data, seq)


def test_group_norm_layer_normalises_each_group_and_reads_like_pytorchs():
    x = np.arange(24.0).reshape(2, 4, 3) ** 2
    norm = nn.GroupNorm(2, 4, dtype=np.float64)
    out = norm(x).data
    for n in range(2):
        for group in (slice(0, 2), slice(2, 4)):
            part = out[n, group]
            assert abs(part.mean()) < 1e-12 and abs(part.var() - 1) < 1e-4
    assert [p.shape for p in norm.parameters()] == [(4,), (4,)]
    assert repr(norm) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert nn.GroupNorm(2, 4, affine=False).parameters() == []
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(6\) must be divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(OpError, match=r"group_norm: input of shape \(2, 6\) must be"):
        tg.group_norm(np.ones((2, 6)), 4)


def test_instance_norm_normalises_each_channel_of_each_sample():
    x = np.arange(48.0).reshape(2, 3, 2, 4) ** 2
    out = nn.InstanceNorm2d(3, dtype=np.float64)(x).data
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(2, 3)), 1, rtol=1e-4)
    np.testing.assert_array_equal(out, tg.group_norm(x, 3).data)
    affine = nn.InstanceNorm1d(4, affine=True)
    assert [p.shape for p in affine.parameters()] == [(4,), (4,)]
    assert repr(nn.InstanceNorm2d(3)) == ("InstanceNorm2d(3, eps=1e-05, momentum=0.1, "
                                          "affine=False, bias=False, track_running_stats=False)")
    with pytest.raises(OpError, match=r"InstanceNorm2d: input of shape \(2, 3, 4\) must be "
                                      r"\(N, C, H, W\) \(or one \(C, H, W\)\) with C = 3"):
        nn.InstanceNorm2d(3)(np.ones((2, 3, 4)))
    # one unbatched (C, H, W) is a batch of one, as in PyTorch
    image = np.arange(24.0).reshape(3, 2, 4)
    np.testing.assert_array_equal(nn.InstanceNorm2d(3, dtype=np.float64)(image).data,
                                  nn.InstanceNorm2d(3, dtype=np.float64)(image[None]).data[0])
    with pytest.raises(ValueError, match="expected more than 1 spatial element when "
                                         "training, got input of shape"):
        nn.InstanceNorm1d(3)(np.ones((2, 3, 1)))  # as PyTorch: no variance to normalise by


def test_instance_norm_running_statistics_are_pytorchs():
    """torch 2.13, float64: InstanceNorm1d(3, track_running_stats=True, affine=True) on
    x = arange(30).reshape(2, 3, 5) ** 1.5 % 7, then on 2x; eval mode then normalises by
    the running statistics."""
    x = np.arange(30.0).reshape(2, 3, 5) ** 1.5 % 7
    norm = nn.InstanceNorm1d(3, track_running_stats=True, affine=True, dtype=np.float64)
    training = norm(x).data
    np.testing.assert_array_equal(training, tg.group_norm(x, 3, norm.weight, norm.bias).data)
    np.testing.assert_allclose(norm.running_mean, [0.2539873767, 0.4377054262, 0.3613271427],
                               rtol=1e-9)
    np.testing.assert_allclose(norm.running_var, [1.5179045304, 1.1396654847, 1.4885675045],
                               rtol=1e-9)
    norm(2 * x)
    np.testing.assert_allclose(norm.running_mean, [0.7365633925, 1.2693457360, 1.0478487137],
                               rtol=1e-9)
    np.testing.assert_allclose(norm.running_var, [3.8377321992, 1.9843608752, 3.6939807720],
                               rtol=1e-9)
    assert norm.num_batches_tracked.item() == 0  # as PyTorch's: instance norm counts none
    norm.eval()
    np.testing.assert_allclose(norm(x).data[0, :, :3],
                               [[-0.3759864827, 0.1344739699, 1.0678137075],
                                [2.0664738351, -0.4063438826, 2.3077777616],
                                [1.3397296464, 0.2263420758, 2.8727577216]], rtol=1e-9)
    assert norm(np.ones((2, 3, 1))).shape == (2, 3, 1)  # eval: one position is fine
    assert repr(norm) == ("InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, "
                          "bias=True, track_running_stats=True)")
    assert set(norm.state_dict()) >= {"running_mean", "running_var", "num_batches_tracked"}
    still = nn.InstanceNorm2d(2, track_running_stats=True, momentum=None)
    still(np.arange(36.0).reshape(2, 2, 3, 3) ** 1.3)  # momentum None: nothing moves
    assert still.running_mean.tolist() == [0.0, 0.0] and still.running_var.tolist() == [1, 1]
    untracked = nn.InstanceNorm2d(2)
    untracked.eval()  # without running statistics, eval mode uses each sample's own
    x4 = np.arange(36.0).reshape(2, 2, 3, 3) ** 1.3
    np.testing.assert_array_equal(untracked(x4).data, tg.group_norm(x4, 2).data)


def test_the_3d_forms_normalise_5d_volumes_as_the_2d_ones_do_images():
    """BatchNorm3d / InstanceNorm3d (matched against torch 2.13, train and eval): a volume
    (N, C, D, H, W) normalised per channel as (N, C, D * H, W) would be by the 2-D forms."""
    volume = np.random.default_rng(0).standard_normal((2, 3, 2, 3, 4))
    flat = volume.reshape(2, 3, 6, 4)
    pairs = ((nn.BatchNorm3d(3, dtype=np.float64), nn.BatchNorm2d(3, dtype=np.float64)),
             (nn.InstanceNorm3d(3, dtype=np.float64), nn.InstanceNorm2d(3, dtype=np.float64)))
    for three_d, two_d in pairs:
        np.testing.assert_allclose(three_d(volume).data.reshape(flat.shape), two_d(flat).data,
                                   rtol=1e-12)
    with pytest.raises(OpError, match=r"BatchNorm3d: input of shape \(2, 3, 4\): expected "
                                      r"\(N, C, D, H, W\)"):
        nn.BatchNorm3d(3)(np.zeros((2, 3, 4)))


# -- RMSNorm, LocalResponseNorm -------------------------------------------------------------------
def test_rms_norm_layer_scales_by_a_learned_weight():
    layer = nn.RMSNorm((3, 4), eps=1e-6, dtype=np.float64)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(layer.weight.data, np.ones((3, 4)))
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    layer.weight.data[...] = 2.0
    expected = tg.rms_norm(x, (3, 4), np.full((3, 4), 2.0), 1e-6).data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-15)
    assert repr(nn.RMSNorm(4)) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    assert nn.RMSNorm(4, elementwise_affine=False).parameters() == []
    with pytest.raises(ValueError, match="RMSNorm: normalized_shape must name at least one"):
        nn.RMSNorm(())


def test_local_response_norm_layer_is_the_function():
    x = np.random.default_rng(1).standard_normal((2, 6, 3, 3))
    layer = nn.LocalResponseNorm(3, alpha=0.2, beta=0.5, k=2.0)
    np.testing.assert_array_equal(layer(x).data, tg.local_response_norm(x, 3, 0.2, 0.5, 2.0).data)
    assert repr(layer) == "LocalResponseNorm(3, alpha=0.2, beta=0.5, k=2.0)"
    assert layer.parameters() == []


def test_embedding_takes_pytorchs_max_norm_scale_grad_by_freq_and_from_pretrained():
    table = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 0.0]])
    emb = nn.Embedding(4, 2, max_norm=1.0, _weight=table.copy())
    emb(np.array([0, 1, 0]))
    # used rows above the norm scaled to it (PyTorch's max_norm / (norm + 1e-7)), the rest kept
    np.testing.assert_allclose(emb.weight.data[0], table[0] / (5.0 + 1e-7))
    np.testing.assert_array_equal(emb.weight.data[1:], table[1:])
    assert "max_norm=1.0" in repr(emb)

    freq = nn.Embedding(4, 2, scale_grad_by_freq=True, _weight=table.copy())
    freq(np.array([[2, 2, 3]])).sum().backward()
    # row 2 is used twice: its summed gradient is divided by 2, PyTorch's rule
    np.testing.assert_array_equal(freq.weight.grad, [[0, 0], [0, 0], [1, 1], [1, 1]])

    pretrained = nn.Embedding.from_pretrained(table, padding_idx=3)
    assert not pretrained.weight.requires_grad and pretrained.weight.data is table
    assert pretrained(np.array([2])).tolist() == [[6.0, 8.0]]
    assert nn.Embedding.from_pretrained(Tensor(table), freeze=False).weight.requires_grad
    assert list(pretrained.state_dict()) == ["weight"]  # frozen, still a parameter
    # PyTorch's fans of an Embedding weight (rows, dim): fan_in dim, fan_out rows
    assert nn.init._calculate_fan_in_and_fan_out(nn.Embedding(1000, 64).weight) == (64, 1000)
    with pytest.raises(ValueError, match="_weight of shape"):
        nn.Embedding(3, 2, _weight=table)
    with pytest.raises(ValueError, match="device 'cuda'"):
        nn.Embedding(3, 2, device="cuda")
