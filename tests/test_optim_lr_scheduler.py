"""optim.lr_scheduler against PyTorch 2.13's learning rates, step for step.

Reference values: torch 2.13.0+cpu, from the loop in `run` below run on
`torch.optim.<kind>([{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.05}])` (SGD with
momentum=0.9) and `torch.optim.lr_scheduler.<name>(opt, **config)`: get_last_lr() before the
first step and after each, and group 0's momentum (or beta1). No torch import here.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor, optim
from tinygrad_np.optim import lr_scheduler as S

METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.8999, 0.89, 0.95, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6]

# (scheduler, optimizer, config, steps, get_last_lr() at each step, group 0's momentum/beta1)
TORCH_2_13 = [
    ('StepLR', 'SGD', {'step_size': 3}, 12,
     [[0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.010000000000000002, 0.005000000000000001],
         [0.010000000000000002, 0.005000000000000001], [0.010000000000000002, 0.005000000000000001],
         [0.0010000000000000002, 0.0005000000000000001], [0.0010000000000000002,
         0.0005000000000000001], [0.0010000000000000002, 0.0005000000000000001],
         [0.00010000000000000003, 5.0000000000000016e-05], [0.00010000000000000003,
         5.0000000000000016e-05], [0.00010000000000000003, 5.0000000000000016e-05],
         [1.0000000000000004e-05, 5.000000000000002e-06]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('StepLR', 'SGD', {'step_size': 2, 'gamma': 0.5}, 12,
     [[0.1, 0.05], [0.1, 0.05], [0.05, 0.025], [0.05, 0.025], [0.025, 0.0125], [0.025, 0.0125],
         [0.0125, 0.00625], [0.0125, 0.00625], [0.00625, 0.003125], [0.00625, 0.003125], [0.003125,
         0.0015625], [0.003125, 0.0015625], [0.0015625, 0.00078125]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('MultiStepLR', 'SGD', {'milestones': [2, 5, 5, 9]}, 12,
     [[0.1, 0.05], [0.1, 0.05], [0.010000000000000002, 0.005000000000000001], [0.010000000000000002,
         0.005000000000000001], [0.010000000000000002, 0.005000000000000001],
         [0.00010000000000000005, 5.000000000000002e-05], [0.00010000000000000005,
         5.000000000000002e-05], [0.00010000000000000005, 5.000000000000002e-05],
         [0.00010000000000000005, 5.000000000000002e-05], [1.0000000000000006e-05,
         5.000000000000003e-06], [1.0000000000000006e-05, 5.000000000000003e-06],
         [1.0000000000000006e-05, 5.000000000000003e-06], [1.0000000000000006e-05,
         5.000000000000003e-06]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('MultiStepLR', 'SGD', {'milestones': [0, 3], 'gamma': 0.3}, 8,
     [[0.03, 0.015], [0.03, 0.015], [0.03, 0.015], [0.009, 0.0045], [0.009, 0.0045], [0.009,
         0.0045], [0.009, 0.0045], [0.009, 0.0045], [0.009, 0.0045]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('ExponentialLR', 'SGD', {'gamma': 0.9}, 12,
     [[0.1, 0.05], [0.09000000000000001, 0.045000000000000005], [0.08100000000000002,
         0.04050000000000001], [0.07290000000000002, 0.03645000000000001], [0.06561000000000002,
         0.03280500000000001], [0.05904900000000002, 0.02952450000000001], [0.05314410000000002,
         0.02657205000000001], [0.04782969000000002, 0.02391484500000001], [0.043046721000000024,
         0.021523360500000012], [0.03874204890000002, 0.01937102445000001], [0.03486784401000002,
         0.01743392200500001], [0.03138105960900001, 0.015690529804500006], [0.028242953648100012,
         0.014121476824050006]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('CosineAnnealingLR', 'SGD', {'T_max': 10}, 25,
     [[0.1, 0.05], [0.09755282581475769, 0.048776412907378844], [0.09045084971874738,
         0.04522542485937369], [0.07938926261462367, 0.03969463130731184], [0.06545084971874739,
         0.03272542485937369], [0.05000000000000001, 0.025000000000000005], [0.03454915028125264,
         0.01727457514062632], [0.020610737385376353, 0.010305368692688176], [0.009549150281252635,
         0.0047745751406263175], [0.002447174185242324, 0.001223587092621162], [0.0, 0.0],
         [0.0024471741852423235, 0.0012235870926211618], [0.009549150281252666,
         0.004774575140626333], [0.020610737385376433, 0.010305368692688216], [0.034549150281252786,
         0.017274575140626393], [0.050000000000000225, 0.025000000000000112], [0.06545084971874766,
         0.03272542485937383], [0.079389262614624, 0.039694631307312], [0.09045084971874778,
         0.04522542485937389], [0.09755282581475812, 0.04877641290737906], [0.10000000000000044,
         0.05000000000000022], [0.0975528258147581, 0.04877641290737905], [0.0904508497187478,
         0.0452254248593739], [0.079389262614624, 0.039694631307312], [0.06545084971874766,
         0.03272542485937383], [0.050000000000000225, 0.025000000000000112]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
         0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('CosineAnnealingLR', 'SGD', {'T_max': 7, 'eta_min': 0.001}, 20,
     [[0.1, 0.05], [0.09509795896116975, 0.04757373726360927], [0.08136274519200731,
         0.040775500145538976], [0.061514786230837566, 0.030951762881929707], [0.03948521376916245,
         0.020048237118070304], [0.019637254807992697, 0.010224499854461031], [0.005902041038830259,
         0.0034262627363907338], [0.001, 0.001], [0.005902041038830253, 0.003426262736390731],
         [0.019637254807992683, 0.010224499854461024], [0.03948521376916243, 0.020048237118070293],
         [0.061514786230837525, 0.03095176288192968], [0.08136274519200731, 0.04077550014553897],
         [0.09509795896116978, 0.04757373726360928], [0.10000000000000002, 0.05],
         [0.09509795896116978, 0.04757373726360928], [0.08136274519200734, 0.04077550014553898],
         [0.06151478623083755, 0.030951762881929693], [0.03948521376916246, 0.020048237118070307],
         [0.019637254807992707, 0.010224499854461035], [0.005902041038830264,
         0.003426262736390736]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
         0.9]),
    ('CosineAnnealingLR', 'SGD', {'T_max': 1}, 5,
     [[0.1, 0.05], [0.0, 0.0], [0.1, 0.05], [0.0, 0.0], [0.1, 0.05], [0.0, 0.0]],
     [0.9, 0.9, 0.9, 0.9, 0.9]),
    ('LinearLR', 'SGD', {}, 10,
     [[0.03333333333333333, 0.016666666666666666], [0.04666666666666667, 0.023333333333333334],
         [0.060000000000000005, 0.030000000000000002], [0.07333333333333335, 0.036666666666666674],
         [0.08666666666666668, 0.04333333333333334], [0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.1,
         0.05], [0.1, 0.05], [0.1, 0.05]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('LinearLR', 'SGD', {'start_factor': 0.1, 'end_factor': 0.5, 'total_iters': 4}, 8,
     [[0.010000000000000002, 0.005000000000000001], [0.020000000000000004, 0.010000000000000002],
         [0.030000000000000006, 0.015000000000000003], [0.04000000000000001, 0.020000000000000004],
         [0.05000000000000001, 0.025000000000000005], [0.05000000000000001, 0.025000000000000005],
         [0.05000000000000001, 0.025000000000000005], [0.05000000000000001, 0.025000000000000005],
         [0.05000000000000001, 0.025000000000000005]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('LinearLR', 'SGD', {'start_factor': 1.0, 'end_factor': 0.0, 'total_iters': 6}, 8,
     [[0.1, 0.05], [0.08333333333333334, 0.04166666666666667], [0.06666666666666668,
         0.03333333333333334], [0.05000000000000001, 0.025000000000000005], [0.03333333333333335,
         0.016666666666666673], [0.016666666666666673, 0.008333333333333337], [0.0, 0.0], [0.0,
         0.0], [0.0, 0.0]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]),
    ('OneCycleLR', 'SGD', {'max_lr': 0.5, 'total_steps': 20}, 20,
     [[0.020000000000000018, 0.020000000000000018], [0.06583592135001265, 0.06583592135001265],
         [0.18583592135001265, 0.18583592135001265], [0.3341640786499874, 0.3341640786499874],
         [0.45416407864998737, 0.45416407864998737], [0.5, 0.5], [0.49373200311754367,
         0.49373200311754367], [0.47524231600673683, 0.47524231600673683], [0.445458088785525,
         0.445458088785525], [0.40587282697488153, 0.40587282697488153], [0.3584715008956504,
         0.3584715008956504], [0.30563101096814466, 0.30563101096814466], [0.250001, 0.250001],
         [0.19437098903185537, 0.19437098903185537], [0.14153049910434962, 0.14153049910434962],
         [0.09412917302511849, 0.09412917302511849], [0.05454391121447502, 0.05454391121447502],
         [0.024759683993263143, 0.024759683993263143], [0.006269996882456277, 0.006269996882456277],
         [2e-06, 2e-06], [2e-06, 2e-06]],
     [0.9404508497187474, 0.9154508497187474, 0.8845491502812526, 0.8595491502812526, 0.85,
         0.8512536043909088, 0.854951556604879, 0.8609084258765984, 0.8688255099070633,
         0.878305813044122, 0.8888739533021842, 0.8999999999999999, 0.9111260466978157,
         0.9216941869558779, 0.9311744900929366, 0.9390915741234015, 0.945048443395121,
         0.9487463956090911, 0.95, 0.95]),
    ('OneCycleLR', 'Adam', {'max_lr': [0.5, 0.2], 'total_steps': 16, 'pct_start': 0.25,
        'anneal_strategy': 'linear'}, 16,
     [[0.02, 0.008], [0.17999999999999997, 0.07200000000000001], [0.33999999999999997, 0.136], [0.5,
         0.2], [0.4583335, 0.1833334], [0.416667, 0.1666668], [0.3750005, 0.1500002], [0.333334,
         0.1333336], [0.29166749999999997, 0.116667], [0.25000100000000003, 0.1000004],
         [0.20833449999999998, 0.0833338], [0.16666800000000004, 0.06666720000000001], [0.1250015,
         0.050000600000000006], [0.08333499999999999, 0.033334], [0.0416685, 0.0166674],
         [2.000000000002e-06, 7.99999999995249e-07], [2.000000000002e-06, 7.99999999995249e-07]],
     [0.9166666666666666, 0.8833333333333333, 0.85, 0.8583333333333333, 0.8666666666666667, 0.875,
         0.8833333333333333, 0.8916666666666666, 0.8999999999999999, 0.9083333333333333,
         0.9166666666666666, 0.9249999999999999, 0.9333333333333333, 0.9416666666666667, 0.95,
         0.95]),
    ('OneCycleLR', 'SGD', {'max_lr': 1.0, 'epochs': 3, 'steps_per_epoch': 5, 'three_phase': True,
        'div_factor': 10.0, 'final_div_factor': 100.0}, 15,
     [[0.09999999999999998, 0.09999999999999998], [0.26942958916356985, 0.26942958916356985],
         [0.6501344202803414, 0.6501344202803414], [0.9554359905560885, 0.9554359905560885],
         [0.9554359905560885, 0.9554359905560885], [0.6501344202803414, 0.6501344202803414],
         [0.26942958916356996, 0.26942958916356996], [0.1, 0.1], [0.09509795896116975,
         0.09509795896116975], [0.08136274519200731, 0.08136274519200731], [0.061514786230837566,
         0.061514786230837566], [0.03948521376916244, 0.03948521376916244], [0.019637254807992693,
         0.019637254807992693], [0.005902041038830258, 0.005902041038830258], [0.001, 0.001],
         [0.001, 0.001]],
     [0.9311744900929366, 0.8888739533021842, 0.854951556604879, 0.854951556604879,
         0.8888739533021842, 0.9311744900929366, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95,
         0.95]),
    ('OneCycleLR', 'Adagrad', {'max_lr': 0.3, 'total_steps': 10, 'cycle_momentum': False}, 10,
     [[0.01200000000000001, 0.01200000000000001], [0.156, 0.156], [0.3, 0.3], [0.2851453896040421,
         0.2851453896040421], [0.24352369618492894, 0.24352369618492894], [0.18337860658088678,
         0.18337860658088678], [0.11662259341911323, 0.11662259341911323], [0.05647750381507109,
         0.05647750381507109], [0.014855810395957887, 0.014855810395957887], [1.2e-06, 1.2e-06],
         [1.2e-06, 1.2e-06]],
     [None, None, None, None, None, None, None, None, None, None]),
    ('ReduceLROnPlateau', 'SGD', {'patience': 1}, 20,
     [[0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.010000000000000002,
         0.005000000000000001], [0.010000000000000002, 0.005000000000000001], [0.010000000000000002,
         0.005000000000000001], [0.010000000000000002, 0.005000000000000001], [0.010000000000000002,
         0.005000000000000001], [0.0010000000000000002, 0.0005000000000000001],
         [0.0010000000000000002, 0.0005000000000000001], [0.0010000000000000002,
         0.0005000000000000001], [0.0010000000000000002, 0.0005000000000000001],
         [0.00010000000000000003, 5.0000000000000016e-05], [0.00010000000000000003,
         5.0000000000000016e-05], [1.0000000000000004e-05, 5.000000000000002e-06],
         [1.0000000000000004e-05, 5.000000000000002e-06], [1.0000000000000004e-06,
         5.000000000000002e-07], [1.0000000000000004e-06, 5.000000000000002e-07],
         [1.0000000000000005e-07, 5.0000000000000024e-08], [1.0000000000000005e-07,
         5.0000000000000024e-08]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
         0.9]),
    ('ReduceLROnPlateau', 'SGD', {'patience': 2, 'factor': 0.5, 'cooldown': 2, 'min_lr': [0.02,
        0.001], 'threshold': 0.01}, 20,
     [[0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.1, 0.05], [0.05, 0.025], [0.05, 0.025],
         [0.05, 0.025], [0.05, 0.025], [0.05, 0.025], [0.025, 0.0125], [0.025, 0.0125], [0.025,
         0.0125], [0.025, 0.0125], [0.025, 0.0125], [0.02, 0.00625], [0.02, 0.00625], [0.02,
         0.00625], [0.02, 0.00625], [0.02, 0.00625], [0.02, 0.003125]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
         0.9]),
    ('ReduceLROnPlateau', 'SGD', {'mode': 'max', 'patience': 0, 'threshold_mode': 'abs',
        'threshold': 0.05, 'factor': 0.5}, 20,
     [[0.1, 0.05], [0.1, 0.05], [0.05, 0.025], [0.025, 0.0125], [0.0125, 0.00625], [0.00625,
         0.003125], [0.003125, 0.0015625], [0.0015625, 0.00078125], [0.00078125, 0.000390625],
         [0.000390625, 0.0001953125], [0.0001953125, 9.765625e-05], [9.765625e-05, 4.8828125e-05],
         [4.8828125e-05, 2.44140625e-05], [2.44140625e-05, 1.220703125e-05], [1.220703125e-05,
         6.103515625e-06], [6.103515625e-06, 3.0517578125e-06], [3.0517578125e-06,
         1.52587890625e-06], [1.52587890625e-06, 7.62939453125e-07], [7.62939453125e-07,
         3.814697265625e-07], [3.814697265625e-07, 1.9073486328125e-07], [1.9073486328125e-07,
         9.5367431640625e-08]],
     [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
         0.9]),
]

# LambdaLR(opt, lr_lambda=<the source>): get_last_lr() before and after each of 8 steps.
TORCH_2_13_LAMBDA = [
    ('lambda e: 0.95 ** e', 8, [[0.1, 0.05], [0.095, 0.0475], [0.09025, 0.045125], [0.0857375,
        0.04286875], [0.081450625, 0.0407253125], [0.07737809374999999, 0.038689046874999994],
        [0.07350918906249998, 0.03675459453124999], [0.06983372960937498, 0.03491686480468749],
        [0.06634204312890622, 0.03317102156445311]]),
    ('[lambda e: 1 / (e + 1), lambda e: 0.9 ** e]', 8, [[0.1, 0.05], [0.05, 0.045000000000000005],
        [0.03333333333333333, 0.04050000000000001], [0.025, 0.03645], [0.020000000000000004,
        0.032805], [0.016666666666666666, 0.029524500000000006], [0.014285714285714285,
        0.026572050000000003], [0.0125, 0.023914845000000004], [0.011111111111111112,
        0.021523360500000005]]),
]


def make_opt(kind: str) -> optim.Optimizer:
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    extra = {"SGD": {"momentum": 0.9}, "Adam": {}, "Adagrad": {}}[kind]
    groups = [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.05}]
    return getattr(optim, kind)(groups, **extra)


def run(name, opt, sched, steps, start=0, stop=None):
    """Steps `start` to `stop` of a `steps`-step run (OneCycleLR: its last step is
    not taken, the schedule ends there)."""
    lrs, momenta = [], []
    for i in range(start, steps if stop is None else stop):
        opt.step()
        if name == "ReduceLROnPlateau":
            sched.step(METRICS[i])
        elif not (name == "OneCycleLR" and i == steps - 1):
            sched.step()
        lrs.append(sched.get_last_lr())
        group = opt.param_groups[0]
        momenta.append(group["betas"][0] if "betas" in group else group.get("momentum"))
    return lrs, momenta


@pytest.mark.parametrize("name, kind, config, steps, lrs, momenta", TORCH_2_13,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TORCH_2_13)])
def test_matches_pytorch_step_for_step(name, kind, config, steps, lrs, momenta) -> None:
    opt = make_opt(kind)
    sched = getattr(S, name)(opt, **config)
    first = sched.get_last_lr()
    got, got_momenta = run(name, opt, sched, steps)
    # The same formulas in the same order on Python floats: equal to the last bit here;
    # the tolerance only allows another platform's libm (cos) to round differently.
    np.testing.assert_allclose([first, *got], lrs, rtol=1e-14, atol=0)
    assert [g["lr"] for g in opt.param_groups] == got[-1]
    if kind != "Adagrad":
        np.testing.assert_allclose(got_momenta, momenta, rtol=1e-14, atol=0)


@pytest.mark.parametrize("source, steps, lrs", TORCH_2_13_LAMBDA)
def test_lambda_lr_matches_pytorch(source, steps, lrs) -> None:
    opt = make_opt("SGD")
    sched = S.LambdaLR(opt, eval(source))
    got = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        got.append(sched.get_last_lr())
    np.testing.assert_allclose(got, lrs, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name, kind, config, steps, lrs, momenta", TORCH_2_13,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TORCH_2_13)])
def test_state_dict_resumes_the_schedule(name, kind, config, steps, lrs, momenta) -> None:
    from tinygrad_np.optim import state_from_arrays, state_to_arrays

    half = steps // 2
    opt = make_opt(kind)
    sched = getattr(S, name)(opt, **config)
    run(name, opt, sched, steps, stop=half)
    # through the array form a checkpoint file holds
    opt_state = state_from_arrays(state_to_arrays(opt.state_dict()))
    sched_state = state_from_arrays(state_to_arrays(sched.state_dict()))
    # PyTorch's recipe: build both as for a fresh run, then load both (the optimizer's
    # state restores the lrs the new scheduler's first step changed)
    resumed_opt = make_opt(kind)
    resumed = getattr(S, name)(resumed_opt, **config)
    resumed_opt.load_state_dict(opt_state)
    resumed.load_state_dict(sched_state)
    got, got_momenta = run(name, resumed_opt, resumed, steps, start=half)
    np.testing.assert_allclose(got, lrs[half + 1:], rtol=1e-14, atol=0)
    if kind != "Adagrad":
        np.testing.assert_allclose(got_momenta, momenta[half:], rtol=1e-14, atol=0)


def test_lambda_lr_state_keeps_callable_objects_attributes() -> None:
    class Warmup:
        def __init__(self) -> None:
            self.length = 3

        def __call__(self, epoch: int) -> float:
            return min(1.0, (epoch + 1) / self.length)

    opt = make_opt("SGD")
    warm = Warmup()
    sched = S.LambdaLR(opt, [warm, lambda e: 1.0])
    warm.length = 5
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"length": 5}, None]
    other = Warmup()
    fresh = S.LambdaLR(make_opt("SGD"), [other, lambda e: 1.0])
    fresh.load_state_dict(state)
    assert other.length == 5


def test_onecycle_refuses_to_step_past_the_end() -> None:
    opt = make_opt("SGD")
    sched = S.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="stepped 4 times, but total_steps is 3"):
        sched.step()


def test_bad_arguments_are_refused_clearly() -> None:
    opt = make_opt("SGD")
    with pytest.raises(TypeError, match="StepLR: expected an Optimizer, got list"):
        S.StepLR([], step_size=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step_size must be a positive whole number, got 0"):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\], got 0"):
        S.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="give total_steps, or epochs and steps_per_epoch"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with"):
        S.OneCycleLR(optim.Adagrad([Tensor(np.zeros(1), requires_grad=True)]), max_lr=0.1,
                     total_steps=4)
    with pytest.raises(ValueError, match="max_lr must have one value per parameter group"):
        S.OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=4)
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        S.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        S.LambdaLR(opt, [lambda e: 1.0])
    fresh = make_opt("SGD")
    with pytest.raises(KeyError, match="has no 'initial_lr'"):
        S.StepLR(fresh, step_size=2, last_epoch=3)
    sched = S.StepLR(opt, step_size=2)
    with pytest.raises(ValueError, match=r"unexpected keys \['T_max'\]"):
        sched.load_state_dict({"T_max": 3})


def test_a_schedule_set_lr_is_what_the_optimizer_steps_with() -> None:
    w = Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    sched = S.ExponentialLR(opt, gamma=0.5)
    w.grad = np.ones(1)
    for _ in range(3):
        opt.step()
        sched.step()
    np.testing.assert_array_equal(w.data, [-(1.0 + 0.5 + 0.25)])
    assert opt.lr == 0.125


def test_closed_forms_agree_with_the_steps() -> None:
    opt = make_opt("SGD")
    cosine = S.CosineAnnealingLR(opt, T_max=9, eta_min=0.01)
    for _ in range(9):
        cosine.step()
        np.testing.assert_allclose(cosine.get_last_lr(), cosine.closed_form(), rtol=1e-13)
    opt = make_opt("SGD")
    multi = S.MultiStepLR(opt, milestones=[1, 3, 3], gamma=0.5)
    for _ in range(5):
        multi.step()
        np.testing.assert_allclose(multi.get_last_lr(), multi.closed_form(), rtol=1e-15)


def test_step_with_an_epoch_jumps_there_with_pytorchs_warning() -> None:
    # torch 2.13: StepLR(SGD(lr=0.1), 2, 0.5).step(5) warns and sets lr 0.1 * 0.5 ** 2
    opt = optim.SGD([Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    sched = S.StepLR(opt, 2, gamma=0.5)
    with pytest.warns(UserWarning, match=r"step\(epoch\) is deprecated"):
        sched.step(5)
    assert sched.last_epoch == 5
    assert sched.get_last_lr() == [0.025]
    sched.step()  # on from there, in the chainable form
    assert sched.last_epoch == 6 and sched.get_last_lr() == [0.0125]


def test_numpy_integers_are_taken_where_pytorch_takes_them() -> None:
    opt = optim.SGD([Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    sched = S.StepLR(opt, np.int64(3))
    assert sched.step_size == 3 and type(sched.step_size) is int
    assert S.CosineAnnealingLR(opt, np.int32(5)).T_max == 5
    plateau = S.ReduceLROnPlateau(opt, min_lr=np.float32(0.01))
    assert plateau.min_lrs == [pytest.approx(0.01)]
    with pytest.raises(ValueError, match="positive whole number"):
        S.StepLR(opt, np.float64(3.0))


def test_combined_schedules_take_no_epoch_as_pytorchs() -> None:
    opt = optim.SGD([Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    parts = [S.ExponentialLR(opt, 0.5), S.ExponentialLR(opt, 0.9)]
    for combined in (S.SequentialLR(opt, parts, milestones=[2]), S.ChainedScheduler(parts)):
        with pytest.raises(TypeError, match=r"step\(\) takes no epoch"):
            combined.step(3)
