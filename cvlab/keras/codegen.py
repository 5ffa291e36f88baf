"""A zoo :class:`~cvlab.zoo.graph.Network` as Python source that builds the same model.

The source is printed from :func:`cvlab.keras.build.layer_call`, the description that
:func:`~cvlab.keras.build.build_model` instantiates, so running it gives the same
layers, with the same names, configurations, parameter counts and output shapes.
It is Functional-API code of one line per layer, grouped by stage with a comment per
stage. A layer's output is ``x`` while the next layer alone reads it; an output that a
later layer reads too (a skip connection, a branch) gets a variable named after the
layer. Importing this module does not import TensorFlow.

Names from outside (a stack's file name, its layer names) only ever appear inside
string literals; comments hold cvlab's own words.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping

from cvlab.keras.build import LayerCall, layer_call
from cvlab.profile import profile
from cvlab.zoo.graph import Network, Node

INDENT = "    "
RESERVED = {"keras", "x", "inputs", "outputs", "model"}
STACK_TITLE = "Your own layer graph"


def literal(value) -> str:
    """``value`` (str, number, bool, None, tuple, list) as Python source; strings in
    double quotes, with every character outside printable ASCII escaped."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        items = ", ".join(literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise TypeError(f"No Python literal for this value. Received: {value!r}")


def call_source(call: LayerCall, prefix: str = "keras.layers.") -> str:
    """``keras.layers.Conv2D(32, 3, strides=2, name="conv1")``."""
    args = [literal(a) for a in call.args]
    args += [f"{k}={literal(v)}" for k, v in call.kwargs.items()]
    return f"{prefix}{call.cls}({', '.join(args)})"


def network_function(network: Network, function: str = "build_model") -> list[str]:
    """The lines of ``def <function>():`` that returns ``network`` as a ``keras.Model``."""
    names = _variables(network)
    reaches = _reaching_outputs(network)
    lines = [f"def {function}():"]
    stage = None
    for node in network.nodes:
        if node.op == "input":
            lines.append(f"{INDENT}{names[node.name]} = keras.Input(shape="
                         f"{literal(tuple(node.attrs['shape']))}, name={literal(node.name)})")
            continue
        if node.stage != stage:
            stage = node.stage
            lines += ["", f"{INDENT}# {_comment(stage)}"]
        if node.name not in reaches:
            lines.append(f"{INDENT}# Not on the way to the output: keras.Model leaves it out.")
        inputs = [names[i] for i in node.inputs]
        arg = inputs[0] if len(inputs) == 1 else "[" + ", ".join(inputs) + "]"
        lines.append(f"{INDENT}{names[node.name]} = {call_source(layer_call(node))}({arg})")
    outputs = [names[o] for o in network.outputs]
    out = outputs[0] if len(outputs) == 1 else "[" + ", ".join(outputs) + "]"
    lines += ["", f"{INDENT}return keras.Model({names[network.nodes[0].name]}, {out}, "
                  f"name={literal(network.name)})"]
    return lines


def network_code(network: Network, title: str, command: str | None = None) -> str:
    """A module whose ``build_model()`` returns ``network`` as a ``keras.Model`` (random
    weights). ``title`` is cvlab's own description of it; ``command`` the CLI that prints it."""
    kept = _reaching_outputs(network)
    records = [r for r in profile(network).layers if r.name in kept]
    params = sum(r.params for r in records)
    trainable = sum(r.trainable_params for r in records)
    macs = sum(r.macs for r in records)
    outputs = ", ".join(shape_text(n.output_shape) for n in network.nodes
                        if n.name in network.outputs)
    left_out = len(network.nodes) - len(kept)
    lines = [
        f'"""{title}, as Keras code (Functional API).',
        "",
        *([f"Printed by `{command}`."] if command else []),
        "Made by cvlab from the same layer graph that the app profiles and builds.",
        f"Input {shape_text(network.input_shape)}, output {outputs}; "
        f"{params:,} parameters",
        f"({trainable:,} trainable); {macs:,} multiply-adds per image.",
        *([f"keras.Model leaves out {left_out} layer(s) not on the way to the output, and "
           "so do these counts."] if left_out else []),
        "Weights are random (nothing downloads); build_model().summary() lists every layer.",
        '"""',
        "",
        "import keras",
        "",
        "",
        *network_function(network),
        "",
        "",
        'if __name__ == "__main__":',
        f"{INDENT}build_model().summary()",
    ]
    return "\n".join(lines) + "\n"


def zoo_title(name: str, options: Mapping) -> str:
    """``MobileNet v2 (alpha 1.0, 224×224 input, 1000 classes)`` for a zoo entry."""
    from cvlab import zoo

    o = zoo.resolve_options(name, **options)
    parts = [f"alpha {o['alpha']}"] if "alpha" in o else []
    parts.append(f"{o['resolution']}×{o['resolution']} input")
    parts.append(f"{o['classes']} classes" if o["include_top"] else "no classifier head")
    parts += [f"{k} {o[k]}" for k in ("depth", "shortcut") if k in o]
    if o.get("aux") and o["include_top"]:
        parts.append("auxiliary heads")
    return f"{zoo.info(name).title} ({', '.join(parts)})"


def _variables(network: Network) -> dict[str, str]:
    """Each node's variable: ``x`` when only the next node reads it (or it is the last),
    ``inputs`` for the input, else a Python name made from the layer's name."""
    readers: dict[str, list[int]] = {}
    for index, node in enumerate(network.nodes):
        for i in node.inputs:
            readers.setdefault(i, []).append(index)
    names: dict[str, str] = {}
    taken = set(RESERVED)
    last = len(network.nodes) - 1
    for index, node in enumerate(network.nodes):
        if node.op == "input":
            names[node.name] = "inputs"
        elif readers.get(node.name) == [index + 1] or (index == last and node.name
                                                          not in readers):
            names[node.name] = "x"
        else:
            names[node.name] = _identifier(node.name, taken)
    return names


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name, flags=re.ASCII) or "layer"
    if base[0].isdigit() or keyword.iskeyword(base) or keyword.issoftkeyword(base):
        base = f"_{base}"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}_{n}"
    taken.add(found)
    return found


def _reaching_outputs(network: Network) -> set[str]:
    """Nodes on some path to an output (keras.Model keeps only these)."""
    by_name: dict[str, Node] = {n.name: n for n in network.nodes}
    seen, todo = set(), list(network.outputs)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(by_name[name].inputs)
    return seen


def shape_text(shape) -> str:
    return "×".join(str(d) for d in shape)


def _comment(text: str) -> str:
    """A stage label as one comment line (stack stages are layer names or H×W)."""
    return re.sub(r"[^\w×. -]", "_", text)
