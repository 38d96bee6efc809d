"""sampling.py: affine_grid and grid_sample, against PyTorch's numbers (torch 2.13, float64,
embedded) and gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import OpError, Tensor, jit

IMAGE = np.arange(12.0).reshape(1, 1, 3, 4) ** 1.3
POINTS = np.array([[[[-1.3, -0.2], [0.35, 0.9], [1.25, 1.4]]]])
# F.grid_sample(IMAGE, POINTS, "bilinear" or "bicubic", padding_mode, align_corners), and the
# gradient of its sum with respect to the grid
BILINEAR = {
    ("zeros", False): ([0.0, 13.3113491094, 0.0],
                       [0.0, 0.0, 3.4214406207, -30.7184979447, 0.0, 0.0]),
    ("zeros", True): ([2.6676611571, 19.0493372683, 8.4691877063],
                      [7.2754395192, 3.3345764463, 3.8948710779, 9.6908281637, -20.3260504952,
                       -14.1153128439]),
    ("border", False): ([4.2440063862, 20.4789986298, 22.5845005502],
                        [0.0, 9.0942993991, 5.2637548011, 0.0, 0.0, 0.0]),
    ("border", True): ([4.8502930128, 19.0493372683, 22.5845005502],
                       [0.0, 6.062866266, 3.8948710779, 9.6908281637, 0.0, 0.0]),
    ("reflection", False): ([4.4168355564, 20.4789986298, 21.581003469],
                            [-3.4565834044, 9.2503619067, 5.2637548011, 0.0, 0.0,
                             -15.0524562189]),
    ("reflection", True): ([5.6748430311, 19.0493372683, 17.6365032229],
                           [-2.7485000609, 6.5310537889, 3.8948710779, 9.6908281637,
                            -3.7360360092, -9.9026082553]),
}


BICUBIC = {
    ("zeros", False): ([-0.2061786587, 15.255267341, 0.0],
                       [3.2072235803, -0.6308036824, 11.1868440827, -35.0731652813,
                        2.0580126126, 0.0]),
    ("zeros", True): ([2.1173714927, 20.5350838442, 9.7154199529],
                      [6.5723780085, 4.4275556363, 7.2411464457, -1.8922072629, -24.7739118446,
                       -16.9373555995]),
    ("border", False): ([3.3938873866, 21.7458172463, 22.5845005502],
                        [0.0, 10.3835997109, 6.5351226957, -0.357626749, 0.0, 0.0]),
    ("border", True): ([3.9592906525, 19.3065262643, 23.9616121191],
                       [-0.3932889276, 8.0143099703, 5.6395523446, 7.5821130929,
                        -0.2346677769, -0.9066374015]),
    ("reflection", False): ([3.520500257, 22.3299409363, 21.8181868886],
                            [-2.5222570862, 10.5148557051, 6.5879418768, 3.3011699905,
                             -3.910172755, -11.7190619779]),
    ("reflection", True): ([4.4450749961, 19.896739794, 19.8977349994],
                           [-2.7456847879, 9.7866509271, 5.8309772004, 3.0009392612,
                            -3.5579635339, -9.9787603297]),
}


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode, align_corners", list(BILINEAR))
def test_sampling_and_its_grid_gradient_are_pytorchs(mode, padding_mode, align_corners):
    grid = Tensor(POINTS, requires_grad=True)
    out = tg.grid_sample(IMAGE, grid, mode=mode, padding_mode=padding_mode,
                         align_corners=align_corners)
    table = BILINEAR if mode == "bilinear" else BICUBIC
    values, grid_grad = table[padding_mode, align_corners]
    np.testing.assert_allclose(out.data.ravel(), values, atol=1e-9)
    out.sum().backward()
    np.testing.assert_allclose(grid.grad.ravel(), grid_grad, atol=1e-9)


def test_nearest_takes_the_nearest_pixel():
    out = tg.grid_sample(IMAGE, POINTS, mode="nearest", padding_mode="reflection")
    np.testing.assert_allclose(out.data.ravel(), [6.062866266041593, 19.952623149688797,
                                                  22.584500550247288], rtol=1e-14)


def test_affine_grid_is_pytorchs():
    theta = Tensor([[[0.9, 0.2, 0.1], [-0.1, 1.1, -0.2]]])
    np.testing.assert_allclose(
        tg.affine_grid(theta, (1, 1, 2, 3)).data[0],
        [[[-0.6, -0.6833333333333333], [0.0, -0.75], [0.6, -0.8166666666666667]],
         [[-0.4, 0.4166666666666667], [0.2, 0.35], [0.8, 0.2833333333333334]]], rtol=1e-6)
    np.testing.assert_allclose(
        tg.affine_grid(theta, (1, 1, 2, 3), align_corners=True).data[0],
        [[[-1.0, -1.2], [-0.1, -1.3], [0.8, -1.4]], [[-0.6, 1.0], [0.3, 0.9], [1.2, 0.8]]],
        rtol=1e-6)
    np.testing.assert_allclose(tg.affine_grid(theta, (1, 1, 1, 1)).data, [[[[0.1, -0.2]]]],
                               rtol=1e-6)


def test_an_identity_transform_samples_the_image_itself(rng):
    x = rng.standard_normal((2, 3, 5, 4))
    identity = np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]]), (2, 1, 1))
    for align_corners in (False, True):
        grid = tg.affine_grid(identity, x.shape, align_corners=align_corners)
        out = tg.grid_sample(x, grid, align_corners=align_corners)
        np.testing.assert_allclose(out.data, x, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_gradcheck_in_the_image_the_grid_and_theta(mode, padding_mode, rng):
    """Points away from pixel lines and edges, where the sampling is differentiable."""
    x = Tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    theta = Tensor(np.array([[[0.7, 0.15, 0.05], [-0.1, 0.8, 0.1]]]), requires_grad=True)

    def sample(x, theta):
        return tg.grid_sample(x, tg.affine_grid(theta, (1, 2, 3, 3)), mode=mode,
                              padding_mode=padding_mode)
    assert tg.gradcheck(sample, (x, theta))


def test_a_jitted_transformer_step_replays_exactly(rng):
    x0 = rng.standard_normal((2, 1, 6, 6))
    inputs = [rng.standard_normal((2, 1, 6, 6)) for _ in range(4)]

    def run(jitted):
        theta = Tensor(np.tile([[[0.9, 0.1, 0.0], [0.0, 0.9, 0.1]]], (2, 1, 1)),
                       requires_grad=True)

        def step(x):
            theta.grad = None
            out = tg.grid_sample(x, tg.affine_grid(theta, (2, 1, 6, 6)))
            loss = ((out - x0) ** 2).mean()
            loss.backward()
            theta.data -= 0.1 * theta.grad
            return loss
        fn = jit(step) if jitted else step
        return [fn(x).item() for x in inputs], theta.data.copy()
    eager, replayed = run(False), run(True)
    assert eager[0] == replayed[0]
    np.testing.assert_array_equal(eager[1], replayed[1])


@pytest.mark.parametrize("call, message", [
    (lambda: tg.grid_sample(IMAGE, POINTS, mode="area"), "mode must be 'bilinear', 'nearest'"),
    (lambda: tg.grid_sample(IMAGE, POINTS, padding_mode="wrap"), "padding_mode must be"),
    (lambda: tg.grid_sample(IMAGE, POINTS[..., :1]), r"grid \(N, Ho, Wo, 2\)"),
    (lambda: tg.affine_grid(np.ones((1, 3, 3)), (1, 1, 2, 2)), r"theta must be \(N, 2, 3\)"),
    # PyTorch 2.13 refuses an image without pixels too (no IndexError here)
    (lambda: tg.grid_sample(np.ones((1, 1, 0, 3)), POINTS[:1]),
     r"^grid_sample: input \(1, 1, 0, 3\) has an empty image"),
    (lambda: tg.grid_sample(np.ones((1, 1, 3, 0)), POINTS[:1], mode="nearest"),
     r"^grid_sample: input \(1, 1, 3, 0\) has an empty image"),
])
def test_bad_input(call, message):
    with pytest.raises(OpError, match=message):
        call()
