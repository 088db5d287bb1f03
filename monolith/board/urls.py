from django.urls import path

from monolith.board import apis

urlpatterns = [
    path("postings/", apis.PostingListApi.as_view(), name="board-postings"),
    path("postings/<int:posting_id>/", apis.PostingDetailApi.as_view(), name="board-posting"),
    path("notices/", apis.NoticeListApi.as_view(), name="board-notices"),
    path("notices/<int:notice_id>/", apis.NoticeDetailApi.as_view(), name="board-notice"),
]
