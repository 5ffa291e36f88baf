"""Formatting of profiles: a torchinfo-like text table and the CLI's JSON object."""

from __future__ import annotations

from cvlab.profile import Profile

CONVENTION = ("MACs: multiply-accumulates per image of conv, depthwise, separable and dense "
              "layers, bias excluded. Params as Keras counts them (BN moving statistics included).")


def count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1: "1 epoch", "3 epochs"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def short_count(n: float) -> str:
    """1234567 → '1.23M'; small numbers stay exact."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f}{unit}"
    return str(int(n))


def shape_text(shape) -> str:
    return "×".join(str(d) for d in shape)


def to_json(p: Profile) -> dict:
    """The CLI contract: name, input_shape, totals and one entry per layer."""
    return {
        "name": p.name,
        "input_shape": list(p.input_shape),
        "options": dict(p.options),
        "total_params": p.total_params,
        "trainable_params": p.trainable_params,
        "macs": p.macs,
        "layers": [r.to_dict() for r in p.layers],
    }


def table(p: Profile) -> str:
    """One line per layer, then totals and the counting convention."""
    header = f"{'Layer (kind)':<44} {'k/s/pad':<14} {'Output':<16} {'Params':>12} {'MACs':>16}"
    rule = "=" * len(header)
    lines = [rule, header, rule]
    for r in p.layers:
        window = ""
        if r.kernel:
            window = f"{r.kernel[0]}x{r.kernel[1]}/{r.stride[0]}"
            window += f" {r.padding}" if r.padding else ""
        lines.append(f"{(r.name + ' (' + r.kind + ')')[:44]:<44} {window:<14} "
                     f"{shape_text(r.output_shape):<16} {r.params:>12,} {r.macs:>16,}")
    lines += [
        rule,
        f"Input: {shape_text(p.input_shape)}    Layers: {len(p.layers)}",
        f"Total params: {p.total_params:,} ({short_count(p.total_params)})",
        f"Trainable params: {p.trainable_params:,}",
        f"Non-trainable params: {p.total_params - p.trainable_params:,}",
        f"MACs per image: {p.macs:,} ({short_count(p.macs)})",
        rule,
        CONVENTION,
    ]
    return "\n".join(lines)
