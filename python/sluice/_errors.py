"""_errors.py - sluice's negative return codes as Python exceptions.

Every exception carries the code (negative, as the C library returns it),
sluice_strerror()'s text and sluice_errdetail()'s line about what exactly
went wrong, read in the same thread right after the failing call."""
import errno as _errno

from . import _lib as L


class SluiceError(Exception):
    """A failed sluice call.  code: the negative code; errno: the errno
    value for system errors (None for sluice's own codes); strerror: what
    the code means; detail: sluice_errdetail() of the failure ("" if none)."""

    def __init__(self, code, detail="", strerror=None):
        why = strerror or L.sluice_strerror(code).decode(errors="replace")
        msg = why
        if detail and why not in detail:
            msg = "%s: %s" % (detail, why)
        elif detail:
            msg = detail
        super().__init__(msg)
        # after the base class's __init__: OSError's would reset errno
        self.code = code
        self.errno = -code if 0 < -code < 4096 else None
        self.strerror = why
        self.detail = detail
        self._msg = msg

    def __str__(self):
        return self._msg


class TornError(SluiceError):
    """A lossy publisher overwrote a message while it was read."""


class PublisherGone(SluiceError):
    """The topic has no live publisher and nothing is left to read."""


class Evicted(SluiceError):
    """This subscriber was evicted from its topic."""


class TopicNotFound(SluiceError, FileNotFoundError):
    """No such topic."""


_CLASSES = {-4200: TornError, -4105: PublisherGone, -4202: Evicted, -_errno.ENOENT: TopicNotFound}


def error(code, context=""):
    """The exception for a negative code, with this thread's errdetail."""
    detail = L.sluice_errdetail().decode(errors="replace")
    if not detail and context:
        detail = context
    return _CLASSES.get(code, SluiceError)(code, detail)


def check(rc, context=""):
    """Raises for a negative rc; returns rc otherwise."""
    if rc < 0:
        raise error(rc, context)
    return rc
