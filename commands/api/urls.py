from django.urls import path

from commands.api.views import COMMAND_VIEWS

urlpatterns = [path(f"{name}/", view.as_view(), name=f"command-{name}") for name, view in COMMAND_VIEWS.items()]
