"""The case-study networks, each defined once as data (see :mod:`cvlab.zoo.graph`)."""

from cvlab.zoo.graph import GraphBuilder, Network, Node
from cvlab.zoo.registry import FAMILIES, REGISTRY, get, info, names, resolve_options

__all__ = ["FAMILIES", "REGISTRY", "GraphBuilder", "Network", "Node", "get", "info", "names",
           "resolve_options"]
