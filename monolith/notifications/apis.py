from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.common.pagination import StandardPagination, paginate
from monolith.notifications import selectors, services


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class MessageListApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = StandardPagination  # so the schema says what the answer is: a page

    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MessageFilter"

        unread = serializers.BooleanField(required=False, default=False)

    @extend_schema(parameters=[OpenApiParameter("unread", bool)], responses={200: MessageOutput(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        messages = selectors.message_list(user_id=request.user.pk, **filters.validated_data)
        return paginate(queryset=messages, serializer_class=MessageOutput, request=request, view=self)


class MessageReadApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: MessageOutput})
    def post(self, request, message_id: int):
        message = services.message_mark_read(user_id=request.user.pk, message_id=message_id)
        return Response(MessageOutput(message).data)
