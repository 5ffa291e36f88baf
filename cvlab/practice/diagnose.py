"""A difference between the learner's block and the course's, said in the course's terms.

:func:`structure` compares the steps (:mod:`cvlab.practice.graph`) along each path and
names the first difference ("the shortcut is added after the last ReLU; add it before",
"a batch norm is missing after the second convolution", "a ReLU6 after the linear
projection"). :func:`settings` compares the settings of steps that pair up one to one
(the stride's place, padding, bias, batch-norm axis), for when the structure agrees but the
numbers do not. Both return ``None`` when they find nothing.
"""

from __future__ import annotations

import difflib

from cvlab.practice.graph import Step, paths, signature

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
NAMES = {"relu": "ReLU", "relu6": "ReLU6", "batch norm": "batch norm", "add": "addition",
         "concat": "concatenation", "rescale": "preprocessing (rescaling)"}


def structure(ref: list[Step], mine: list[Step]) -> str | None:
    ref_paths, my_paths = paths(ref), paths(mine)
    merge = _merge_message(ref, mine, ref_paths, my_paths)
    if merge:
        return merge
    for name, ref_path in ref_paths.items():
        my_path = my_paths.get(name)
        if my_path is None:
            return f"the {name} is missing: the course's is {_chain(ref_path)}"
        message = _path_difference(name, ref_path, my_path)
        if message:
            return message
    for name in my_paths.keys() - ref_paths.keys():
        return f"there is an extra {name}: {_chain(my_paths[name])}; the course has none"
    return None


def settings(ref: list[Step], mine: list[Step]) -> str | None:
    ref_paths, my_paths = paths(ref), paths(mine)
    for name, ref_path in ref_paths.items():
        my_path = my_paths.get(name, [])
        if [s.label for s in my_path] != [s.label for s in ref_path]:
            continue
        stride = _stride_message(name, ref_path, my_path)
        if stride:
            return stride
        for i, (r, m) in enumerate(zip(ref_path, my_path, strict=True)):
            where = _where(name, ref_path, i)
            for key, say in (("padding", _padding), ("use_bias", _bias), ("axis", _axis),
                             ("rate", _rate)):
                if key in r.detail and r.detail.get(key) != m.detail.get(key):
                    return say(where, r.detail[key], m.detail.get(key))
    return None


def _merge_message(ref, mine, ref_paths, my_paths) -> str | None:
    ref_add = any(s.kind == "add" for s in ref_paths["main path"])
    my_add = any(s.kind == "add" for s in my_paths["main path"])
    if ref_add and not my_add:
        return ("there is no shortcut: the block never adds its input back; add it with "
                "`layers.Add()([X, X_shortcut])`")
    if my_add and not ref_add:
        return ("the input is added here, but the course's block has no skip connection "
                "for these arguments (it is there only where the shapes match)")
    order = _concat_order(ref_paths["main path"], my_paths["main path"])
    if order:
        return order
    if ref_add and my_add:
        ref_after = _after_add(ref_paths["main path"])
        my_after = _after_add(my_paths["main path"])
        if ref_after and not my_after and _before_add(my_paths["main path"]) == ref_after:
            name = NAMES.get(ref_after, ref_after)
            return f"the shortcut is added after the last {name}; add it before"
        if my_after and not ref_after:
            name = NAMES.get(my_after, my_after)
            return (f"there is a {name} after the addition; the course's block ends with the "
                    "addition")
    return None


def _concat_order(ref_main: list[Step], my_main: list[Step]) -> str | None:
    """Concatenated branches that are right but in another order."""
    ref_cat = [s for s in ref_main if s.kind == "concat"]
    my_cat = [s for s in my_main if s.kind == "concat"]
    for r, m in zip(ref_cat, my_cat, strict=False):
        ref_sigs = [signature(b) for b in r.branches]
        my_sigs = [signature(b) for b in m.branches]
        if ref_sigs != my_sigs and sorted(ref_sigs) == sorted(my_sigs):
            names = "; ".join(_chain(b) for b in r.branches)
            return ("the branches are right but concatenated in another order; the "
                    f"course's order is: {names}")
    return None


def _after_add(main: list[Step]) -> str | None:
    for i, s in enumerate(main):
        if s.kind == "add":
            return main[i + 1].kind if i + 1 < len(main) else None
    return None


def _before_add(main: list[Step]) -> str | None:
    for i, s in enumerate(main):
        if s.kind == "add":
            return main[i - 1].kind if i else None
    return None


def _path_difference(name: str, ref_path: list[Step], my_path: list[Step]) -> str | None:
    ref_labels = [s.label for s in ref_path]
    my_labels = [s.label for s in my_path]
    if ref_labels == my_labels:
        return None
    matcher = difflib.SequenceMatcher(a=ref_labels, b=my_labels, autojunk=False)
    for op, i1, _, j1, _ in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "delete":
            missing = _say(ref_path[i1])
            if i1 == 0:
                return f"{_article(missing)} {missing} is missing at the start of the {name}"
            return (f"{_article(missing)} {missing} is missing after "
                    f"{_where(name, ref_path, i1 - 1)}")
        if op == "insert":
            extra = _say(my_path[j1])
            if j1 == 0:
                return f"there is an extra {extra} at the start of the {name}"
            before = my_path[j1 - 1]
            if before.kind == "batch norm" and j1 >= 2 and my_path[j1 - 2].kind == "conv" \
                    and j1 == len(my_path) - (2 if my_path[-1].kind == "add" else 1) \
                    and ref_path[-1].kind in ("batch norm", "add"):
                return (f"{_article(extra)} {extra} after the linear projection: the last "
                        "1×1 convolution and its batch norm have no activation")
            return f"there is an extra {extra} after {_where(name, my_path, j1 - 1)}"
        return (f"the {name} has {_article(_say(my_path[j1]))} {_say(my_path[j1])} where the "
                f"course has {_article(_say(ref_path[i1]))} {_say(ref_path[i1])} "
                f"(the course's {name}: {_chain(ref_path)})")
    return None


def _stride_message(name: str, ref_path: list[Step], my_path: list[Step]) -> str | None:
    def strided(path):
        return [i for i, s in enumerate(path) if s.detail.get("stride", (1, 1)) != (1, 1)
                and s.kind in ("conv", "depthwise")]

    ref_at, my_at = strided(ref_path), strided(my_path)
    if ref_at == my_at:
        for i in ref_at:
            if ref_path[i].detail["stride"] != my_path[i].detail["stride"]:
                return (f"{_where(name, ref_path, i)} has stride {my_path[i].detail['stride'][0]}"
                        f"; the course's has stride {ref_path[i].detail['stride'][0]}")
        return None
    if not my_at:
        return (f"no convolution on the {name} has a stride; the course puts it on "
                f"{_where(name, ref_path, ref_at[0])}")
    if not ref_at:
        return (f"{_where(name, my_path, my_at[0])} has a stride; the course's {name} keeps "
                "stride 1")
    return (f"the stride is on {_where(name, my_path, my_at[0])}; the course puts it on "
            f"{_where(name, ref_path, ref_at[0])}")


def _where(name: str, path: list[Step], i: int) -> str:
    """``the first 1×1 convolution`` / ``the 3×3 convolution`` / ``the shortcut's batch
    norm``: step ``i`` among the steps of its label on that path."""
    step = path[i]
    same = [j for j, s in enumerate(path) if s.label == step.label]
    owner = "" if name == "main path" else f"{name}'s "
    text = _say(step)
    if len(same) > 1:
        k = same.index(i)
        text = f"{'last' if k == len(same) - 1 and k > 1 else ORDINALS[min(k, 5)]} {text}"
    elif step.kind in ("batch norm", "relu", "relu6") and i:
        return f"the {owner}{text} after {_where(name, path, i - 1)[4:]}"
    return f"the {owner}{text}"


def _say(step: Step) -> str:
    kernel = step.detail.get("kernel")
    size = f"{kernel[0]}×{kernel[1]} " if kernel else ""
    if step.kind == "conv":
        return f"{size}convolution"
    if step.kind == "depthwise":
        return f"{size}depthwise convolution"
    return f"{size}{NAMES.get(step.kind, step.kind)}"


def _article(text: str) -> str:
    return "an" if text[:1] in "aeio" or text.startswith(("1×", "8×", "11×")) else "a"


def _chain(path: list[Step]) -> str:
    return " → ".join(_say(s) for s in path) or "the input itself"


def _padding(where, ref, mine):
    return f"{where} has padding {mine!r}; the course's has padding {ref!r}"


def _bias(where, ref, mine):
    return (f"{where} has a bias; the course's has none (use_bias=False)" if mine else
            f"{where} has no bias; the course's has one")


def _axis(where, ref, mine):
    return f"{where} normalises axis {mine}; the course's normalises the channels (axis={ref})"


def _rate(where, ref, mine):
    return f"{where} has rate {mine}; the course's has rate {ref}"
