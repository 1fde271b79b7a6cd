"""The staff admin: read models to browse, command forms and actions to act, each aggregate's history.

The write models are not registered: the admin changes them only through command handlers, never by
saving a model. Besides the read models it has the users and their integrator API tokens (tokens.py).
"""

from django.contrib import admin

from config.throttles import ThrottledAdminLoginForm
from queries.admin import customers, events, orders, products, tokens  # noqa: F401  (register the model admins)

admin.site.site_header = "cqrs-shop admin"
admin.site.site_title = "cqrs-shop admin"
admin.site.index_title = "Run the shop"
admin.site.login_form = ThrottledAdminLoginForm  # failed log-ins limited per client and username, as elsewhere
