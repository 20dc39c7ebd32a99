"""API token endpoint: credentials in, the user's current token out (created if none); DELETE revokes it."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from leaderboard import services
from leaderboard.apis.auth import HashedTokenAuthentication
from leaderboard.apis.inputs import TokenRequestInput
from leaderboard.apis.outputs import TokenSerializer
from leaderboard.apis.throttles import LoginRateThrottle


class TokenView(APIView):
    """POST username and password for a new token (each client its own; only its hash is stored, so an
    existing key cannot be returned again); DELETE revokes the token that authenticates the request."""

    authentication_classes = [HashedTokenAuthentication]
    throttle_classes = [LoginRateThrottle]

    def get_permissions(self):
        """Anyone may ask for a token; only its holder may revoke it."""
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        request=TokenRequestInput,
        responses={200: TokenSerializer, 400: OpenApiResponse(description="missing field, bad credentials")},
        auth=[],
    )
    def post(self, request):
        """Exchange credentials for a new token (the user's oldest is revoked past ten)."""
        data = TokenRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": ["unable to log in with the given username and password"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": services.token_issue(user=user)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Revoke the token of the request (the user's other tokens stay valid)."""
        services.token_revoke(user=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
