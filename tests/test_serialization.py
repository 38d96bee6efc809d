"""serialization.py: tg.save / tg.load, PyTorch's torch.save / torch.load without pickle."""
from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tg
from tinygrad_np import nn, optim


def test_a_checkpoint_of_model_optimizer_and_numbers_round_trips(tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4, rng=0), nn.ReLU(), nn.Linear(4, 2, rng=1))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    model(tg.randn(5, 3)).sum().backward()
    opt.step()
    path = tmp_path / "run.pt"
    tg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
             "losses": (0.5, 0.25), "note": None}, path)
    checkpoint = tg.load(path, map_location="cpu", weights_only=True)
    assert checkpoint["epoch"] == 3 and checkpoint["losses"] == (0.5, 0.25)
    assert checkpoint["note"] is None
    fresh = nn.Sequential(nn.Linear(3, 4, rng=5), nn.ReLU(), nn.Linear(4, 2, rng=6))
    fresh_opt = optim.Adam(fresh.parameters(), lr=1e-2)
    fresh.load_state_dict(checkpoint["model"])
    fresh_opt.load_state_dict(checkpoint["optimizer"])
    for p, q in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    # the two optimizers go on to the same next step
    for m, o in ((model, opt), (fresh, fresh_opt)):
        o.zero_grad()
        m(tg.Tensor(np.ones((2, 3), np.float32))).sum().backward()
        o.step()
    for p, q in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_tensors_come_back_as_arrays_and_objects_are_refused(tmp_path):
    path = tmp_path / "w.npz"
    tg.save({"w": tg.Tensor([1.0, 2.0])}, path)
    loaded = tg.load(path)
    assert isinstance(loaded["w"], np.ndarray) and loaded["w"].tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"\['m'\] is a Linear, which cannot be saved without "
                                        r"pickle"):
        tg.save({"m": nn.Linear(2, 2)}, path)
    with pytest.raises(TypeError, match="expected a file path"):
        tg.save({}, object())
    assert tg.load(path)["w"].tolist() == [1.0, 2.0]  # the refused save left the file as it was
