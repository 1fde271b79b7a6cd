from django.urls import path

from commands.api.views import COMMAND_VIEWS

urlpatterns = [path(f"{name}/", view.as_view(), name=f"command-{name}") for name, view in COMMAND_VIEWS.items()]
# Without its trailing slash, CommonMiddleware would answer a POST with an HTML-typed 301 that drops the
# body; serve the command there too (left out of the schema, which names the canonical URL only).
urlpatterns += [path(name, view.as_view(schema=None)) for name, view in COMMAND_VIEWS.items()]
