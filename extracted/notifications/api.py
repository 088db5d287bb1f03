"""The notifications API under the monolith's paths, answering as the monolith does."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from extracted.common.app import ApiView, current_host
from extracted.common.pagination import paginate
from extracted.common.responses import drf_json
from extracted.common.validation import BooleanField, Form
from extracted.notifications import selectors, services
from extracted.notifications.runtime import NotificationsRuntime
from extracted.notifications.serializers import message_json

__all__ = ["NotificationsApi", "bp", "runtime"]

bp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications")

MESSAGE_FILTER = Form(unread=BooleanField(required=False, default=False))


def runtime() -> NotificationsRuntime:
    return current_app.extensions["notifications"]


class NotificationsApi(ApiView):
    def token_verifier(self):
        return runtime().verifier


class MessageListApi(NotificationsApi):
    permission = "authenticated"

    def get(self) -> Response:
        filters = MESSAGE_FILTER.validate_query(request.args)
        user_id = g.user.user_id
        with runtime().db.transaction() as tx:
            count = selectors.message_count(tx, user_id=user_id, **filters)
            page = paginate(request, host=current_host(), count=count, fetch=lambda offset, limit: [
                message_json(m) for m in selectors.message_list(tx, user_id=user_id, offset=offset,
                                                               limit=limit, **filters)
            ])
        return drf_json(page)


class MessageReadApi(NotificationsApi):
    permission = "authenticated"

    def post(self, message_id: int) -> Response:
        with runtime().db.transaction() as tx:
            message = services.message_mark_read(tx, user_id=g.user.user_id, message_id=message_id)
            body = message_json(message)
        return drf_json(body)


bp.add_url_rule("/", view_func=MessageListApi.route())
bp.add_url_rule("/<int:message_id>/read/", view_func=MessageReadApi.route())
