"""Every optimizer against PyTorch 2.13's own numbers, step for step: defaults, each option.

The reference values were computed once with torch 2.13.0+cpu, in float64, by the loop in
`trajectory` below with `torch.optim.<name>([a, b], **config, foreach=False)` (the CPU
default) in place of ours and
`t.grad = torch.from_numpy(bumpy_grad(t.detach().numpy().copy()))` (the snippet is kept
in the docstring of `trajectory`). No torch import here: CI has no torch.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_np import Tensor, optim

STEPS = 8

# (optimizer, config, parameters after 8 steps: a (2, 3) flattened, then b (2,)), from torch.
TORCH_2_13 = [
    ('SGD', {'lr': 0.1},
     [-0.07055189723420592, 0.0357036689570054, 0.08779728623668487, 0.13063159743905592,
         0.19787967462826805, 0.38042332644000915, 0.1367903371601702, -0.8198843356111153]),
    ('SGD', {'lr': 0.1, 'momentum': 0.9, 'dampening': 0.1, 'weight_decay': 0.01},
     [0.9745729642045671, 0.6395967447761661, 0.28725160518252457, 0.08802847764903622,
         -0.11271121801234855, -0.344219913087268, 0.06685508304354867, 1.306166645437138]),
    ('SGD', {'lr': 0.05, 'momentum': 0.8, 'nesterov': True, 'weight_decay': 0.1},
     [0.32464118974747, 0.27926728090662134, 0.1903066507238363, 0.09810592763838731,
         0.02151356834917257, 0.03192223865071728, 0.08715199614184042, 0.12549875550367665]),
    ('SGD', {'lr': 0.05, 'momentum': 0.5, 'maximize': True},
     [-1.9489233359020448, -1.5557021883625501, -0.9921910707974135, 0.41052161325068387,
         1.16361010828469, 1.4929359322125368, 0.5659897936398299, -4.119843504594388]),
    ('Adam', {},
     [-0.9919994056813856, -0.592000821367892, -0.19200495604312623, 0.1920228214002622,
         0.5920014516050576, 0.9919989450690965, 0.2420129213124854, -1.9920019229020296]),
    ('Adam', {'lr': 0.1, 'betas': (0.8, 0.95), 'eps': 1e-06, 'weight_decay': 0.1, 'amsgrad': True},
     [-0.20853519844990182, 0.12334398947603327, 0.21943023945722206, 0.11745734899429743,
         -0.010106426220312596, 0.21647959526466748, 0.16210057561360525, -1.230778108262215]),
    ('AdamW', {},
     [-0.9919196825946465, -0.5919531080465187, -0.19198924656235897, 0.19200715112065742,
         0.5919537421481805, 0.9919192174463018, 0.2419932357114872, -1.991842247152992]),
    ('AdamW', {'lr': 0.1, 'weight_decay': 0.5, 'amsgrad': True},
     [-0.00654035384577456, 0.20050001593548172, 0.2398050333628526, 0.14076091533602586,
         -0.056901387162223, 0.02946494121932075, 0.16773995476976195, -0.6784720913300502]),
    ('AdamW', {'lr': 0.05, 'betas': (0.5, 0.9), 'maximize': True},
     [-1.3901954309652578, -0.9978315635626385, -0.6245284913448588, 0.6493499195020638,
         0.9984567454771828, 1.3857546219961443, 0.6895905091152152, -2.4072777764961923]),
    ('RMSprop', {},
     [-0.5572928779338049, -0.2012319248163978, 0.08652923450154168, 0.12161141813492195,
         0.2361060552636196, 0.5555922829300013, 0.12160800000150748, -1.5984833386438355]),
    ('RMSprop', {'lr': 0.01, 'alpha': 0.9, 'eps': 1e-06, 'weight_decay': 0.1, 'momentum': 0.8,
        'centered': True},
     [-0.4408619706271552, -0.08448374460522981, 0.18900070487914647, 0.1293492381537561,
         0.1212600320241591, 0.4404830052334597, 0.07785621222811448, -1.479339124123748]),
    ('RMSprop', {'lr': 0.02, 'centered': True},
     [-0.1709248917027069, 0.04035371150657683, 0.12137164003742579, 0.12164957761126963,
         0.1254780607715605, 0.22042219320333212, 0.12173662212109296, -1.2230509060039996]),
    ('RMSprop', {'lr': 0.02, 'momentum': 0.5, 'maximize': True},
     [-2.8252767657873736, -2.260460750807791, -1.9771663955479717, 2.1350419747775584,
         2.2855763985970516, 2.920581718766412, 2.1242640442563716, -3.7617446127814618]),
    ('Adagrad', {},
     [-0.956161307772887, -0.5564806397828003, -0.1573865807589682, 0.161586270533466,
         0.5566310056643392, 0.9560652929021292, 0.20923620363421286, -1.956698192704634]),
    ('Adagrad', {'lr': 0.1, 'lr_decay': 0.01, 'weight_decay': 0.1, 'initial_accumulator_value': 0.5,
        'eps': 1e-06},
     [-0.5926783208583711, -0.23088624241304567, 0.055164982403074714, 0.12062885679579595,
         0.2802744265163557, 0.6184778983110415, 0.1254116755255087, -1.6169416206431941]),
    ('Adagrad', {'lr': 0.3, 'maximize': True},
     [-2.497771249518786, -1.9262613732565899, -1.612984336766207, 1.6755235641392987,
         1.9279424724608962, 2.59436425874606, 1.690636815612479, -3.4335387417487007]),
    # (TORCH_2_13 continues: the optimizers added since, from the same loop)
    ('Adamax', {},
     [-0.9840171667103011, -0.583975750859657, -0.18412470035360512, 0.18470845406350653,
         0.5839980994046298, 0.9840304320671267, 0.23439727409921288, -1.9840149902317794]),
    ('Adamax', {'lr': 0.05, 'betas': (0.8, 0.95), 'eps': 1e-06, 'weight_decay': 0.1},
     [-0.6011870291244765, -0.17953830471105875, 0.11816885332624283, 0.11530907378948849,
         0.2023376217221527, 0.6020025051715054, 0.08175492043745193, -1.5751513063420859]),
    ('Adamax', {'lr': 0.02, 'maximize': True},
     [-1.1582978949486162, -0.7586642246317448, -0.3501301021974594, 0.33490286407686953,
         0.7576989240988615, 1.156552245077393, 0.3914939405386198, -2.155030208361274]),
    ('Adadelta', {},
     [-0.9731775670914256, -0.5733522477352456, -0.17384261735757467, 0.17582473202860774,
         0.5734312920777067, 0.9731222494267875, 0.22475928049169322, -1.9734790914436968]),
    ('Adadelta', {'lr': 0.5, 'rho': 0.8, 'eps': 0.0001, 'weight_decay': 0.1},
     [-0.8987780924490034, -0.50109518042821, -0.10763360976856899, 0.1329172354150017,
         0.5023225369977086, 0.8983694832102015, 0.16979422893122156, -1.9022229672107298]),
    ('Adadelta', {'maximize': True},
     [-1.0266779286058572, -0.626842218304284, -0.22732690068332004, 0.2291728067293161,
         0.6269114259501857, 1.0266207331067154, 0.2781853951984751, -2.026982817118938]),
    ('NAdam', {},
     [-0.9871714012079778, -0.58719348503536, -0.18725677996816092, 0.18751946911923587,
         0.5872033472118676, 0.9871642617633541, 0.23737622585021578, -1.9872102289052078]),
    ('NAdam', {'lr': 0.05, 'betas': (0.8, 0.95), 'weight_decay': 0.1, 'momentum_decay': 0.01},
     [-0.6341985026874581, -0.25657991209499753, 0.07658514895311476, 0.11527459524855486,
         0.273329267882713, 0.6331507334386222, 0.10891360091108263, -1.656742205010744]),
    ('NAdam', {'lr': 0.05, 'weight_decay': 0.1, 'decoupled_weight_decay': True, 'maximize': True},
     [-1.2707119996194127, -0.8931795170279805, -0.5355899055894456, 0.5749459384793916,
         0.894627917272992, 1.2668353381388435, 0.6060997120741424, -2.2488661064008135]),
    ('RAdam', {},
     [-0.9930462776775261, -0.5929731321128002, -0.19600069927374314, 0.19899339614477699,
         0.5959709444412168, 0.9960478546174881, 0.24845199792534833, -1.989129927579637]),
    ('RAdam', {'lr': 0.05, 'betas': (0.8, 0.95), 'weight_decay': 0.1},
     [-0.5925745325875992, -0.2299600432927228, 0.0030592397929545597, 0.1268820616139735,
         0.3675541480502062, 0.7434604511753471, 0.15102490879496386, -1.4510828027437097]),
    ('RAdam', {'lr': 0.05, 'betas': (0.9, 0.95), 'weight_decay': 0.1,
        'decoupled_weight_decay': True, 'maximize': True},
     [-1.3212627612460819, -0.9549012785508781, -0.43957137686621334, 0.2761575966873479,
         0.8073822863910016, 1.1784919374962015, 0.353197214726395, -2.5489487870997207]),
]

# SGD([{"params": [a], "lr": 0.2, "momentum": 0.9}, {"params": [b]}], lr=0.05), 8 steps.
TORCH_2_13_GROUPS = [0.9142280470029743, -0.009283827516568475, -0.08321263315221204,
    0.17395871815543498, 0.38510376026200077, 0.3092855569066107, 0.16960218690252565,
    -1.364345030101361]

# torch.optim.<name>([torch.zeros(1, requires_grad=True)]).defaults, minus foreach,
# differentiable, capturable, fused (which have no meaning here).
TORCH_2_13_DEFAULTS = {
    "SGD": {"lr": 0.001, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
            "maximize": False},
    "Adam": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
             "amsgrad": False, "maximize": False, "decoupled_weight_decay": False},
    "AdamW": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.01,
              "amsgrad": False, "maximize": False, "decoupled_weight_decay": True},
    "RMSprop": {"lr": 0.01, "momentum": 0, "alpha": 0.99, "eps": 1e-08, "centered": False,
                "weight_decay": 0, "maximize": False},
    "Adagrad": {"lr": 0.01, "lr_decay": 0, "eps": 1e-10, "weight_decay": 0,
                "initial_accumulator_value": 0, "maximize": False},
    "Adamax": {"lr": 0.002, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
               "maximize": False},
    "Adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-06, "weight_decay": 0, "maximize": False},
    "NAdam": {"lr": 0.002, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
              "momentum_decay": 0.004, "decoupled_weight_decay": False, "maximize": False},
    "RAdam": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
              "maximize": False, "decoupled_weight_decay": False},
}


def bumpy_grad(p: np.ndarray) -> np.ndarray:
    """The gradient of a bumpy bowl: the same function of the parameters in both runs."""
    return p - 0.3 + 0.5 * np.sin(3.0 * p)


def start() -> list[Tensor]:
    return [Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True),
            Tensor(np.array([0.25, -2.0]), requires_grad=True)]


def trajectory(make, params: list[Tensor]) -> np.ndarray:
    """for _ in range(8): for t in (a, b): t.grad = bumpy_grad(t); opt.step()"""
    opt = make(params)
    for _ in range(STEPS):
        for t in params:
            t.grad = bumpy_grad(t.data.copy())
        opt.step()
    return np.concatenate([p.data.ravel() for p in params])


@pytest.mark.parametrize("name, config, expected", TORCH_2_13,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(TORCH_2_13)])
def test_matches_pytorch_step_for_step(name, config, expected) -> None:
    got = trajectory(lambda ps: getattr(optim, name)(ps, **config), start())
    # Same formulas; PyTorch fuses some multiply-adds (FMA, lerp), so the last bits differ
    # (by up to 5e-15 here).
    np.testing.assert_allclose(got, expected, rtol=2e-14, atol=1e-15)


def test_param_groups_match_pytorch() -> None:
    got = trajectory(lambda ps: optim.SGD([{"params": [ps[0]], "lr": 0.2, "momentum": 0.9},
                                           {"params": [ps[1]]}], lr=0.05), start())
    np.testing.assert_allclose(got, TORCH_2_13_GROUPS, rtol=2e-14, atol=1e-15)


@pytest.mark.parametrize("name", list(TORCH_2_13_DEFAULTS))
def test_defaults_are_pytorchs(name) -> None:
    opt = getattr(optim, name)([Tensor(np.zeros(1), requires_grad=True)])
    assert opt.defaults == TORCH_2_13_DEFAULTS[name]
    group = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    assert group == TORCH_2_13_DEFAULTS[name]


@pytest.mark.parametrize("name, config", [(n, c) for n, c, _ in TORCH_2_13])
def test_float32_stays_float32(name, config) -> None:
    params = [Tensor(p.data.astype(np.float32), requires_grad=True) for p in start()]
    got = trajectory(lambda ps: getattr(optim, name)(ps, **config), params)
    assert got.dtype == np.float32
    expected = {f"{n}{c}": e for n, c, e in TORCH_2_13}[f"{name}{config}"]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name, config, message", [
    ("RMSprop", {"alpha": -0.1}, "RMSprop: alpha must be >= 0.0, got -0.1"),
    ("RMSprop", {"momentum": -1}, "RMSprop: momentum must be >= 0.0"),
    ("Adagrad", {"lr_decay": -1}, "Adagrad: lr_decay must be >= 0.0"),
    ("Adagrad", {"initial_accumulator_value": -1}, "initial_accumulator_value must be >= 0"),
    ("AdamW", {"betas": (0.9, 1.5)}, r"AdamW: beta2 must be \[0.0, 1.0\), got 1.5"),
    ("AdamW", {"eps": "small"}, "AdamW: eps must be a number"),
    ("Adam", {"lr": "0.1"}, "Adam: lr must be a number, got '0.1'"),  # float() would take it
])
def test_bad_hyperparameters_are_refused(name, config, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        getattr(optim, name)(start(), **config)


def test_adagrad_state_exists_from_the_start_as_in_pytorch() -> None:
    a, b = start()
    opt = optim.Adagrad([a, b], initial_accumulator_value=0.25)
    assert opt.state[a]["step"] == 0
    np.testing.assert_array_equal(opt.state[b]["sum"], [0.25, 0.25])
    assert sorted(opt.state_dict()["state"]) == [0, 1]


def test_rmsprop_state_names() -> None:
    a, b = start()
    opt = optim.RMSprop([a, b], momentum=0.5, centered=True)
    a.grad = np.ones((2, 3))
    opt.step()
    assert set(opt.state[a]) == {"step", "square_avg", "grad_avg", "momentum_buffer"}
    assert b not in opt.state
