"""Every Plotly figure the app draws, as pure functions of engine results (no streamlit, no
TensorFlow), one module per subject; names from users go through :func:`style.label`.

``from cvlab import figures`` then ``figures.shape_flow(profile)``: the package exports every
builder, so a page never needs to know which module holds one.
"""

from cvlab.figures.experiments import error_curves, gradient_norms, weight_decay
from cvlab.figures.labs import (
    block_bars,
    branch_cost_bars,
    equal_macs_bars,
    macs_vs_latency,
    module_bars,
    multiplier_curves,
    relu_loss_bars,
    separable_bars,
)
from cvlab.figures.network import accuracy_frontier, breakdown, compare, per_layer, shape_flow
from cvlab.figures.practice import block_paths
from cvlab.figures.style import (
    CHANNEL_COLOR,
    MAC_COLOR,
    PARAM_COLOR,
    SPATIAL_COLOR,
    TEMPLATE,
    label,
    labels,
)
from cvlab.figures.training import confusion, history, top_k
from cvlab.figures.transfer import block_diagram, clickable_confusion, runs_overlay, transfer_curve

__all__ = ["CHANNEL_COLOR", "MAC_COLOR", "PARAM_COLOR", "SPATIAL_COLOR", "TEMPLATE",
           "accuracy_frontier", "block_bars", "block_diagram", "block_paths", "branch_cost_bars",
           "breakdown",
           "clickable_confusion", "compare", "confusion", "equal_macs_bars", "error_curves",
           "gradient_norms", "history", "label", "labels", "macs_vs_latency", "module_bars",
           "multiplier_curves", "per_layer", "relu_loss_bars", "runs_overlay", "separable_bars",
           "shape_flow", "top_k", "transfer_curve", "weight_decay"]
