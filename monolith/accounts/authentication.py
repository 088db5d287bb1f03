"""DRF authentication by `Authorization: Bearer <access token>`."""
from __future__ import annotations

from rest_framework import authentication, exceptions

from monolith.accounts.models import User
from monolith.accounts.tokens import InvalidToken, token_verify


class JWTAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <token>'.")
        try:
            claims = token_verify(parts[1])
        except InvalidToken:
            raise exceptions.AuthenticationFailed("The access token is invalid or expired.")
        # Other services mint tokens whose subject is not a user of ours: never a 500 for that.
        subject = str(claims["sub"])
        user = User.objects.filter(pk=int(subject), is_active=True).first() if subject.isdigit() else None
        if user is None:
            raise exceptions.AuthenticationFailed("The access token's user no longer exists.")
        return user, claims

    def authenticate_header(self, request) -> str:
        return self.keyword
