"""The notifications API's contract: what the monolith answers, and so what the service must."""
from __future__ import annotations

from tests.contract.contract import Contract, error
from tests.contract.data import MESSAGES, message_json
from tests.contract.shapes import ISO_TIME, Each, Link, Nullable

__all__ = ["NOTIFICATIONS"]

N = "/api/v1/notifications/"
MESSAGE = {"id": int, "kind": str, "title": str, "body": str, "created_at": ISO_TIME, "read_at": Nullable(ISO_TIME)}
_mine = sorted((m for m in MESSAGES if m["user_id"] == 502), key=lambda m: (m["created_at"], m["id"]), reverse=True)
_unread = [m for m in _mine if m["read_at"] is None]


def _page(results, *, count, next=None, previous=None):
    return {"count": count, "next": next, "previous": previous, "results": results}


NOTIFICATIONS: list[Contract] = [
    Contract("a user's messages, newest first", "GET", N, 200,
             _page([message_json(m) for m in _mine[:20]], count=25, next=Link(f"{N}?page=2")), auth="customer"),
    Contract("the second page", "GET", f"{N}?page=2", 200,
             _page([message_json(m) for m in _mine[20:]], count=25, previous=Link(N)), auth="customer"),
    Contract("only the unread ones", "GET", f"{N}?unread=true&page_size=100", 200,
             _page([message_json(m) for m in _unread], count=len(_unread)), auth="customer"),
    Contract("unread takes DRF's spellings of true", "GET", f"{N}?unread=Yes&page_size=100", 200,
             _page(Each(MESSAGE, len(_unread)), count=len(_unread)), auth="customer"),
    Contract("unread=0 shows them all", "GET", f"{N}?unread=0&page_size=5", 200,
             _page(Each(MESSAGE, 5), count=25, next=Link(f"{N}?page=2&page_size=5&unread=0")), auth="customer"),
    Contract("a word that is not a boolean", "GET", f"{N}?unread=maybe", 400,
             error("invalid_input", "The request is invalid.", {"unread": ["Must be a valid boolean."]}),
             auth="customer"),
    Contract("each user sees only their own", "GET", N, 200,
             _page(Each(MESSAGE, 2), count=2), auth="other_customer"),
    Contract("messages need a signed-in user", "GET", N, 401,
             error("not_authenticated", "Authentication credentials were not provided.", {}),
             response_headers={"WWW-Authenticate": "Bearer"}),
    Contract("a bad token", "GET", N, 401, error("invalid_token", "The access token is invalid or expired.", {}),
             auth="bad_token"),
    Contract("a page past the end", "GET", f"{N}?page=3", 404, error("not_found", "Invalid page.", {}),
             auth="customer"),
    Contract("reading is a POST", "GET", f"{N}1/read/", 405,
             error("method_not_allowed", 'Method "GET" not allowed.', {}), auth="customer",
             response_headers={"Allow": "POST, OPTIONS"}),
    Contract("OPTIONS describes the list", "OPTIONS", N, 200,
             {"name": "Message List Api", "description": "", "renders": ["application/json"],
              "parses": ["application/json"]}, auth="customer", response_headers={"Allow": "GET, HEAD, OPTIONS"}),
    Contract("a path that names nothing", "GET", f"{N}latest/", 404,
             error("not_found", "No such resource.", {}), auth="customer"),
    # Writes
    Contract("marking a message read", "POST", f"{N}1/read/", 200,
             {**message_json(MESSAGES[0]), "read_at": ISO_TIME}, auth="customer"),
    Contract("a message read before keeps its time", "POST", f"{N}4/read/", 200, message_json(MESSAGES[3]),
             auth="customer"),
    Contract("someone else's message", "POST", f"{N}26/read/", 404,
             error("not_found", "No such message.", {}), auth="customer"),
    Contract("an unknown message", "POST", f"{N}999999/read/", 404,
             error("not_found", "No such message.", {}), auth="customer"),
    Contract("marking read needs a signed-in user", "POST", f"{N}1/read/", 401,
             error("not_authenticated", "Authentication credentials were not provided.", {})),
]
