"""A changed password ends every API session of its user, whichever way the password was changed.

A knox token is a bearer credential that works without the password, so whoever changes a password because
it leaked must not leave a thief holding a token. Every way of changing one ends in `set_password()` then
`save()`: the storefront's change and reset forms, the admin's two password pages, `manage.py changepassword`,
a shell. So the revocation hangs on the user's `pre_save`, not on each form: four forms and a view once carried
a mixin for it, and `changepassword` still left the tokens alive.

How a save knows: `set_password()` keeps the raw password on `user._password` until `save()` has passed it to
the validators' `password_changed`; Django's own hash upgrade at log-in clears it before saving, so a stronger
hash of the same password revokes nothing. Before the save, not after: a save that fails afterwards has still
ended the tokens (the safe way round), and inside a transaction both commit or roll back together.
Tokens go through the ORM's delete, which sends the `post_delete` signal every token cache listens to.
"""

from collections.abc import Collection
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models.signals import pre_save
from knox.models import AuthToken


def revoke_api_tokens(*, user: AbstractBaseUser) -> int:
    """Delete every API token of `user`; returns how many there were."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    return revoked


def password_is_changing(user: AbstractBaseUser, update_fields: Collection[str] | None) -> bool:
    """An existing user saved after `set_password()` or `set_unusable_password()`, not after a hash upgrade."""
    if user._state.adding or user.pk is None or (update_fields is not None and "password" not in update_fields):
        return False
    if getattr(user, "_password", None) is not None:
        return True
    if user.has_usable_password():
        return False
    # set_unusable_password() leaves no raw password behind: only then is the stored hash worth a query.
    stored = type(user)._default_manager.filter(pk=user.pk).values_list("password", flat=True).first()
    return stored != user.password


def revoke_on_password_change(
    sender: Any, instance: AbstractBaseUser, update_fields: Collection[str] | None = None, **kwargs: Any
) -> None:
    if password_is_changing(instance, update_fields):
        revoke_api_tokens(user=instance)


def connect_receivers() -> None:
    pre_save.connect(revoke_on_password_change, sender=get_user_model(), dispatch_uid="revoke-tokens-on-password")
