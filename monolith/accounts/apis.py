"""Accounts API: sign up, log in, me."""
from django.contrib.auth.password_validation import validate_password
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.accounts import services


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()
    date_joined = serializers.DateTimeField()


class SignUpApi(APIView):
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SignUpInput"

        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(min_length=8, max_length=128, write_only=True)
        name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)

        def validate_password(self, value):
            validate_password(value)
            return value

    @extend_schema(request=InputSerializer, responses={201: UserOutput})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_sign_up(**data.validated_data)
        return Response(UserOutput(user).data, status=status.HTTP_201_CREATED)


class LogInApi(APIView):
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "LogInInput"

        email = serializers.EmailField()
        password = serializers.CharField(max_length=128)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccessToken"

        access = serializers.CharField()
        token_type = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = services.user_log_in(**data.validated_data)
        return Response({"access": token, "token_type": "Bearer"})


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MeUpdateInput"

        name = serializers.CharField(max_length=120, required=False, allow_blank=True)
        password = serializers.CharField(min_length=8, max_length=128, required=False)

        def validate_password(self, value):
            validate_password(value)
            return value

    @extend_schema(responses={200: UserOutput})
    def get(self, request):
        return Response(UserOutput(request.user).data)

    @extend_schema(request=InputSerializer, responses={200: UserOutput})
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return Response(UserOutput(user).data)

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
