"""What services raise when a rule says no. Plain Python: no Flask, no HTTP.

Each class names a kind of refusal; `server/errors.py` alone decides which HTTP status
and headers it becomes. A refusal may say when trying again makes sense
(`retry_after`, seconds), name the fields at fault (`errors`: field → messages), and
carry extra facts a client can act on (`extra`, e.g. the missing completion rules).
"""


class DomainError(Exception):
    slug = "error"

    def __init__(self, detail: str, *, slug=None, errors=None, retry_after=None, **extra):
        super().__init__(detail)
        self.detail = detail
        if slug is not None:
            self.slug = slug
        self.errors = errors
        self.retry_after = retry_after
        self.extra = extra


class BadRequest(DomainError):
    """The request is malformed in a way its schema could not see."""

    slug = "bad-request"


class Unauthenticated(DomainError):
    slug = "unauthorized"


class Forbidden(DomainError):
    """The caller's role may never do this (rows out of scope are NotFound instead)."""

    slug = "forbidden"


class NotFound(DomainError):
    slug = "not-found"

    @classmethod
    def of(cls, what: str) -> "NotFound":
        return cls(f"No such {what}.")


class Conflict(DomainError):
    """The request is well-formed but the current state of things refuses it."""

    slug = "conflict"


class Gone(DomainError):
    slug = "gone"


class TooLarge(DomainError):
    slug = "too-large"


class Refused(DomainError):
    """Content that was checked as a whole and refused (not an image, a hash mismatch)."""

    slug = "refused"


class Unsupported(DomainError):
    """A kind of content the server does not take at all."""

    slug = "unsupported-media-type"


class Invalid(DomainError):
    """A value breaks a rule: one field's message, or several with `Invalid.fields`."""

    slug = "validation-error"

    def __init__(self, field: str, message, *, detail=None, **kwargs):
        messages = message if isinstance(message, list | dict) else [message]
        super().__init__(detail or f"{field}: {message}", errors={field: messages}, **kwargs)

    @classmethod
    def fields(cls, errors: dict, detail: str, **kwargs) -> "Invalid":
        exc = cls.__new__(cls)
        DomainError.__init__(exc, detail, errors=errors, **kwargs)
        return exc


class Throttled(DomainError):
    slug = "throttled"


class Busy(DomainError):
    """Transient: the same request may succeed after `retry_after` seconds."""

    slug = "busy"

    def __init__(self, detail: str, retry_after: int = 1, **kwargs):
        super().__init__(detail, retry_after=retry_after, **kwargs)
