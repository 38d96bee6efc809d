"""A small training run that can stop after any epoch and resume in another process, for
tests/test_optim_resume.py: the same code trains in the test and in the fresh process.

    python tests/resume_run.py CHECKPOINT OUT.npz FASHION_DIR   # resume every config

Each config: a 784-32-10 MLP on the first 1,024 Fashion-MNIST test images, batches of 64
reshuffled per epoch from a seed that is the epoch number (so a resumed run draws the same
batches), gradient clipping, an optimizer and a schedule stepped after every batch.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from tinygrad_np import nn, optim
from tinygrad_np.datasets import DataLoader, load_fashion_mnist
from tinygrad_np.optim import lr_scheduler as S

IMAGES, BATCH = 1024, 64
STEPS_PER_EPOCH = IMAGES // BATCH


def decay(step: int) -> float:
    """LambdaLR's factor: a module-level function, the same in both processes."""
    return 1.0 / (1.0 + 0.1 * step)


CONFIGS: list[tuple[str, Any, Any]] = [
    ("sgd-nesterov+step", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                               weight_decay=1e-4),
     lambda o: S.StepLR(o, step_size=5, gamma=0.7)),
    ("adam-amsgrad+cosine", lambda ps: optim.Adam(ps, lr=3e-3, amsgrad=True),
     lambda o: S.CosineAnnealingLR(o, T_max=2 * STEPS_PER_EPOCH)),
    ("adamw+onecycle", lambda ps: optim.AdamW(ps, lr=1e-3),
     lambda o: S.OneCycleLR(o, max_lr=1e-2, total_steps=2 * STEPS_PER_EPOCH)),
    ("rmsprop-centered+linear", lambda ps: optim.RMSprop(ps, lr=1e-3, momentum=0.5,
                                                         centered=True),
     lambda o: S.LinearLR(o, start_factor=0.2, total_iters=10)),
    ("adagrad+lambda", lambda ps: optim.Adagrad(ps, lr=0.05, lr_decay=1e-3),
     lambda o: S.LambdaLR(o, decay)),
    ("sgd+plateau", lambda ps: optim.SGD([{"params": ps[:2], "lr": 0.2}, {"params": ps[2:]}],
                                         lr=0.05, momentum=0.5),
     lambda o: S.ReduceLROnPlateau(o, patience=1, factor=0.5, threshold=0.05)),
]


def data(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_fashion_mnist(root=folder, download=False, normalize=True, flatten=True,
                              split="test")
    return x[:IMAGES], y[:IMAGES]


def build(index: int, seed: int = 0) -> tuple[Any, Any, Any]:
    model = nn.Sequential(nn.Linear(784, 32, init="he", rng=seed), nn.ReLU(),
                          nn.Linear(32, 10, rng=seed + 1))
    _, make_opt, make_sched = CONFIGS[index]
    opt = make_opt(model.parameters())
    return model, opt, make_sched(opt)


def train_epoch(model: Any, opt: Any, sched: Any, x: np.ndarray, y: np.ndarray,
                epoch: int) -> None:
    for xb, yb in DataLoader(x, y, batch_size=BATCH, shuffle=True, seed=epoch):
        opt.zero_grad()
        loss = model(xb).softmax_cross_entropy(yb)
        loss.backward()
        nn.clip_grad_norm_(model.parameters(), max_norm=2.0)
        opt.step()
        if isinstance(sched, S.ReduceLROnPlateau):
            sched.step(loss.item())
        else:
            sched.step()


def main(checkpoints: str, out: str, folder: str) -> None:
    x, y = data(folder)
    final = {}
    for index, (name, _, _) in enumerate(CONFIGS):
        # Other initial weights: only what the checkpoint holds can make the result right.
        model, opt, sched = build(index, seed=100)
        optim.load_training_state(Path(checkpoints) / f"{name}.npz", model, opt, sched)
        train_epoch(model, opt, sched, x, y, epoch=1)
        final.update({f"{name}/{key}": value for key, value in model.state_dict().items()})
        final[f"{name}/lr"] = np.array(sched.get_last_lr())
    nn.save_state(out, final)


if __name__ == "__main__":
    main(*sys.argv[1:4])
