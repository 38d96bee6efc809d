"""tinygrad_np.viz: the DOT text says exactly which nodes and edges the graph has, the real `dot`
turns it into valid SVG/PNG files, and the gradient view shows the right numbers and trouble."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from real_data import mnist_dir

from tinygrad_np import Function, Tensor, grad, relu, viz
from tinygrad_np.viz.style import BORDER, FILL

ROOT = Path(__file__).resolve().parents[1]
INSTALL_LINES = ("sudo apt-get install graphviz", "brew install graphviz",
                 "conda install -c conda-forge graphviz")
SVG = "{http://www.w3.org/2000/svg}"

# -- reading DOT text back -----------------------------------------------------------------
NODE = re.compile(r"^\t(\w+) \[(.*)\]$")
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$")
ATTR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def parse(source: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    """Nodes (id -> attributes, label unescaped) and edges (in order) of our DOT text."""
    lines = source.splitlines()
    assert lines[0] == "digraph tinygrad_np {" and lines[-1] == "}"
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str]] = []
    for line in lines[1:-1]:
        edge = EDGE.match(line)
        node = NODE.match(line)
        if edge:
            edges.append((edge.group(1), edge.group(2)))
        elif node and node.group(1) not in ("graph", "node", "edge"):
            assert node.group(1) not in nodes, f"node {node.group(1)} declared twice"
            nodes[node.group(1)] = {k: _unescape(v) for k, v in ATTR.findall(node.group(2))}
        else:
            assert node, f"unexpected DOT line {line!r}"
    for a, b in edges:
        assert a in nodes and b in nodes, f"edge {a} -> {b} to an undeclared node"
    return nodes, edges


def by_first_line(nodes: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node_id, attrs in nodes.items():
        out.setdefault(attrs["label"].split("\n")[0], []).append(node_id)
    return out


def grad_numbers(label: str) -> tuple[float, float, float]:
    """(norm, min, max) from a label's 'grad norm N min A max B' line."""
    match = re.search(r"grad norm (\S+) min (\S+) max (\S+)", label)
    assert match, f"no gradient summary in {label!r}"
    return float(match.group(1)), float(match.group(2)), float(match.group(3))


def label_number(label: str, key: str) -> float:
    match = re.search(re.escape(key) + r" (\S+)", label)
    assert match, f"{key!r} not in label {label!r}"
    return float(match.group(1))


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    """`python examples/draw_graph.py args...` as a user runs it, with the checkout importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "examples/draw_graph.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def require_dot() -> None:
    if shutil.which("dot") is None:
        pytest.fail("Graphviz's `dot` is not installed, so rendering cannot be tested. "
                    "Install it: sudo apt-get install graphviz (Debian/Ubuntu), "
                    "brew install graphviz (macOS), conda install -c conda-forge graphviz")


# -- small graphs ------------------------------------------------------------------------------
def abc() -> tuple[Tensor, Tensor, Tensor, Tensor]:
    a = Tensor([1.0, -2.0, 3.0], requires_grad=True, name="a")
    b = Tensor([4.0, 5.0, -6.0], requires_grad=True, name="b")
    c = Tensor([0.5, 0.5, 0.5], name="c")
    return a, b, c, (a * b + c).sum()


def mlp(layers: int, rng: np.random.Generator) -> Tensor:
    h = Tensor(rng.standard_normal((2, 3)).astype(np.float32), name="x")
    for i in range(layers):
        w = Tensor(rng.standard_normal((3, 3)).astype(np.float32), requires_grad=True,
                   name=f"W{i}")
        b = Tensor(np.zeros(3, np.float32), requires_grad=True, name=f"b{i}")
        h = relu(h @ w + b)
    return h.sum()


class Softplus(Function):
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0.0, x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1.0 + np.exp(-x))


# -- structure -------------------------------------------------------------------------------
def test_small_expression_has_exactly_the_expected_nodes_and_edges():
    *_, loss = abc()
    nodes, edges = parse(viz.dot_source(loss))
    labels = {node_id: attrs["label"] for node_id, attrs in nodes.items()}
    # Ids follow the breadth-first walk from the root.
    assert labels == {
        "t0": "scalar float32\noutput",
        "t1": "(3,) float32\nintermediate",   # a * b + c
        "t2": "(3,) float32\nintermediate",   # a * b
        "t3": "c\n(3,) float32\nconstant",
        "t4": "a\n(3,) float32\nparameter",
        "t5": "b\n(3,) float32\nparameter",
        "f0": "Sum", "f1": "Add", "f2": "Mul",
    }
    assert Counter(edges) == Counter([
        ("t4", "f2"), ("t5", "f2"), ("f2", "t2"),
        ("t2", "f1"), ("t3", "f1"), ("f1", "t1"),
        ("t1", "f0"), ("f0", "t0"),
    ])
    assert len(edges) == 8
    # Tensors are boxes, ops ellipses; parameters, constants, intermediates, output differ.
    assert {nodes[i]["shape"] for i in ("t0", "t1", "t3", "t4")} == {"box"}
    assert {nodes[i]["shape"] for i in ("f0", "f1", "f2")} == {"ellipse"}
    fills = {i: nodes[i]["fillcolor"] for i in ("t0", "t1", "t3", "t4", "f0")}
    assert len(set(fills.values())) == 5
    assert nodes["t4"]["fillcolor"] == nodes["t5"]["fillcolor"] == FILL["parameter"]
    assert nodes["t3"]["fillcolor"] == FILL["constant"]


def test_a_tensor_read_twice_gives_two_edges_and_one_node():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    nodes, edges = parse(viz.dot_source((w * w).sum()))
    assert sorted(nodes) == ["f0", "f1", "t0", "t1", "t2"]
    assert Counter(edges) == Counter([("t2", "f1"), ("t2", "f1"), ("f1", "t1"),
                                      ("t1", "f0"), ("f0", "t0")])


def test_same_graph_gives_identical_text():
    texts = []
    for _ in range(2):
        *_, loss = abc()
        viz.retain_grads(loss).backward()
        texts.append(viz.dot_source(loss, show_grads=True, rankdir="TB", collapse=True))
    assert texts[0] == texts[1]
    assert re.search(r"0x[0-9a-f]{6,}", texts[0]) is None  # no addresses anywhere


def test_to_dot_is_a_digraph_with_the_same_text():
    import graphviz

    *_, loss = abc()
    graph = viz.to_dot(loss, rankdir="TB")
    assert isinstance(graph, graphviz.Digraph)
    assert graph.source == viz.dot_source(loss, rankdir="TB")
    assert '\tgraph [rankdir="TB"' in graph.source


def test_user_defined_function_shows_its_class_name():
    x = Tensor([-1.0, 2.0], requires_grad=True, name="x")
    nodes, edges = parse(viz.dot_source(Softplus.apply(x).sum()))
    ops = by_first_line(nodes)
    assert ops["Softplus"] == ["f1"] and nodes["f1"]["shape"] == "ellipse"
    assert ("t2", "f1") in edges and nodes["t2"]["label"].startswith("x\n")


def test_labels_with_quotes_and_backslashes_are_escaped():
    name = 'my "w"\\N\nline'
    w = Tensor([1.0], requires_grad=True, name=name)
    nodes, _ = parse(viz.dot_source(w.sum()))
    assert nodes["t1"]["label"].startswith(name)


def test_bad_arguments_are_reported():
    *_, loss = abc()
    with pytest.raises(ValueError, match="rankdir"):
        viz.dot_source(loss, rankdir="XY")
    with pytest.raises(ValueError, match="max_depth"):
        viz.dot_source(loss, max_depth=-1)
    with pytest.raises(TypeError, match="Tensor"):
        viz.dot_source(np.ones(3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\.svg"):
        viz.draw(loss, "graph.jpeg")


# -- gradients and trouble --------------------------------------------------------------------
def test_show_grads_gives_the_right_norms_and_values():
    a, b, _, loss = abc()
    viz.retain_grads(loss).backward()
    nodes, _ = parse(viz.dot_source(loss, show_grads=True))
    label = {attrs["label"].split("\n")[0]: attrs["label"] for attrs in nodes.values()}
    for t in (a, b):
        norm, lo, hi = grad_numbers(label[t.name])
        assert norm == pytest.approx(np.linalg.norm(t.grad), rel=1e-3)
        assert (lo, hi) == pytest.approx((t.grad.min(), t.grad.max()), rel=1e-3)
    assert label_number(label["a"], "value min") == -2.0
    assert label_number(label["a"], "max") == 3.0
    # Intermediates kept their gradient (retain_grads): d loss / d (a*b) is all ones.
    assert label_number(nodes["t2"]["label"], "grad norm") == pytest.approx(np.sqrt(3), rel=1e-3)
    assert label_number(nodes["t0"]["label"], "value") == pytest.approx(loss.item(), rel=1e-3)
    assert "grad" not in label["c"]  # a constant has no gradient to show
    for attrs in nodes.values():
        assert attrs["fillcolor"] not in (FILL["nonfinite"], FILL["dead"])


def test_without_retain_grads_intermediates_say_their_grad_was_not_kept():
    *_, loss = abc()
    loss.backward()
    nodes, _ = parse(viz.dot_source(loss, show_grads=True))
    assert nodes["t2"]["label"].endswith("grad: not kept")
    assert "grad norm" in nodes["t4"]["label"]


def test_nan_in_a_value_turns_that_tensor_red():
    x = Tensor([1.0, np.nan, 3.0], requires_grad=True, name="x")
    ok = Tensor([1.0, 1.0, 1.0], requires_grad=True, name="ok")
    loss = (x * ok).sum()
    viz.retain_grads(loss).backward()
    nodes, _ = parse(viz.dot_source(loss, show_grads=True))
    red = {attrs["label"].split("\n")[0] for attrs in nodes.values()
           if attrs["fillcolor"] == FILL["nonfinite"] and attrs.get("color") == BORDER["nonfinite"]}
    # x's value, ok's gradient (= x), the product and the sum are all NaN somewhere.
    assert red == {"x", "ok", "(3,) float32", "scalar float32"}
    assert "NaN x1 in value!" in next(a["label"] for a in nodes.values()
                                      if a["label"].startswith("x\n"))
    assert "NaN x1 in grad!" in next(a["label"] for a in nodes.values()
                                     if a["label"].startswith("ok\n"))


def test_inf_only_in_a_gradient_turns_that_tensor_red():
    w = Tensor([0.0, 4.0], requires_grad=True, name="w")
    loss = w.sqrt().sum()  # d sqrt(w) / dw = inf at 0; every value stays finite
    with np.errstate(divide="ignore"):
        loss.backward()
    nodes, _ = parse(viz.dot_source(loss, show_grads=True))
    w_node = next(a for a in nodes.values() if a["label"].startswith("w\n"))
    assert w_node["fillcolor"] == FILL["nonfinite"]
    assert "inf x1 in grad!" in w_node["label"]
    others = [a for a in nodes.values() if a is not w_node]
    assert all(a["fillcolor"] != FILL["nonfinite"] for a in others)
    # Without show_grads nothing is checked or flagged.
    plain, _ = parse(viz.dot_source(loss))
    assert all(a["fillcolor"] != FILL["nonfinite"] for a in plain.values())


def test_dead_relu_is_highlighted_and_a_live_one_is_not():
    x = Tensor(np.ones((2, 3), np.float32), name="x")
    w_dead = Tensor(-np.ones((3, 4), np.float32), requires_grad=True, name="W_dead")
    w_live = Tensor(np.ones((3, 4), np.float32), requires_grad=True, name="W_live")
    loss = relu(x @ w_dead).sum() + relu(x @ w_live).sum()
    loss.backward()
    nodes, edges = parse(viz.dot_source(loss, show_grads=True))
    relus = [i for i, a in nodes.items() if a["label"].split("\n")[0] == "Relu"]
    assert len(relus) == 2
    dead = [i for i in relus if nodes[i]["fillcolor"] == FILL["dead"]]
    assert len(dead) == 1
    assert "dead ReLU" in nodes[dead[0]]["label"]
    assert nodes[dead[0]]["color"] == BORDER["dead"]
    # It is the ReLU fed by x @ W_dead.
    w_id = next(i for i, a in nodes.items() if a["label"].startswith("W_dead\n"))
    matmul = next(b for a, b in edges if a == w_id)
    product = next(b for a, b in edges if a == matmul)
    assert (product, dead[0]) in edges


# -- rendering with the real dot ---------------------------------------------------------------
def test_draw_svg_is_valid_and_names_every_node(tmp_path):
    require_dot()
    *_, loss = abc()
    out = viz.draw(loss, tmp_path / "sub" / "graph.svg")
    assert out == tmp_path / "sub" / "graph.svg"
    svg = ET.parse(out).getroot()
    assert svg.tag == f"{SVG}svg"
    titles = {g.findtext(f"{SVG}title") for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    nodes, edges = parse(viz.dot_source(loss))
    assert titles == set(nodes)
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"a", "b", "c", "Mul", "Add", "Sum", "parameter", "constant"} <= texts
    drawn_edges = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "edge"]
    assert len(drawn_edges) == len(edges)


def test_draw_png_has_a_valid_header(tmp_path):
    require_dot()
    *_, loss = abc()
    data = viz.draw(loss, tmp_path / "graph.png", rankdir="TB").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 0 and height > 0
    assert height > width  # top-to-bottom layout of a chain is tall


def test_draw_dot_suffix_writes_the_source_text(tmp_path):
    *_, loss = abc()
    path = viz.draw(loss, tmp_path / "graph.dot", show_grads=True)
    assert path.read_text(encoding="utf-8") == viz.dot_source(loss, show_grads=True)


def test_missing_dot_raises_an_error_with_install_instructions(tmp_path, monkeypatch):
    *_, loss = abc()
    monkeypatch.setenv("PATH", str(tmp_path))
    target = tmp_path / "graph.svg"
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        viz.draw(loss, target)
    assert isinstance(info.value, RuntimeError)
    for line in INSTALL_LINES:
        assert line in str(info.value)
    assert not target.exists()
    # DOT text needs no binary.
    nodes, _ = parse(viz.dot_source(loss))
    assert len(nodes) == 9
    assert viz.draw(loss, tmp_path / "graph.gv").read_text().startswith("digraph")


def test_executable_not_found_from_graphviz_becomes_our_error(tmp_path, monkeypatch):
    # `dot` vanishes between our check and graphviz's call: its raw error is replaced.
    *_, loss = abc()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(viz.render.shutil, "which", lambda name: "/usr/bin/dot")
    with pytest.raises(viz.GraphvizNotFoundError) as info:
        viz.draw(loss, tmp_path / "graph.png")
    assert info.value.__suppress_context__ and info.value.__cause__ is None
    assert all(line in str(info.value) for line in INSTALL_LINES)
    assert list(tmp_path.iterdir()) == []


def test_failed_render_leaves_no_file(tmp_path, monkeypatch):
    import graphviz

    *_, loss = abc()
    old = tmp_path / "old.svg"
    old.write_text("old picture")

    def broken_pipe(self, *args, **kwargs):
        raise graphviz.CalledProcessError(1, ["dot"], stderr="syntax error")

    monkeypatch.setattr(graphviz.Digraph, "pipe", broken_pipe)
    monkeypatch.setattr(viz.render.shutil, "which", lambda name: "/usr/bin/dot")
    with pytest.raises(graphviz.CalledProcessError):
        viz.draw(loss, tmp_path / "new.svg")
    with pytest.raises(graphviz.CalledProcessError):
        viz.draw(loss, old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.svg"]
    assert old.read_text() == "old picture"


def test_failed_write_leaves_no_half_file(tmp_path, monkeypatch):
    *_, loss = abc()

    def half_write(self, data):
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", half_write)
    with pytest.raises(OSError, match="disk full"):
        viz.draw(loss, tmp_path / "graph.dot")
    assert list(tmp_path.iterdir()) == []


# -- big graphs ------------------------------------------------------------------------------
def test_max_depth_cuts_the_graph_and_counts_what_it_hid():
    *_, loss = abc()
    full, _ = parse(viz.dot_source(loss))
    nodes, edges = parse(viz.dot_source(loss, max_depth=1))
    # root, Sum, its input; the rest (Add, Mul, a*b, a, b, c) is one "... 6 more nodes".
    assert sorted(nodes) == ["f0", "more", "t0", "t1"]
    assert nodes["more"]["label"] == "... 6 more nodes"
    assert Counter(edges) == Counter([("t1", "f0"), ("f0", "t0"), ("more", "t1")])
    nodes0, _ = parse(viz.dot_source(loss, max_depth=0))
    assert sorted(nodes0) == ["more", "t0"] and nodes0["more"]["label"] == "... 8 more nodes"
    assert len(full) == 9 and len(nodes) == 4
    assert viz.dot_source(loss, max_depth=3) == viz.dot_source(loss)  # deep enough: all of it


def test_max_depth_does_not_count_a_shown_tensor_twice():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = Tensor([3.0, 4.0], requires_grad=True, name="b")
    loss = (a * b + a).sum()
    nodes, _ = parse(viz.dot_source(loss, max_depth=2))
    first = by_first_line(nodes)
    assert "a" in first and "b" not in first and "Mul" not in first
    assert nodes["more"]["label"] == "... 2 more nodes"  # Mul and b; a is on show


def test_collapse_folds_constants_into_their_ops():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    loss = (x * 2.0 + 1.0).sum()
    plain, _ = parse(viz.dot_source(loss))
    nodes, edges = parse(viz.dot_source(loss, collapse=True))
    assert sum(a["label"].endswith("constant") for a in plain.values()) == 2
    assert not any(a["label"].endswith("constant") for a in nodes.values())
    ops = {a["label"].split("\n")[0]: a["label"] for a in nodes.values() if a["shape"] == "ellipse"}
    assert ops == {"Sum": "Sum", "Add": "Add\nconst 1", "Mul": "Mul\nconst 2"}
    assert len(nodes) == len(plain) - 2 and len(edges) == 6


def test_collapse_folds_repeated_layers_into_one_node(rng):
    loss = mlp(4, rng)
    plain, _ = parse(viz.dot_source(loss))
    nodes, edges = parse(viz.dot_source(loss, collapse=True))
    assert len(plain) == 22 + 13
    groups = [i for i in nodes if i.startswith("g")]
    assert groups == ["g0"]
    assert nodes["g0"]["label"] == "MatMul > Add > Relu\n\u00d74 (12 ops)"
    assert nodes["g0"]["peripheries"] == "2"
    first = by_first_line(nodes)
    into_group = {a for a, b in edges if b == "g0"}
    assert into_group == {first[name][0] for name in
                          ["x", "W0", "b0", "W1", "b1", "W2", "b2", "W3", "b3"]}
    # x, 8 parameters, the group's output, root; the group and Sum.
    assert len(nodes) == 13


def test_collapse_keeps_named_tensors_visible():
    h = Tensor(np.ones(3, np.float32), requires_grad=True, name="h")
    for _ in range(3):
        h = h.tanh()
    h.name = "middle"
    for _ in range(3):
        h = h.tanh()
    nodes, _ = parse(viz.dot_source(h.sum(), collapse=True))
    assert [a["label"] for i, a in nodes.items() if i.startswith("g")] == [
        "Tanh\n\u00d73 (3 ops)", "Tanh\n\u00d73 (3 ops)"]
    assert "middle" in by_first_line(nodes)


def test_collapse_flags_nan_and_dead_relu_hidden_inside_a_group():
    x = Tensor([-1.0, -2.0], requires_grad=True, name="x")
    h = x.relu().relu().relu()  # all zeros, inside one collapsed group
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = h.log().exp().log().exp().sum()  # -inf hidden between Log and Exp, 0 out
        loss.backward()
    nodes, _ = parse(viz.dot_source(loss, show_grads=True, collapse=True))
    relu_group = next(a for a in nodes.values() if a["label"].startswith("Relu\n"))
    assert "3 dead ReLU inside" in relu_group["label"]
    assert relu_group["fillcolor"] == FILL["dead"]
    nan_group = next(a for a in nodes.values()
                     if "NaN/inf in" in a["label"] and "hidden tensors" in a["label"])
    assert nan_group["fillcolor"] == FILL["nonfinite"]


def test_ten_thousand_op_chain_without_recursion():
    x = Tensor(np.ones(4, np.float32), requires_grad=True, name="x")
    h = x
    for _ in range(5000):
        h = h * 1.0001 + 0.001
    loss = h.sum()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)  # a recursive walk of 10,000 ops would need far more
    try:
        plain, _ = parse(viz.dot_source(loss))
        nodes, edges = parse(viz.dot_source(loss, collapse=True))
        cut, _ = parse(viz.dot_source(loss, max_depth=5))
    finally:
        sys.setrecursionlimit(limit)
    # x, 10,000 constants, 10,001 op results; 10,001 ops.
    assert len(plain) == 1 + 10_000 + 10_001 + 10_001
    assert sorted(nodes) == ["f0", "g0", "t0", "t1", "t2"]
    assert nodes["g0"]["label"] == "Mul > Add\n\u00d75000 (10000 ops)\n10000 constants"
    first = by_first_line(nodes)
    assert Counter(edges) == Counter([(first["x"][0], "g0"), ("g0", "t1"), ("t1", "f0"),
                                      ("f0", "t0")])
    # 5 ops, their 5 results + 4 constants + the boundary tensor, and the "more" node.
    assert len(cut) == 5 + 5 + 4 + 1 + 1
    assert cut["more"]["label"] == f"... {len(plain) - (len(cut) - 1)} more nodes"


def test_drawing_a_huge_graph_warns(tmp_path, monkeypatch):
    import graphviz

    x = Tensor(np.ones(2, np.float32), requires_grad=True, name="x")
    h = x
    for _ in range(viz.render.BIG_GRAPH // 2):
        h = h.tanh()
    monkeypatch.setattr(graphviz.Digraph, "pipe", lambda self, format: b"<svg/>")
    monkeypatch.setattr(viz.render.shutil, "which", lambda name: "/usr/bin/dot")
    with pytest.warns(UserWarning, match="max_depth"):
        viz.draw(h, tmp_path / "big.svg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.draw(h, tmp_path / "small.svg", collapse=True)
        viz.draw(h, tmp_path / "big.dot")  # text only: no layout to wait for


def test_retain_grads_keeps_every_intermediate_gradient():
    *_, loss = abc()
    *_, other = abc()
    assert viz.retain_grads(loss) is loss
    loss.backward()
    other.backward()

    def intermediates(root):
        out, stack = [], [root]
        while stack:
            t = stack.pop()
            if t.grad_fn is not None:
                out.append(t)
                stack.extend(t.grad_fn.parents)
        return out

    assert all(t.grad is not None for t in intermediates(loss))
    assert all(t.grad is None for t in intermediates(other))


# -- packaging and the example ---------------------------------------------------------------
def test_import_does_not_load_graphviz():
    code = ("import sys, tinygrad_np.viz as v; from tinygrad_np import Tensor; "
            "v.dot_source(Tensor([1.0], requires_grad=True).sum()); "
            "assert 'graphviz' not in sys.modules, 'graphviz imported eagerly'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("data", ["missing", "bundled"])
def test_example_writes_four_pictures(tmp_path, data):
    require_dot()
    data_dir = tmp_path / "nothing-here" if data == "missing" else mnist_dir()
    out = tmp_path / "pictures"
    done = run_example("--out", str(out), "--data", str(data_dir), "--seed", "1",
                       "--rankdir", "TB")
    assert done.returncode == 0, done.stderr
    assert ("random images" in done.stdout) == (data == "missing")
    names = ["mnist_loss.svg", "mnist_loss.png", "mnist_loss_grads.svg", "mnist_loss_grads.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        assert str(out / name) in done.stdout
    svg = ET.parse(out / "mnist_loss_grads.svg").getroot()
    texts = "\n".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    for needed in ("W1", "(784, 100) float32", "b2", "SoftmaxCrossEntropy", "grad norm", "loss"):
        assert needed in texts
    assert (out / "mnist_loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_example_help():
    done = run_example("--help")
    assert done.returncode == 0
    assert done.stdout.startswith("usage: python examples/draw_graph.py")
    for option in ("--out", "--data", "--seed", "--rankdir"):
        assert option in done.stdout


def test_tensor_methods_are_the_viz_calls(tmp_path):
    a = Tensor(np.ones((2, 2)), requires_grad=True, name="a")
    out = (a * 2.0).sum()
    assert out.to_dot().source == viz.dot_source(out)
    path = out.draw(tmp_path / "g.dot")
    assert path.read_text() == viz.dot_source(out)


# -- double backward (issue 16) ----------------------------------------------------------------
def test_a_double_backward_graph_is_drawn_with_the_forward_ops_it_reuses(tmp_path):
    require_dot()
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True, name="x")
    w = Tensor(np.array([[1.0, 2.0], [0.5, -0.3]]), requires_grad=True, name="W")
    y = (x @ w).tanh().sum()
    dy_dx, = grad(y, x, create_graph=True)  # W @ (1 - tanh(x W)^2): a graph of its own
    nodes, edges = parse(viz.dot_source(dy_dx))
    labels = {i: a["label"] for i, a in nodes.items()}
    ops = Counter(label for i, label in labels.items() if i.startswith("f"))
    # the forward's MatMul and Tanh, then the backward's ops built on their outputs
    assert ops == Counter({"MatMul": 2, "Tanh": 1, "Mul": 2, "Sub": 1, "Transpose": 1,
                           "Reshape": 1, "GetItem": 1})
    params = {labels[i].split("\n")[0] for i in nodes if labels[i].endswith("parameter")}
    assert params == {"x", "W"}
    tanh = next(i for i, label in labels.items() if label == "Tanh")
    tanh_out = next(b for a, b in edges if a == tanh)
    readers = [b for a, b in edges if a == tanh_out]  # out * out in (1 - out * out)
    assert len(readers) == 2 and len(set(readers)) == 1 and labels[readers[0]] == "Mul"
    # the second derivative of it again, and the picture renders
    d2, = grad(dy_dx.sum(), x, create_graph=True)
    out = viz.draw(d2, tmp_path / "double_backward.svg")
    svg = ET.parse(out).getroot()
    titles = {g.findtext(f"{SVG}title") for g in svg.iter(f"{SVG}g") if g.get("class") == "node"}
    assert titles == set(parse(viz.dot_source(d2))[0])
    assert len(titles) > len(nodes)


def test_conv_and_pool_nodes_show_kernel_stride_and_padding():
    import tinygrad_np as tg
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 1, 8, 8)).astype(np.float32), name="x")
    w1 = Tensor(rng.standard_normal((4, 1, 5, 5)).astype(np.float32), requires_grad=True,
                name="w1")
    w2 = Tensor(rng.standard_normal((6, 2, 3, 1)).astype(np.float32), requires_grad=True,
                name="w2")
    h = tg.max_pool2d(tg.relu(tg.conv2d(x, w1, padding=2)), 2)
    h = tg.avg_pool2d(tg.conv2d(h, w2, stride=(2, 1), dilation=2, groups=2, padding=(2, 0)),
                      3, 1, 1)
    nodes, _ = parse(viz.dot_source(h.sum()))
    labels = {n["label"] for n in nodes.values()}
    assert "Conv2d\nkernel 5x5, stride 1, padding 2" in labels
    assert "MaxPool2d\nkernel 2x2, stride 2, padding 0" in labels
    assert "Conv2d\nkernel 3x1, stride 2x1, padding 2x0, dilation 2, groups 2" in labels
    assert "AvgPool2d\nkernel 3x3, stride 1, padding 1" in labels
    assert "Relu" in labels  # other ops keep their one-line label


def test_1d_pools_and_padding_modes_label_their_nodes_in_1d_terms():
    from tinygrad_np import nn
    x = Tensor(np.random.default_rng(0).standard_normal((2, 2, 9)).astype(np.float32),
               requires_grad=True)
    model = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1, padding_mode="reflect", rng=0),
                          nn.MaxPool1d(2, ceil_mode=True), nn.AdaptiveAvgPool1d(2))
    nodes, _ = parse(viz.dot_source(model(x).sum()))
    labels = {n["label"] for n in nodes.values()}
    assert "Pad\nreflect, widths (0, 0), (0, 0), (1, 1)" in labels
    assert "Conv1d\nkernel 3, stride 1, padding 0" in labels  # the Pad did the padding
    assert "MaxPool1d\nkernel 2, stride 2, padding 0" in labels
    assert "AdaptiveAvgPool1d\noutput 2, windows of uneven size" in labels  # 5 -> 2


# -- highlight (anomaly branch: where detect_anomaly stopped) -------------------------------------
def test_highlight_marks_exactly_one_op_and_one_tensor():
    a, b, c, loss = abc()
    product = loss.grad_fn.parents[0].grad_fn.parents[0]  # a * b
    plain, _ = parse(viz.dot_source(loss))
    for target, kind in ((product.grad_fn, "op"), (product, "tensor")):
        nodes, _ = parse(viz.dot_source(loss, highlight=target))
        marked = [n for n, attrs in nodes.items() if attrs.get("color") == BORDER["anomaly"]]
        assert len(marked) == 1
        attrs = nodes[marked[0]]
        assert attrs["fillcolor"] == FILL["anomaly"] and attrs["penwidth"] == "4"
        if kind == "op":
            assert attrs["label"] == "Mul\nanomaly here"
        else:
            assert attrs["label"].startswith("(3,) float32\nintermediate")
        # nothing else changed
        assert {n: v for n, v in nodes.items() if n != marked[0]} == \
               {n: v for n, v in plain.items() if n != marked[0]}


def test_highlight_inside_a_collapsed_chain_marks_the_group():
    rng = np.random.default_rng(0)
    loss = mlp(4, rng)
    inner = loss.grad_fn.parents[0].grad_fn  # the last Relu, inside the repeated chain
    nodes, _ = parse(viz.dot_source(loss, collapse=True, highlight=inner))
    marked = [attrs for attrs in nodes.values() if attrs.get("color") == BORDER["anomaly"]]
    assert len(marked) == 1 and "anomaly in Relu" in marked[0]["label"]


def test_highlight_outside_the_drawn_graph_is_a_clear_error():
    a, b, c, loss = abc()
    with pytest.raises(ValueError, match="not in the drawn graph"):
        viz.dot_source(loss, max_depth=0, highlight=loss.grad_fn)
    with pytest.raises(ValueError, match="not in the drawn graph"):
        viz.dot_source(loss, highlight=(a * 2.0).grad_fn)
