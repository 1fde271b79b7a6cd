"""Settings driven by the environment; with nothing set, everything runs embedded under var/.

One module a concern, each reading its own environment variables (docs/operations.md lists them):
environment (paths, DEBUG, PRODUCTION, SECRET_KEY, hosts), application (apps, middleware, templates,
languages, static and media files), databases, services (cache and Celery), accounts (passwords, email,
tokens, the REST framework), shop (the shop's own knobs) and security (headers, CSP, HTTPS, logging).
`DJANGO_SETTINGS_MODULE=config.settings` is this package; a module imports what it needs from another by name,
and no setting is defined twice, so the order below does not matter.
"""

from config.settings.accounts import *  # noqa: F403
from config.settings.application import *  # noqa: F403
from config.settings.databases import *  # noqa: F403
from config.settings.environment import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.services import *  # noqa: F403
from config.settings.shop import *  # noqa: F403
