"""End to end on real images: the two-layer net trained through the engine reaches the
accuracy that a hand-written numpy implementation of the same maths reaches.

Thresholds (measured on the offline data, seed 0):
- MNIST offline split (train on the first 8,000 test images, evaluate on the last 2,000),
  784-100-10 ReLU, plain SGD lr 0.1, batch 32, 10 epochs: the numpy reference and the engine
  both reach ~0.958; required: >= 0.93 each, and within 0.01 of each other.
- Fashion-MNIST, one epoch over all 60,000 training images (SGD, momentum 0.9, lr 0.05 decayed
  to 0 along a cosine, as examples/mnist_two_layer.py does): ~0.85; required: >= 0.80.
Each training takes about a second.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from real_data import fashion_mnist, mnist_offline_split

from tinygrad_np import Tensor, relu
from tinygrad_np.nn import init

HIDDEN = 100
LAM = 1e-4
MNIST_MIN_ACCURACY = 0.93
FASHION_MIN_ACCURACY = 0.80


def initial_params(seed: int = 0) -> list[np.ndarray]:
    """W1, b1, W2, b2 as float32 arrays: Glorot-uniform weights, zero biases."""
    rng = np.random.default_rng(seed)
    return [init.glorot_uniform((784, HIDDEN), rng), np.zeros(HIDDEN, np.float32),
            init.glorot_uniform((HIDDEN, 10), rng), np.zeros(10, np.float32)]


def minibatches(n: int, batch_size: int, epochs: int, seed: int = 0) -> Iterator[np.ndarray]:
    """Index arrays of shuffled minibatches: the same ones for both implementations."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]


def accuracy(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    W1, b1, W2, b2 = params
    return float(((np.maximum(x @ W1 + b1, 0) @ W2 + b2).argmax(axis=1) == y).mean())


# -- the reference: forward and backward written out in numpy -----------------------------------
def numpy_gradients(params: list[np.ndarray], x: np.ndarray,
                    y: np.ndarray) -> list[np.ndarray]:
    """d/dparams of mean softmax cross-entropy + LAM * 0.5 * (|W1|^2 + |W2|^2), by hand."""
    W1, b1, W2, b2 = params
    n = len(y)
    z = x @ W1 + b1
    h = np.maximum(z, 0)
    logits = h @ W2 + b2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1          # d loss / d logits = (softmax - onehot) / n
    d_logits = p / n
    d_h = d_logits @ W2.T
    d_z = d_h * (z > 0)
    return [x.T @ d_z + LAM * W1, d_z.sum(axis=0), h.T @ d_logits + LAM * W2,
            d_logits.sum(axis=0)]


def train_numpy(x: np.ndarray, y: np.ndarray, lr: float, batch_size: int,
                epochs: int) -> list[np.ndarray]:
    params = initial_params()
    for idx in minibatches(len(x), batch_size, epochs):
        for p, g in zip(params, numpy_gradients(params, x[idx], y[idx])):
            p -= lr * g
    return params


# -- the same network through the engine: plain expressions, loss.backward() --------------------
def engine_loss(x: np.ndarray, y: np.ndarray, W1: Tensor, b1: Tensor, W2: Tensor,
                b2: Tensor) -> Tensor:
    logits = relu(x @ W1 + b1) @ W2 + b2
    return logits.softmax_cross_entropy(y) + LAM * (W1.l2() + W2.l2())


def train_engine(x: np.ndarray, y: np.ndarray, lr: float, batch_size: int, epochs: int,
                 momentum: float = 0.0, cosine: bool = False) -> list[np.ndarray]:
    params = [Tensor(a, requires_grad=True) for a in initial_params()]
    velocity = [np.zeros_like(p.data) for p in params]
    total = epochs * -(-len(x) // batch_size)
    for step, idx in enumerate(minibatches(len(x), batch_size, epochs)):
        rate = 0.5 * lr * (1 + np.cos(np.pi * step / total)) if cosine else lr
        loss = engine_loss(x[idx], y[idx], *params)
        for p in params:
            p.grad = None
        loss.backward()
        for p, v in zip(params, velocity):
            v *= momentum
            v += p.grad
            p.data -= float(rate) * v
    return [p.data for p in params]


def test_engine_gradients_equal_the_hand_written_ones() -> None:
    data = mnist_offline_split()
    x, y = data.x_train[:64], data.y_train[:64]
    arrays = initial_params()
    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    engine_loss(x, y, *params).backward()
    for name, p, expected in zip(("W1", "b1", "W2", "b2"), params,
                                 numpy_gradients(arrays, x, y)):
        assert p.grad.dtype == np.float32, name
        np.testing.assert_allclose(p.grad, expected, rtol=1e-4, atol=1e-6, err_msg=name)
    # and the gradients are not trivially zero, so the comparison means something
    assert all(np.abs(g).max() > 1e-4 for g in numpy_gradients(arrays, x, y))


def test_two_layer_net_on_real_digits_matches_numpy_reference() -> None:
    data = mnist_offline_split()
    settings = {"lr": 0.1, "batch_size": 32, "epochs": 10}
    untrained = accuracy(initial_params(), data.x_test, data.y_test)
    reference = accuracy(train_numpy(data.x_train, data.y_train, **settings),
                         data.x_test, data.y_test)
    engine = accuracy(train_engine(data.x_train, data.y_train, **settings),
                      data.x_test, data.y_test)
    assert untrained < 0.3  # training, not the initial weights, gets the accuracy
    assert reference >= MNIST_MIN_ACCURACY, f"numpy reference: {reference:.4f}"
    assert engine >= MNIST_MIN_ACCURACY, f"engine: {engine:.4f} (numpy reference {reference:.4f})"
    assert abs(engine - reference) <= 0.01, f"engine {engine:.4f} vs numpy {reference:.4f}"


def test_one_fashion_mnist_epoch() -> None:
    data = fashion_mnist()
    assert data.x_train.shape == (60000, 784)
    params = train_engine(data.x_train, data.y_train, lr=0.05, batch_size=32, epochs=1,
                          momentum=0.9, cosine=True)
    result = accuracy(params, data.x_test, data.y_test)
    assert result >= FASHION_MIN_ACCURACY, f"Fashion-MNIST after one epoch: {result:.4f}"
