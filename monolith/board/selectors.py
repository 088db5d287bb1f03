from django.db.models import QuerySet

from monolith.board.models import Notice, Posting
from monolith.common.errors import NotFound


def posting_list() -> QuerySet[Posting]:
    return Posting.objects.select_related("author").order_by("-created_at", "-id")


def posting_get(*, posting_id: int) -> Posting:
    posting = Posting.objects.select_related("author").filter(pk=posting_id).first()
    if posting is None:
        raise NotFound("No such posting.")
    return posting


def notice_list() -> QuerySet[Notice]:
    return Notice.objects.order_by("-published_at", "-id")


def notice_get(*, notice_id: int) -> Notice:
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("No such notice.")
    return notice
