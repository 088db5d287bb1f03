"""Board API: postings (authors edit their own) and read-only notices."""
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.board import selectors, services
from monolith.common.pagination import StandardPagination, paginate


class PostingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author_id = serializers.IntegerField()
    author_name = serializers.CharField(source="author.name")
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    published_at = serializers.DateTimeField()


class PostingInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=10_000)


class PostingListApi(APIView):
    pagination_class = StandardPagination  # tells the schema the list is a page
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses={200: PostingOutput(many=True)})
    def get(self, request):
        return paginate(queryset=selectors.posting_list(), serializer_class=PostingOutput,
                        request=request, view=self)

    @extend_schema(request=PostingInput, responses={201: PostingOutput})
    def post(self, request):
        data = PostingInput(data=request.data)
        data.is_valid(raise_exception=True)
        posting = services.posting_create(author=request.user, **data.validated_data)
        return Response(PostingOutput(posting).data, status=status.HTTP_201_CREATED)


class PostingDetailApi(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses={200: PostingOutput})
    def get(self, request, posting_id: int):
        return Response(PostingOutput(selectors.posting_get(posting_id=posting_id)).data)

    @extend_schema(request=PostingInput(partial=True), responses={200: PostingOutput})
    def patch(self, request, posting_id: int):
        data = PostingInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        posting = services.posting_update(user=request.user, posting_id=posting_id, **data.validated_data)
        return Response(PostingOutput(posting).data)

    @extend_schema(responses={204: None})
    def delete(self, request, posting_id: int):
        services.posting_delete(user=request.user, posting_id=posting_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NoticeListApi(APIView):
    pagination_class = StandardPagination  # tells the schema the list is a page
    @extend_schema(responses={200: NoticeOutput(many=True)})
    def get(self, request):
        return paginate(queryset=selectors.notice_list(), serializer_class=NoticeOutput,
                        request=request, view=self)


class NoticeDetailApi(APIView):
    @extend_schema(responses={200: NoticeOutput})
    def get(self, request, notice_id: int):
        return Response(NoticeOutput(selectors.notice_get(notice_id=notice_id)).data)
