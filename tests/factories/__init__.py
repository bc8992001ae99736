"""All factory-boy factories, importable from one place: `from tests.factories import SellerFactory`.

Each app's factories live in their own module here; this package re-exports them.
"""

from tests.factories.ai import *  # noqa: F403
from tests.factories.autoreplies import *  # noqa: F403
from tests.factories.guardrails import *  # noqa: F403
from tests.factories.integrations import *  # noqa: F403
from tests.factories.interactions import *  # noqa: F403
from tests.factories.leads import *  # noqa: F403
from tests.factories.notifications import *  # noqa: F403
from tests.factories.sellers import *  # noqa: F403
