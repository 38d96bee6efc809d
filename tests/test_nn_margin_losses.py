"""nn/margin_losses.py: pairwise_distance and PyTorch's margin, ranking and embedding losses
(matched against torch 2.13 on 522 random cases, gradients too). Here: each one's formula
written out in numpy, gradchecks, the modules, bad reductions."""
from __future__ import annotations

import numpy as np
import pytest
from jit_checks import check_jit_matches_eager

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, gradcheck, nn

RNG = np.random.default_rng(0)
A, B, C = (RNG.standard_normal((4, 3)) for _ in range(3))
SIGNS = np.array([1.0, -1.0, -1.0, 1.0])


def test_pairwise_distance_is_the_p_norm_of_the_difference_plus_eps():
    diff = A - B + 1e-6
    np.testing.assert_allclose(tg.pairwise_distance(A, B).data,
                               np.sqrt((diff ** 2).sum(-1)), rtol=1e-14)
    np.testing.assert_allclose(tg.pairwise_distance(A, B, p=1, keepdim=True).data,
                               np.abs(diff).sum(-1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tg.pairwise_distance(A, B, p=np.inf).data,
                               np.abs(diff).max(-1), rtol=1e-14)
    with pytest.raises(OpError, match="pairwise_distance: p must be positive"):
        tg.pairwise_distance(A, B, p=0)


def test_each_loss_is_pytorchs_formula():
    col1, col2 = A[:, 0], B[:, 0]
    np.testing.assert_allclose(
        tg.margin_ranking_loss(col1, col2, SIGNS, margin=0.3, reduction="none").data,
        np.maximum(0, -SIGNS * (col1 - col2) + 0.3), rtol=1e-14)
    signs = np.where(A > 0, 1.0, -1.0)
    np.testing.assert_allclose(tg.hinge_embedding_loss(B, signs, margin=0.8).item(),
                               np.where(signs == 1, B, np.maximum(0, 0.8 - B)).mean(),
                               rtol=1e-14)
    np.testing.assert_allclose(tg.soft_margin_loss(B, signs, "sum").item(),
                               np.log1p(np.exp(-signs * B)).sum(), rtol=1e-14)
    cos = (A * B).sum(1) / np.sqrt(((A * A).sum(1) + 1e-12) * ((B * B).sum(1) + 1e-12))
    np.testing.assert_allclose(
        tg.cosine_embedding_loss(A, B, SIGNS, margin=0.1, reduction="none").data,
        np.where(SIGNS == 1, 1 - cos, np.maximum(0, cos - 0.1)), rtol=1e-14)
    near = np.sqrt(((A - B + 1e-6) ** 2).sum(1))
    far = np.minimum(np.sqrt(((A - C + 1e-6) ** 2).sum(1)), np.sqrt(((B - C + 1e-6) ** 2).sum(1)))
    np.testing.assert_allclose(tg.triplet_margin_loss(A, B, C, swap=True).item(),
                               np.maximum(0, 1.0 + near - far).mean(), rtol=1e-14)
    labels = (A > 0) * 1.0
    per = -(labels * np.log(1 / (1 + np.exp(-B))) + (1 - labels) * np.log(1 / (1 + np.exp(B))))
    np.testing.assert_allclose(tg.multilabel_soft_margin_loss(B, labels, None, "none").data,
                               per.mean(-1), rtol=1e-13)
    counts = np.array([[0.0, 1.0, 3.0], [2.0, 5.0, 0.0], [1.0, 1.0, 4.0], [7.0, 0.0, 2.0]])
    stirling = np.where(counts > 1, counts * np.log(np.maximum(counts, 1)) - counts
                        + 0.5 * np.log(2 * np.pi * np.maximum(counts, 1)), 0)
    np.testing.assert_allclose(tg.poisson_nll_loss(A, counts, full=True, reduction="none").data,
                               np.exp(A) - counts * A + stirling, rtol=1e-14)
    rate = np.abs(A) + 0.1
    np.testing.assert_allclose(tg.poisson_nll_loss(rate, counts, log_input=False).item(),
                               (rate - counts * np.log(rate + 1e-8)).mean(), rtol=1e-14)


@pytest.mark.parametrize("loss", [
    lambda a, b: tg.margin_ranking_loss(a[:, 0], b[:, 0], SIGNS, margin=0.2),
    lambda a, b: tg.hinge_embedding_loss(a, np.where(B > 0, 1.0, -1.0), margin=2.5) + 0 * b.sum(),
    lambda a, b: tg.soft_margin_loss(a, np.where(B > 0, 1.0, -1.0)) + 0 * b.sum(),
    lambda a, b: tg.cosine_embedding_loss(a, b, SIGNS, margin=-1.0),
    lambda a, b: tg.triplet_margin_loss(a, b, C, margin=5.0),
    lambda a, b: tg.multilabel_soft_margin_loss(a, (B > 0) * 1.0, np.array([1.0, 2.0, 0.5])),
    lambda a, b: tg.poisson_nll_loss(a, np.abs(B).round(), full=True),
])
def test_gradcheck(loss):
    gradcheck(loss, Tensor(A, requires_grad=True), Tensor(B, requires_grad=True))


def test_modules_equal_the_functions():
    labels = (A > 0) * 1.0
    pairs = [
        (nn.MarginRankingLoss(0.3)(A[:, 0], B[:, 0], SIGNS),
         tg.margin_ranking_loss(A[:, 0], B[:, 0], SIGNS, 0.3)),
        (nn.HingeEmbeddingLoss(reduction="sum")(A, np.sign(B)),
         tg.hinge_embedding_loss(A, np.sign(B), reduction="sum")),
        (nn.SoftMarginLoss()(A, np.sign(B)), tg.soft_margin_loss(A, np.sign(B))),
        (nn.CosineEmbeddingLoss(0.2)(A, B, SIGNS), tg.cosine_embedding_loss(A, B, SIGNS, 0.2)),
        (nn.TripletMarginLoss(p=1.0, swap=True)(A, B, C),
         tg.triplet_margin_loss(A, B, C, p=1.0, swap=True)),
        (nn.MultiLabelSoftMarginLoss(np.ones(3))(A, labels),
         tg.multilabel_soft_margin_loss(A, labels)),
        (nn.PoissonNLLLoss(log_input=False)(np.abs(A), labels),
         tg.poisson_nll_loss(np.abs(A), labels, log_input=False)),
        (nn.PairwiseDistance(p=3.0)(A, B), tg.pairwise_distance(A, B, p=3.0)),
        (nn.CosineSimilarity(axis=0)(A, B), tg.cosine_similarity(A, B, axis=0)),
    ]
    for got, expected in pairs:
        np.testing.assert_allclose(got.data, expected.data, rtol=1e-15)
    assert repr(nn.SoftMarginLoss()) == "SoftMarginLoss(reduction='mean')"
    with pytest.raises(ValueError, match="TripletMarginLoss: reduction must be"):
        nn.TripletMarginLoss(reduction="avg")
    with pytest.raises(OpError, match="soft_margin_loss: reduction must be"):
        tg.soft_margin_loss(A, np.sign(B), "avg")
    with pytest.raises(OpError, match=r"margin_ranking_loss: target \(3,\) does not broadcast"):
        tg.margin_ranking_loss(A[:, 0], B[:, 0], np.ones(3))


@pytest.mark.parametrize("loss", [
    lambda h, y, t: tg.margin_ranking_loss(h[:, 0], h[:, 1], np.where(y > 0, 1, -1)),
    lambda h, y, t: tg.hinge_embedding_loss(h, np.where(t > 0.5, 1.0, -1.0)),
    lambda h, y, t: tg.cosine_embedding_loss(h, t, np.where(y > 0, 1, -1)),
    lambda h, y, t: tg.triplet_margin_loss(h, t, h[::-1], swap=True),
    lambda h, y, t: tg.multilabel_soft_margin_loss(h, t > 0.5),
    lambda h, y, t: tg.poisson_nll_loss(h, np.round(t * 3), full=True),
    lambda h, y, t: tg.kl_div(tg.log_softmax(h, 1), t / t.sum(1, keepdims=True), "batchmean"),
])
def test_a_jitted_step_replays_with_the_targets_of_each_call(loss):
    _check_jitted_step(loss, lambda data: (data.standard_normal((5, 3)), data.integers(0, 2, 5),
                                           data.random((5, 4)) + 0.01))


def _check_jitted_step(loss, draw):
    """A jitted SGD step on loss(layer(x), *targets) equals eager's bit for bit over five
    calls with new inputs `draw(rng)` = (x, *targets), and replays all but the first."""
    def make():
        tg.manual_seed(0)
        layer = nn.Linear(3, 4, dtype=np.float64)
        opt = tg.optim.SGD(layer.parameters(), lr=0.1)

        def step(x, *targets):
            opt.zero_grad()
            out = loss(layer(x), *targets)
            out.backward()
            opt.step()
            return out
        return step, layer
    data = np.random.default_rng(1)
    assert check_jit_matches_eager(make, [draw(data) for _ in range(5)]).recordings == 1


# -- multi-class margins, triplets with any distance, pdist -------------------------------------
SCORES = RNG.standard_normal((4, 5))
CLASSES = np.array([3, 0, 4, 3])
LISTS = np.array([[3, 0, -1, 1, 2], [4, 4, 1, -1, -1], [-1, 2, 2, 0, 0], [0, 1, 2, 3, 4]])


def test_multi_margin_loss_is_the_hinge_over_the_other_classes():
    weight = np.array([0.5, 1.0, 1.5, 2.0, 2.5])
    for p in (1, 2):
        expected = []
        for row, y in zip(SCORES, CLASSES):
            terms = [max(0.0, 0.7 - row[y] + row[i]) ** p * weight[y] for i in range(5) if i != y]
            expected.append(sum(terms) / 5)
        np.testing.assert_allclose(
            tg.multi_margin_loss(SCORES, CLASSES, p, 0.7, weight, "none").data, expected,
            rtol=1e-14)
    # PyTorch's documented example, and one unbatched row
    assert round(tg.multi_margin_loss(Tensor([[0.1, 0.2, 0.4, 0.8]]), [3]).item(), 6) == 0.325
    assert tg.multi_margin_loss(SCORES[0], CLASSES[0], reduction="none").shape == ()
    with pytest.raises(OpError, match="multi_margin_loss: p must be 1 or 2"):
        tg.multi_margin_loss(SCORES, CLASSES, p=3)
    with pytest.raises(OpError, match=r"gather: index values must be in \[0, 5\)"):
        tg.multi_margin_loss(SCORES, np.array([0, 1, 5, 2]))
    with pytest.raises(OpError, match="must be 4 integer class indices"):
        tg.multi_margin_loss(SCORES, CLASSES[:3])
    with pytest.raises(OpError, match=r"weight of shape \(4,\) must be \(5,\)"):
        tg.multi_margin_loss(SCORES, CLASSES, weight=np.ones(4))


def _loss_and_grads(loss, *inputs):
    tensors = [Tensor(np.array(x), requires_grad=True) for x in inputs]
    out = loss(*tensors)
    out.backward()
    return out.item(), [t.grad.tolist() for t in tensors]


def test_the_multiclass_hinges_pass_no_gradient_exactly_at_the_hinge():
    """torch 2.13, float64: a term margin - x[y] + x[i] of exactly 0 counts for nothing, its
    gradient too (PyTorch's strict > 0): F.multi_margin_loss(x, [0]) (p 1 and 2), with class
    weights, and F.multilabel_margin_loss(x, [[0, -1, 1]]), each then backward."""
    row = [[1.0, 0.0, 0.5]]  # 1 - x[0] + x[1] == 0, 1 - x[0] + x[2] == 0.5
    third = [[[-1 / 3, 0.0, 1 / 3]]]
    assert _loss_and_grads(lambda x: tg.multi_margin_loss(x, [0]), row) == (1 / 6, third)
    loss, grads = _loss_and_grads(lambda x: tg.multi_margin_loss(x, [0], p=2), row)
    assert (round(loss, 15), grads) == (0.083333333333333, third)
    loss, grads = _loss_and_grads(
        lambda x: tg.multi_margin_loss(x, [0, 2], weight=np.array([2.0, 1.0, 4.0]),
                                       reduction="sum"), row + [[0.5, -0.5, 0.5]])
    np.testing.assert_allclose(loss, 1.6666666666666665, rtol=1e-15)
    np.testing.assert_allclose(grads, [[[-2 / 3, 0.0, 2 / 3], [4 / 3, 0.0, -4 / 3]]],
                               rtol=1e-15)
    assert _loss_and_grads(lambda x: tg.multilabel_margin_loss(x, [[0, -1, 1]]), row) == (
        1 / 6, third)


def test_the_clamped_hinges_still_pass_the_gradient_at_the_hinge():
    """torch 2.13, float64: the other losses clamp (PyTorch's clamp_min, whose gradient at 0
    passes): F.margin_ranking_loss([.5, 0], [0, .5], [1, -1], margin=.5) and
    F.hinge_embedding_loss([.5, 0], [-1, -1], margin=.5), then backward."""
    assert _loss_and_grads(lambda a, b: tg.margin_ranking_loss(a, b, np.array([1.0, -1.0]),
                                                               margin=0.5),
                           [0.5, 0.0], [0.0, 0.5]) == (0.0, [[-0.5, 0.5], [0.5, -0.5]])
    assert _loss_and_grads(lambda a: tg.hinge_embedding_loss(a, np.array([-1.0, -1.0]),
                                                             margin=0.5),
                           [0.5, 0.0]) == (0.25, [[-0.5, -0.5]])


def test_multilabel_margin_loss_counts_each_listed_class_against_each_other_class():
    expected = []
    for row, listed in zip(SCORES, LISTS):
        classes = []
        for c in listed:  # PyTorch's loop: up to the first -1, a repeat counts again
            if c == -1:
                break
            classes.append(c)
        others = [i for i in range(5) if i not in classes]
        expected.append(sum(max(0.0, 1 - (row[j] - row[i])) for j in classes for i in others) / 5)
    np.testing.assert_allclose(tg.multilabel_margin_loss(SCORES, LISTS, "none").data, expected,
                               rtol=1e-14)
    assert expected[2] == 0.0 and expected[3] == 0.0  # nothing listed; everything listed
    assert round(tg.multilabel_margin_loss(Tensor([[0.1, 0.2, 0.4, 0.8]]),
                                           [[3, 0, -1, 1]]).item(), 6) == 0.85
    with pytest.raises(OpError, match=r"listed classes .* must be in \[0, 5\), got 0 to 7"):
        tg.multilabel_margin_loss(SCORES, np.where(LISTS == 4, 7, LISTS))
    with pytest.raises(OpError, match="of the input's shape"):
        tg.multilabel_margin_loss(SCORES, LISTS[:, :4])


def test_triplet_margin_with_distance_loss_takes_any_distance():
    def cosine_distance(u, v):
        return 1.0 - tg.cosine_similarity(u, v)
    near = 1 - (A * B).sum(1) / np.maximum(np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1),
                                           1e-8)
    far = 1 - (A * C).sum(1) / np.maximum(np.linalg.norm(A, axis=1) * np.linalg.norm(C, axis=1),
                                          1e-8)
    np.testing.assert_allclose(
        tg.triplet_margin_with_distance_loss(A, B, C, distance_function=cosine_distance,
                                             margin=0.5, reduction="none").data,
        np.maximum(0, 0.5 + near - far), rtol=1e-13)
    np.testing.assert_allclose(tg.triplet_margin_with_distance_loss(A, B, C, swap=True).item(),
                               tg.triplet_margin_loss(A, B, C, swap=True).item(), rtol=1e-15)
    with pytest.raises(OpError, match="margin must be greater than 0"):
        tg.triplet_margin_with_distance_loss(A, B, C, margin=0.0)
    with pytest.raises(OpError, match="the same number of axes"):
        tg.triplet_margin_with_distance_loss(A, B, C[0])


def test_pdist_is_the_distance_of_every_pair_of_rows():
    rows = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [0.0, 0.0]])
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    for p in (0.5, 1.0, 2.0, 3.0, np.inf):
        expected = [np.linalg.norm(rows[i] - rows[j], p) for i, j in pairs]
        np.testing.assert_allclose(tg.pdist(rows, p).data, expected, rtol=1e-15)
    np.testing.assert_array_equal(tg.pdist(rows, 0).data, [2, 1, 0, 2, 2, 1])
    # rows 0 and 3 are equal: the gradient is 0 there, not NaN (as PyTorch's)
    x = Tensor(rows, requires_grad=True)
    tg.pdist(x).sum().backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad[0], [-3 / 5, -4 / 5 - 1], rtol=1e-15)  # (0, 3) adds 0
    np.testing.assert_allclose(x.grad[1], [6 / 5 + 3 / np.sqrt(18), 8 / 5 + 3 / np.sqrt(18)],
                               rtol=1e-15)
    with pytest.raises(OpError, match=r"pdist: input of shape \(4,\) must be 2-D"):
        tg.pdist(rows[:, 0])


@pytest.mark.parametrize("loss", [
    lambda a, b: tg.multi_margin_loss(a[:, :5] + b[:, 1:], CLASSES, p=2, margin=3.0,
                                      weight=np.arange(1.0, 6.0)),
    lambda a, b: tg.multi_margin_loss(a[:, :5] * b[:, 1:], CLASSES, margin=3.0),
    lambda a, b: tg.multilabel_margin_loss(a[:, :5] - b[:, 1:], LISTS, "sum"),
    lambda a, b: tg.triplet_margin_with_distance_loss(
        a, b, b[::-1], distance_function=lambda u, v: ((u - v) ** 2).sum(-1), margin=9.0),
    lambda a, b: tg.pdist(a, 3.0).sum() + tg.pdist(b).sum() + tg.pdist(a, np.inf).sum(),
])
def test_gradcheck_multiclass(loss):
    wide = np.random.default_rng(3).standard_normal((4, 6))
    gradcheck(loss, Tensor(wide, requires_grad=True), Tensor(wide[::-1] * 0.5, requires_grad=True))


def test_the_new_modules_equal_the_functions():
    weight = np.arange(1.0, 6.0)
    pairs = [
        (nn.MultiMarginLoss(p=2, margin=0.5, weight=weight)(SCORES, CLASSES),
         tg.multi_margin_loss(SCORES, CLASSES, 2, 0.5, weight)),
        (nn.MultiLabelMarginLoss(reduction="sum")(SCORES, LISTS),
         tg.multilabel_margin_loss(SCORES, LISTS, "sum")),
        (nn.TripletMarginWithDistanceLoss(margin=2.0, swap=True)(A, B, C),
         tg.triplet_margin_with_distance_loss(A, B, C, margin=2.0, swap=True)),
    ]
    for got, expected in pairs:
        np.testing.assert_allclose(got.data, expected.data, rtol=1e-15)
    assert "weight" in nn.MultiMarginLoss(weight=weight).state_dict()
    with pytest.raises(OpError, match="MultiMarginLoss: p must be 1 or 2"):
        nn.MultiMarginLoss(p=0)


@pytest.mark.parametrize("loss", [
    lambda h, labels, lists: tg.multi_margin_loss(h, labels, p=2),
    lambda h, labels, lists: tg.multilabel_margin_loss(h, lists),
    lambda h, labels, lists: tg.pdist(h).mean(),
])
def test_a_jitted_step_replays_with_the_labels_of_each_call(loss):
    _check_jitted_step(loss, lambda data: (data.standard_normal((5, 3)), data.integers(0, 4, 5),
                                           data.integers(-1, 4, (5, 4))))
