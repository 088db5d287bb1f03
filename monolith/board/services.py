"""Writes of the board context."""
from __future__ import annotations

from django.db import transaction

from monolith.board.models import Notice, Posting
from monolith.common.errors import ApplicationError, NotFound

__all__ = ["notice_publish", "posting_create", "posting_delete", "posting_update"]


class NotTheAuthor(ApplicationError):
    status_code = 403
    code = "permission_denied"


def _own_posting(*, user, posting_id: int) -> Posting:
    posting = Posting.objects.select_for_update().filter(pk=posting_id).first()
    if posting is None:
        raise NotFound("No such posting.")
    if posting.author_id != user.pk:
        raise NotTheAuthor("Only the author can change a posting.")
    return posting


def posting_create(*, author, title: str, body: str) -> Posting:
    return Posting.objects.create(author=author, title=title, body=body)


@transaction.atomic
def posting_update(*, user, posting_id: int, **changes) -> Posting:
    posting = _own_posting(user=user, posting_id=posting_id)
    for field, value in changes.items():
        setattr(posting, field, value)
    posting.save()
    return posting


@transaction.atomic
def posting_delete(*, user, posting_id: int) -> None:
    _own_posting(user=user, posting_id=posting_id).delete()


def notice_publish(*, title: str, body: str, published_at) -> Notice:
    return Notice.objects.create(title=title, body=body, published_at=published_at)
