"""`python -m cvlab …`: the headless interface."""

import sys

from cvlab.cli import main

sys.exit(main())
