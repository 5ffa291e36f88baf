"""Keras code out: the generated module builds exactly the model cvlab's builder builds.

The code and the builder share one description per layer
(:func:`cvlab.keras.build.layer_call`). Executing the generated code of every zoo entry
(and of entries with options varied) and of every layer-language example against a
recording stand-in for ``keras`` (no TensorFlow, milliseconds) checks the whole graph
it builds: each layer's class, arguments and name, which tensors it reads, the model's
input, outputs and name — equal to the builder's description, node for node.

With real Keras (slow), the generated code of one entry for each kind of wiring the
zoo has (a plain stack, the CIFAR zero-pad shortcut, projection shortcuts, Inception
branches with auxiliary outputs, inverted residuals, squeeze-and-excitation with
stochastic depth), at the smallest resolution its layers fit, and of every example, is
executed and its model compared with the analytic profile: total and trainable
parameters, every layer's output shape and the outputs' shapes. The profile is what
tests/test_keras_parity.py holds equal to the builder's model for every entry; the
small ones (LeNet-5, CIFAR ResNet, the examples) are compared with the builder's model
layer by layer too (class and configuration). Building every entry for real is past
this file's budget: the first 12 entries alone took 70 s on the shared 2-core machine.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from types import ModuleType

import pytest

from cvlab import zoo
from cvlab.errors import CvlabError
from cvlab.keras.build import layer_call
from cvlab.keras.codegen import STACK_TITLE, network_code, zoo_title
from cvlab.profile import profile
from cvlab.zoo.stack import parse_stack
from cvlab.zoo.stack_examples import EXAMPLES

OPTION_CASES = [
    ("mobilenet_v2", {"alpha": 0.35, "resolution": 96}),
    ("mobilenet_v2", {"padding": "symmetric", "bn_epsilon": 1e-5, "include_top": False}),
    ("mobilenet_v1", {"alpha": 0.25, "include_top": False}),
    ("googlenet", {"aux": True}),
    ("vgg16", {"classes": 7}),
    ("cifar_resnet", {"depth": 32, "shortcut": "projection"}),
]
KERAS_CASES = ("lenet5", "cifar_resnet", "resnet18", "googlenet", "mobilenet_v2",
               "efficientnet_b0")
BUILDER_TOO = ("lenet5", "cifar_resnet")  # small: the builder's side too


def _options(name: str) -> dict:
    """The smallest square input the entry's layers fit (GoogLeNet with its aux heads)."""
    extra = {"aux": True} if name == "googlenet" else {}
    for resolution in range(16, 300):
        try:
            zoo.get(name, resolution=resolution, **extra)
        except CvlabError:
            continue
        return {"resolution": resolution, **extra}
    raise AssertionError(name)


class _Tensor(str):
    """A stand-in tensor: the name of the layer that made it."""


def recording_keras():
    """A stand-in ``keras`` module that records what the generated code builds."""
    made = {}

    def layer(cls):
        def construct(*args, **kwargs):
            def apply(x):
                inputs = tuple(x) if isinstance(x, list) else (x,)
                made[kwargs["name"]] = (cls, args, kwargs, inputs)
                return _Tensor(kwargs["name"])
            return apply
        return construct

    class Layers:
        def __getattr__(self, cls):
            return layer(cls)

    def model(inputs, outputs, name):
        outputs = tuple(outputs) if isinstance(outputs, list) else (outputs,)
        return {"inputs": inputs, "outputs": outputs, "name": name, "layers": made}

    def input_(shape, name):
        made[name] = ("Input", shape)
        return _Tensor(name)

    stand_in = ModuleType("keras")
    stand_in.layers, stand_in.Model, stand_in.Input = Layers(), model, input_
    return stand_in


def _recorded(source: str, monkeypatch) -> dict:
    monkeypatch.setitem(sys.modules, "keras", recording_keras())
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace["build_model"]()


def _expected(network) -> dict:
    layers = {}
    for node in network.nodes:
        if node.op == "input":
            layers[node.name] = ("Input", tuple(node.attrs["shape"]))
            continue
        call = layer_call(node)
        layers[node.name] = (call.cls, call.args, dict(call.kwargs), node.inputs)
    return {"inputs": network.nodes[0].name, "outputs": network.outputs,
            "name": network.name, "layers": layers}


@pytest.mark.parametrize("case", [(n, {}) for n in zoo.names()] + OPTION_CASES,
                         ids=lambda c: c[0] + "".join(f"-{k}={v}" for k, v in c[1].items()))
def test_generated_zoo_code_builds_the_builders_graph(case, monkeypatch):
    name, options = case
    network = zoo.get(name, **options)
    source = network_code(network, zoo_title(name, options))
    assert _recorded(source, monkeypatch) == _expected(network)


@pytest.mark.parametrize("title", EXAMPLES)
def test_generated_stack_code_builds_the_builders_graph(title, monkeypatch):
    network = parse_stack(EXAMPLES[title])
    assert _recorded(network_code(network, STACK_TITLE), monkeypatch) == _expected(network)


def test_stack_names_stay_inside_string_literals():
    network = parse_stack("input 8x8x3\nclass: conv 4 3x3\nx: relu\nadd class x\n",
                          name='evil"""\nimport os')
    source = network_code(network, STACK_TITLE)
    tree = ast.parse(source)
    assert [n for n in ast.walk(tree) if isinstance(n, ast.Import)][0].names[0].name == "keras"
    assert len([n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]) == 1
    assert 'name="evil\\"\\"\\"\\nimport os"' in source


def _exec(source: str):
    namespace: dict = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace["build_model"]()


def _assert_matches_profile(model, network):
    ours = profile(network)
    kept = {layer.name for layer in model.layers}
    records = [r for r in ours.layers if r.name in kept]
    assert model.count_params() == sum(r.params for r in records)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert trainable == sum(r.trainable_params for r in records)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert {r.name: r.output_shape for r in records} == shapes
    outputs = model.outputs
    assert [tuple(o.shape[1:]) for o in outputs] == [
        next(r.output_shape for r in records if r.name == name) for name in network.outputs]


def _assert_matches_builder(model, network):
    from cvlab.keras.build import build_model

    built = build_model(network)
    assert [(type(a).__name__, a.get_config()) for a in model.layers] == [
        (type(b).__name__, b.get_config()) for b in built.layers]


@pytest.fixture
def fresh_keras():
    """Keras, its session cleared after the test."""
    from cvlab.lazy_tf import keras

    yield keras()
    keras().backend.clear_session()


@pytest.mark.slow
@pytest.mark.parametrize("name", KERAS_CASES)
def test_generated_zoo_code_builds_the_profiled_model(name, fresh_keras):
    options = _options(name)
    network = zoo.get(name, **options)
    model = _exec(network_code(network, zoo_title(name, options)))
    _assert_matches_profile(model, network)
    if name in BUILDER_TOO:
        _assert_matches_builder(model, network)


@pytest.mark.slow
@pytest.mark.parametrize("title", EXAMPLES)
def test_generated_stack_code_builds_the_builders_model(title, fresh_keras):
    network = parse_stack(EXAMPLES[title])
    model = _exec(network_code(network, STACK_TITLE))
    _assert_matches_profile(model, network)
    _assert_matches_builder(model, network)


def cvlab(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "cvlab", *args], capture_output=True,
                          text=True, input=stdin)


def test_cli_prints_a_module_with_build_model(tmp_path):
    result = cvlab("code", "mobilenet_v2", "--alpha", "0.5", "--resolution", "96", "--no-top")
    assert result.returncode == 0, result.stderr
    network = zoo.get("mobilenet_v2", alpha=0.5, resolution=96, include_top=False)
    assert result.stdout == network_code(
        network, zoo_title("mobilenet_v2", {"alpha": 0.5, "resolution": 96,
                                            "include_top": False}),
        "python -m cvlab code mobilenet_v2 --alpha 0.5 --resolution 96 --no-top")
    stack = tmp_path / "tiny.txt"
    stack.write_text("input 16x16x3\nconv 4 3x3 same\ngap\ndense 2\n")
    result = cvlab("code", "--layers", str(stack))
    assert result.returncode == 0, result.stderr
    assert "def build_model():" in result.stdout
    assert 'name="tiny"' in result.stdout
    assert "keras.layers.Dense(2, " in result.stdout


@pytest.mark.parametrize("args", [("nope",), ("mobilenet_v2", "--alpha", "0.3"), (),
                                  ("vgg16", "--layers", "x.txt"), ("--layers", "missing.txt"),
                                  ("lenet5", "--resolution", "4")])
def test_cli_bad_arguments_exit_2_with_one_line(args, capsys):
    from cvlab.cli import main

    assert main(["code", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err


def test_making_the_code_imports_no_tensorflow(tmp_path):
    """In a fresh interpreter: the generators are string work, as the pages need."""
    probe = ("import sys; from cvlab import zoo; from cvlab.keras.codegen import network_code;"
             "from cvlab.train.codegen import training_code; from cvlab.train import TrainConfig;"
             "from cvlab.weights.sources import WeightsSource;"
             "network_code(zoo.get('efficientnet_b0'), 'B0');"
             f"training_code(TrainConfig({str(tmp_path)!r}, mode='fine-tune'), 2,"
             " WeightsSource('none', None, 'keras', 'keras', None));"
             "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr
