"""Whether this server may run learners' code: Practice's one switch.

Checking a learner's block runs their Python code (in a limited process, but still code
execution on the server). On loopback (``127.0.0.1``, the default of ``make run``) the
learner is the machine's own user, as in a notebook. Served beyond loopback (``make run
HOST=0.0.0.0``) anyone who can open the page could run code on the server, so Practice is
off there unless the operator sets ``CVLAB_PRACTICE=on``.
"""

from __future__ import annotations

import ipaddress
import os

SETTING = "CVLAB_PRACTICE"
LOOPBACK_NAMES = ("localhost",)


def loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only. An
    empty address binds every interface."""
    if not address:
        return False
    if address in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def practice_allowed(address: str | None, environ=os.environ) -> bool:
    """Practice is on for a loopback server, or where the operator set ``CVLAB_PRACTICE=on``
    (any other value keeps it off beyond loopback)."""
    return loopback(address) or environ.get(SETTING, "").strip().lower() == "on"
