# The portal's jobs are installations pushed with real photos, processed at once.
from tests.evidence.conftest import _processed_at_once  # noqa: F401
