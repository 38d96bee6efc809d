"""ops/normalization.py: dropout, batch_norm, layer_norm, embedding. The op table's rows, then
PyTorch's numbers (embedded), dropout's statistics and seeding, and the errors."""
from __future__ import annotations

import numpy as np
import pytest
from op_table import specs, table_tests

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor

SPECS = specs("normalization")


test_forward_matches_numpy, test_gradcheck = table_tests(SPECS)


# -- dropout -------------------------------------------------------------------------------------
def test_dropout_statistics_and_scaling():
    tg.manual_seed(2024)
    x = Tensor(np.ones(200_000, dtype=np.float32), requires_grad=True)
    out = tg.dropout(x, p=0.3)
    assert out.dtype == np.float32
    dropped = np.mean(out.data == 0)
    assert abs(dropped - 0.3) < 0.005  # 5 standard deviations (0.001)
    kept = out.data[out.data != 0]
    np.testing.assert_array_equal(kept, np.float32(1 / 0.7))  # inverted: scaled up
    assert abs(out.data.mean() - 1.0) < 0.01  # the expectation is unchanged
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # d out / d x is the mask itself


def test_dropout_is_deterministic_under_manual_seed_and_draws_numpys_stream():
    x = Tensor(np.arange(1.0, 51.0), requires_grad=True)
    tg.manual_seed(7)
    first = tg.dropout(x, 0.5).data
    second = tg.dropout(x, 0.5).data
    assert not np.array_equal(first, second)  # a new mask each call
    tg.manual_seed(7)
    np.testing.assert_array_equal(tg.dropout(x, 0.5).data, first)
    keep = np.random.default_rng(7).random(50) >= 0.5
    np.testing.assert_array_equal(first, np.where(keep, x.data * 2, 0.0))


def test_dropout_off_when_not_training_or_p_zero_and_all_off_at_p_one():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    assert tg.dropout(x, 0.5, training=False) is x
    assert tg.dropout(x, 0.0) is x
    out = tg.dropout(x, 1.0)
    np.testing.assert_array_equal(out.data, np.zeros((3, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((3, 4)))
    for bad in (-0.1, 1.5, "0.5", None):
        with pytest.raises(OpError, match="dropout: p must be a probability"):
            tg.dropout(x, bad)


def test_channel_dropout_zeroes_whole_channels_at_rate_p():
    tg.manual_seed(3)
    x = Tensor(np.ones((100, 200, 3, 3), dtype=np.float32), requires_grad=True)
    out = tg.dropout2d(x, p=0.25)
    per_channel = out.data.reshape(100, 200, 9)
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # all or nothing
    dropped = np.mean(per_channel[:, :, 0] == 0)
    assert abs(dropped - 0.25) < 0.015  # 5 standard deviations (0.003)
    np.testing.assert_array_equal(np.unique(out.data), np.float32([0, 1 / 0.75]))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)
    seq = tg.dropout1d(np.ones((4, 50, 7)), p=0.5).data
    assert (seq.min(axis=2) == seq.max(axis=2)).all()
    for call, message in ((lambda: tg.dropout2d(np.ones((2, 3, 4)), 0.5),
                           r"dropout2d: input must be 4-D \(N, C, H, W\), got shape \(2, 3, 4\)"),
                          (lambda: tg.dropout1d(np.ones((2, 3)), 0.5),
                           r"dropout1d: input must be 3-D \(N, C, L\)"),
                          (lambda: tg.dropout2d(np.ones((1, 1, 2, 2)), 2.0),
                           r"dropout2d: p must be a probability")):
        with pytest.raises(OpError, match=message):
            call()


# -- batch_norm ----------------------------------------------------------------------------------
# PyTorch 2.13.0+cpu, float64:
#   xb = torch.arange(24, dtype=torch.float64).reshape(4, 3, 2).sin() * 3
#   bn = torch.nn.BatchNorm1d(3).double(); bn.weight <- [1.5, -0.5, 2.0]; bn.bias <- [.1, .2, -.3]
#   (both copied from float64 tensors)
#   bn(xb); out2 = bn(xb * 2 + 1)                    -> running_mean, running_var, out2
#   bn.eval(); bn(xb)                                -> eval
#   bn.train(); xg = xb.requires_grad_(); gw = torch.linspace(-1, 1, 24).reshape(4, 3, 2)
#   (bn(xg) * gw).sum().backward()                   -> xg.grad, bn.weight.grad, bn.bias.grad
BN_RUNNING_MEAN = [0.15454097066617004, 0.7353599398904664, -0.48334702877457036]
BN_RUNNING_VAR = [2.2194565542110074, 1.229804574708766, 1.38635903444328]
BN_OUT2 = [-0.07782142042389073, 2.3089982607200024, -0.1101063856384514, 1.2207233667704738,
           -0.8103310050274222, -2.005725624459574, -0.8703792416184924, 1.7857110986775042,
           -0.24880783453057342, 0.7512317786545287, 0.4481069666780359, -2.2485989762426657,
           -1.5998023611507115, 1.1139760045279463, -0.25097185481512146, 0.338615036883275,
           1.96284641797939, -2.020352799040289, -2.207985351497419, 0.3473030107650613,
           -0.11642606187686237, 0.015741954552730107, 3.6132240725872107, -1.3391690524746869]
BN_EVAL = [-0.055600358159789975, 2.486117596362712, -0.6983706720608795, 0.34067102864568455,
           -3.335497056323032, -4.365467917908078, -0.8995930820517416, 1.928870483963709,
           -0.806661450116052, -0.025883248714297407, -2.251207047903452, -4.574731429158371,
           -1.676353829420107, 1.2135415619797345, -0.8083510030530451, -0.34803264485904906,
           -0.946083641479866, -4.378070922272119, -2.3240062844470266, 0.3971135222374376,
           -0.7033047420535194, -0.6001149235801646, 0.4759077806202272, -3.791152260482271]
BN_X_GRAD = [-0.8101974539250762, -0.3368795698780904, 0.5597349562355439,
             0.15467174366439423, -1.5065484908185125, -1.0493468338265282,
             -0.4467639358382297, 0.07067627538473795, 0.29542347201820307,
             -0.021439088944884267, -0.7788372667613717, 0.03727327267015017,
             -0.07298525065565405, 0.45390764263109673, -0.005293844006381791,
             -0.21271481891017485, -0.11239839585987847, 1.0112658508200036,
             0.32065967863842626, 0.8215826136427897, -0.3424629558304458,
             -0.4279194642262544, 0.5216143185188553, 1.8769775452572819]
BN_W_GRAD = [-2.079661764956227, 1.8469020560990588, 1.9402588123019926]
BN_B_GRAD = [-1.391304347826087, 0.0, 1.391304347826087]


def _bn_input():
    return np.sin(np.arange(24.0).reshape(4, 3, 2)) * 3


def test_batch_norm_matches_pytorch_running_stats_outputs_and_gradients():
    x = _bn_input()
    mean, var = np.zeros(3), np.ones(3)
    weight = Tensor(np.array([1.5, -0.5, 2.0]), requires_grad=True)
    bias = Tensor(np.array([0.1, 0.2, -0.3]), requires_grad=True)
    tg.batch_norm(x, mean, var, weight, bias, training=True)
    out2 = tg.batch_norm(x * 2 + 1, mean, var, weight, bias, training=True)
    np.testing.assert_allclose(mean, BN_RUNNING_MEAN, rtol=1e-13)  # updated in place
    np.testing.assert_allclose(var, BN_RUNNING_VAR, rtol=1e-13)  # unbiased, as PyTorch
    np.testing.assert_allclose(out2.data.ravel(), BN_OUT2, rtol=1e-12, atol=1e-14)
    before = mean.copy(), var.copy()
    evaluated = tg.batch_norm(x, mean, var, weight, bias)  # training=False by default
    np.testing.assert_allclose(evaluated.data.ravel(), BN_EVAL, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(mean, before[0])  # not training: the stats stay
    np.testing.assert_array_equal(var, before[1])
    xt = Tensor(x, requires_grad=True)
    upstream = np.linspace(-1, 1, 24).reshape(4, 3, 2)
    (tg.batch_norm(xt, mean, var, weight, bias, training=True) * upstream).sum().backward()
    np.testing.assert_allclose(xt.grad.ravel(), BN_X_GRAD, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(weight.grad, BN_W_GRAD, rtol=1e-12)
    np.testing.assert_allclose(bias.grad, BN_B_GRAD, rtol=1e-12, atol=1e-15)


def test_batch_norm_running_stats_as_tensors_in_float32_and_4d_input(rng):
    x = rng.standard_normal((5, 2, 3, 3)).astype(np.float32)
    mean = Tensor(np.zeros(2, dtype=np.float32))
    var = Tensor(np.ones(2, dtype=np.float32))
    t = Tensor(x, requires_grad=True)
    out = tg.batch_norm(t, mean, var, training=True, momentum=0.5)
    assert out.dtype == np.float32 and mean.dtype == np.float32
    axes = (0, 2, 3)
    np.testing.assert_allclose(mean.data, 0.5 * x.mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(var.data, 0.5 + 0.5 * x.var(axis=axes, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(out.data.mean(axis=axes), 0, atol=1e-6)
    out.sum().backward()
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize("call, message", [
    (lambda: tg.batch_norm(np.ones((4, 3)), np.zeros(2), np.ones(2), training=True),
     r"batch_norm: input of shape \(4, 3\) has 3 channels .* running_mean has shape \(2,\)"),
    (lambda: tg.batch_norm(np.ones((1, 3)), None, None, training=True),
     r"batch_norm: .*more than one value per channel"),
    (lambda: tg.batch_norm(np.ones((2, 3)), None, None),
     r"batch_norm: .*running_mean and running_var are needed"),
    (lambda: tg.batch_norm(np.ones(3), None, None, training=True), r"batch_norm: .*\(N, C\)"),
    (lambda: tg.batch_norm(np.ones((2, 3)), [0.0] * 3, [1.0] * 3, training=True),
     r"batch_norm: running_mean must be a float array"),
    (lambda: tg.layer_norm(np.ones((2, 3)), 4), r"layer_norm: input of shape \(2, 3\)"),
    (lambda: tg.layer_norm(np.ones((2, 3)), 3, weight=Tensor(np.ones(2))),
     r"layer_norm: weight has shape \(2,\)"),
])
def test_bad_normalisation_input_is_refused(call, message):
    with pytest.raises(OpError, match=message):
        call()


# -- layer_norm ----------------------------------------------------------------------------------
# PyTorch 2.13.0+cpu: ln = torch.nn.LayerNorm((3, 2)).double(), weight <- LN_WEIGHT,
# bias <- LN_BIAS (from float64 tensors); on xb (above) with upstream gradient gw:
# ln(xb), xb.grad, ln.weight.grad
LN_WEIGHT = [[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]]
LN_BIAS = [[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]]
LN_OUT = [-0.041234535673574386, 2.3811099752401605, 0.817906336649584, 0.1430409555463394,
          -2.9123385438329077, 0.1530051695612421, -0.4547306889808393, 1.8636489440455513,
          0.87811431129529, -0.2323167745173676, -2.0972309562275355, 0.12919278464815692,
          -0.8431410710827327, 1.1836855064383591, 0.8838081858078735, -0.5749673276033194,
          -1.049495359161638, 0.13546993459125822, -1.1664020694035628, 0.3944810948188112,
          0.8299740576234078, -0.8487024277528115, 0.1473467709208221, 0.1736821805052306]
LN_X_GRAD = [-0.10965938521088708, -0.4890474405423482, 0.17305242765655304,
             0.7057355441294362, -0.5640508893183902, 0.2839697432856363,
             -0.10882938874647474, -0.23016016177265416, 0.07811695202195412,
             0.23947902773890423, -0.07408981673152873, 0.0954833874897991,
             -0.14294638498281387, 0.04599004457073669, 0.02266655583297053,
             -0.20653441532654254, 0.42437129919033023, -0.14354709928468112,
             -0.22433933387476176, 0.2953572747351981, -0.023120040859488655,
             -0.617873566718436, 0.9644913920090509, -0.3945157252915625]
LN_W_GRAD = [-0.43721461191511335, -1.21973645727948, -0.20508005798015883,
             0.9834882518359821, 0.5626897823631702, -1.1536348794469842]


def test_layer_norm_matches_pytorch():
    x = Tensor(_bn_input(), requires_grad=True)
    weight = Tensor(np.array(LN_WEIGHT), requires_grad=True)
    bias = Tensor(np.array(LN_BIAS), requires_grad=True)
    out = tg.layer_norm(x, (3, 2), weight, bias)
    np.testing.assert_allclose(out.data.ravel(), LN_OUT, rtol=1e-12, atol=1e-14)
    (out * np.linspace(-1, 1, 24).reshape(4, 3, 2)).sum().backward()
    np.testing.assert_allclose(x.grad.ravel(), LN_X_GRAD, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(weight.grad.ravel(), LN_W_GRAD, rtol=1e-12)
    plain = tg.layer_norm(Tensor(np.array([[1.0, 3.0]], dtype=np.float32)), 2)
    assert plain.dtype == np.float32


# -- embedding -----------------------------------------------------------------------------------
def test_embedding_picks_rows_and_adds_the_gradients_of_repeated_indices():
    weight = Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    indices = np.array([[0, 2], [2, 2]])
    out = tg.embedding(indices, weight)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out.data, weight.data[indices])
    upstream = np.array([[[1.0, 10.0], [2.0, 20.0]], [[3.0, 30.0], [4.0, 40.0]]])
    (out * upstream).sum().backward()
    np.testing.assert_array_equal(weight.grad, [[1, 10], [0, 0], [9, 90], [0, 0]])
    weight.zero_grad()
    tg.embedding(Tensor(np.array([3, 3, 3])), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad[3], [3, 3])


@pytest.mark.parametrize("indices, message", [
    (np.array([0.0, 1.0]), "indices must be integers"),
    (np.array([0, 4]), r"indices must be in \[0, 4\), got values from 0 to 4"),
    (np.array([-1]), r"indices must be in \[0, 4\)"),
])
def test_embedding_bad_indices(indices, message):
    with pytest.raises(OpError, match="embedding: weight \\(4, 2\\).*" + message):
        tg.embedding(indices, Tensor(np.zeros((4, 2))))
    with pytest.raises(OpError, match="embedding: weight of shape \\(4,\\)"):
        tg.embedding([0], Tensor(np.zeros(4)))
