"""Who may control a job: the learner who started it, or the teacher.

An *actor* is who asks the queue to act (:mod:`cvlab.jobs.queue`): an owner hash, or
:data:`TEACHER`. A job's record keeps the hash of its owner's secret (:func:`owner_hash`),
never the secret itself, because every session that lists the queue reads the records::

    secret = new_token()            # kept by the learner's session and URL
    owner = owner_hash(secret)      # stored in job.json, passed as the actor
    check(job, owner, "stop")       # CvlabError unless job.owner == owner

The secret is a random token without a login, or the logged-in user's id with one
(:func:`user_secret`). The teacher, and the server's own account (the CLI), act on every
job; a job with no owner (started from the command line, or recorded before owners
existed) only by them. The operator names the teacher's token in ``CVLAB_TEACHER_TOKEN``
(:func:`is_teacher`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

from cvlab.errors import CvlabError

TEACHER = "teacher"
TEACHER_ENV = "CVLAB_TEACHER_TOKEN"
ALLOWED = "the learner who started it, or the teacher"
_HASH = re.compile(r"^[0-9a-f]{64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")

__all__ = ["ALLOWED", "TEACHER", "allowed", "check", "is_hash", "is_teacher", "new_token",
           "owner_hash", "token_or_none", "user_secret"]


def new_token() -> str:
    """An unguessable owner token (URL-safe, 32 random bytes)."""
    return secrets.token_urlsafe(32)


def token_or_none(value) -> str | None:
    """``value`` when it has a token's shape (what :func:`new_token` makes), else ``None``:
    a URL's token is read only through here."""
    return value if isinstance(value, str) and _TOKEN.match(value) else None


def user_secret(user_id: str) -> str:
    """The secret of a logged-in user (``st.user``'s ``sub`` or email), kept apart from
    tokens."""
    if not isinstance(user_id, str) or not user_id:
        raise CvlabError(f"Received: user id {user_id!r}; allowed: a non-empty string")
    return f"user:{user_id}"


def owner_hash(secret: str) -> str:
    """The owner a record stores for ``secret``: its SHA-256, in hex."""
    if not isinstance(secret, str) or not secret:
        raise CvlabError("Received: an empty owner secret; allowed: a token or a user id")
    return hashlib.sha256(f"cvlab-owner:{secret}".encode()).hexdigest()


def is_hash(value) -> bool:
    """Whether ``value`` has the shape of :func:`owner_hash`'s result."""
    return isinstance(value, str) and bool(_HASH.match(value))


def is_teacher(token, expected: str | None = None) -> bool:
    """Whether ``token`` is the teacher's: ``expected``, else ``CVLAB_TEACHER_TOKEN``;
    never when neither is set."""
    expected = expected or os.environ.get(TEACHER_ENV, "")
    return (isinstance(expected, str) and bool(expected) and isinstance(token, str)
            and hmac.compare_digest(token.encode(), expected.encode()))


def allowed(owner: str | None, actor: str | None) -> bool:
    """Whether ``actor`` may control a job recorded with ``owner``."""
    if actor == TEACHER:
        return True
    return isinstance(owner, str) and is_hash(actor) and hmac.compare_digest(owner, actor)


def check(job, actor: str | None, action: str) -> None:
    """:class:`CvlabError` unless ``actor`` may ``action`` the job (a :class:`Job`)."""
    if not (actor == TEACHER or is_hash(actor)):
        raise CvlabError(f"Received: actor {actor!r}; allowed: an owner hash or "
                         f"{TEACHER!r}")
    if not allowed(job.owner, actor):
        raise CvlabError(f"Received: {action} for job {job.id}, started by someone else; "
                         f"allowed: {ALLOWED}")
