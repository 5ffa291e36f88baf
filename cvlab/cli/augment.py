"""`python -m cvlab augment IMAGE`: draw seeded augmentations of an image into a grid PNG.

IMAGE is a file path or a bundled photo name (Cat, Coffee, Astronaut, Rocket, ...).
Without ``--pipeline`` the studio's default pipeline is used. Mixing steps blend
in ``--partner`` (another path or photo name, default Coffee).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from cvlab.augment.photos import PHOTOS, load_photo
from cvlab.augment.spec import default_spec, spec_from_json
from cvlab.data.images import Rejected, decode
from cvlab.errors import CvlabError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "augment",
        help="preview an augmentation pipeline on an image",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    parser.add_argument("image", metavar="IMAGE", help=f"a path, or one of: {', '.join(PHOTOS)}")
    parser.add_argument("--pipeline", metavar="P.json", help="pipeline exported by the studio")
    parser.add_argument("--partner", default="Coffee", help="second image for mixup/cutmix")
    parser.add_argument("--n", type=int, default=9, help="number of draws (default 9)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--size", type=int, default=224, help="square side in pixels")
    parser.add_argument("--out", default="augment-grid.png", help="where to write the grid")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args) -> int:
    from cvlab.augment.preview import describe, draw_grid, grid_image, prepare_image

    if not 16 <= args.size <= 1024:
        raise CvlabError(f"Received --size {args.size}; allowed: 16 to 1024")
    spec = _read_spec(args.pipeline) if args.pipeline else default_spec()
    image = prepare_image(_read_image(args.image), args.size)
    partner = prepare_image(_read_image(args.partner), args.size) if spec.batch_steps else None
    result = draw_grid(spec, image, args.n, args.seed, partner=partner)
    Image.fromarray(grid_image(result.images)).save(args.out)
    if args.json:
        print(json.dumps({"out": args.out, "seed": args.seed, "draws": list(result.draws)}))
    else:
        print(f"{args.n} draws, seed {args.seed} → {args.out}")
        for i, draw in enumerate(result.draws, 1):
            print(f"  {i:>2}. {describe(draw)}")
    return 0


def _read_spec(path: str):
    try:
        return spec_from_json(Path(path).read_bytes())
    except OSError as exc:
        raise CvlabError(f"Received --pipeline {path!r} ({exc.strerror}); "
                         "allowed: a readable JSON file") from None


def _read_image(name: str) -> np.ndarray:
    if name in PHOTOS:
        return load_photo(name)
    try:
        return decode(Path(name).expanduser()).pixels  # the app's pixel limit applies
    except Rejected as exc:
        raise CvlabError(
            f"Received IMAGE {name!r} ({exc}); allowed: a readable image file or "
            f"{', '.join(PHOTOS)}"
        ) from None
