"""knox's token authentication, made safe for any header bytes and served from the token cache.

knox decodes the header as UTF-8 without catching, and hands NUL bytes to the database: bad bytes were a
500 on every endpoint. A knox token is printable ASCII of a known length; anything else is a 401 here.
"""

import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from config import token_cache

TOKEN = re.compile(rb"[!-~]+")  # printable ASCII: no spaces, controls, NUL or bytes past 0x7f
MAX_TOKEN_LENGTH = CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
INVALID_TOKEN = _("Invalid token.")


class TokenAuthentication(auth.TokenAuthentication):
    """`Authorization: Token <token>`: 401 for a malformed one, the cached lookup for a well-formed one."""

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, AuthToken] | None:
        header: Any = request.META.get("HTTP_AUTHORIZATION", b"")
        try:
            # WSGI hands headers over as latin-1 text; a test client may pass text that is not.
            raw = header.encode("latin-1") if isinstance(header, str) else bytes(header)
        except (UnicodeEncodeError, TypeError) as error:
            raise AuthenticationFailed(INVALID_TOKEN) from error
        parts = raw.split()
        if not parts or parts[0].lower() != self.authenticate_header(request).encode().lower():
            return None  # no header, or one for another scheme
        if len(parts) == 1:
            raise AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(parts) > 2:
            raise AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
        token = parts[1]
        if len(token) > MAX_TOKEN_LENGTH or not TOKEN.fullmatch(token):
            raise AuthenticationFailed(INVALID_TOKEN)
        return self.authenticate_credentials(token)

    def authenticate_credentials(self, token: bytes) -> tuple[AbstractBaseUser, AuthToken]:
        cached = token_cache.cached_token(hash_token(token.decode("ascii")))
        if cached is not None:
            return cached.user, cached
        generation = token_cache.generation_before_lookup()
        user, auth_token = super().authenticate_credentials(token)
        token_cache.remember_token(auth_token, generation=generation)
        return user, auth_token


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of knox's class (`knoxApiToken`), for ours."""

    target_class = "config.token_auth.TokenAuthentication"
