"""`python -m cvlab code NAME | --layers FILE`: the Keras code that builds the network.

Prints a Python module whose ``build_model()`` returns the network as a ``keras.Model``
(Functional API, random weights), generated from the same graph the app builds.
"""

from __future__ import annotations

from cvlab.cli import _network_args as network_args
from cvlab.errors import CvlabError
from cvlab.keras.codegen import STACK_TITLE, network_code, zoo_title


def register(sub) -> None:
    parser = sub.add_parser(
        "code", help="print the Keras code that builds a network (no TensorFlow needed)",
        description="Print a Python module whose build_model() returns a zoo network by "
                    "NAME, or a custom stack with --layers FILE, as a keras.Model.")
    network_args.add(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    if (args.name is None) == (args.layers is None):
        raise CvlabError("Received: " + ("both NAME and --layers" if args.name else "neither")
                         + "; allowed: a model NAME or --layers FILE (exactly one). See "
                         "`python -m cvlab models` for names.")
    if args.layers is not None:
        if args.alpha is not None or args.resolution is not None or args.no_top \
                or args.classes is not None or args.aux:
            raise CvlabError("Received: zoo options with --layers; allowed: the stack's own "
                             "lines set its shapes (no --alpha, --resolution, --no-top, "
                             "--classes or --aux).")
        network = network_args.stack_network(args)
        print(network_code(network, STACK_TITLE, "python -m cvlab code --layers FILE"), end="")
        return 0
    options = network_args.zoo_options(args)
    network = network_args.zoo_network(args)
    flags = {"alpha": "--alpha", "resolution": "--resolution", "classes": "--classes"}
    command = " ".join(["python -m cvlab code", args.name,
                        *(f"{flags[k]} {v}" for k, v in options.items() if k in flags),
                        *(["--no-top"] if args.no_top else []), *(["--aux"] if args.aux else [])])
    print(network_code(network, zoo_title(args.name, options), command), end="")
    return 0
