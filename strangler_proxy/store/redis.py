"""The shared store for several proxy processes or hosts: Redis, with pub/sub change notification.

Keys (under the prefix, default ``strangler:``): ``version`` (counter), ``routes`` (hash of
route id -> state JSON), ``kill_switch`` ("0"/"1"), ``audit`` (append-only list of JSON
entries) and the channel ``changes``. A Lua script applies each change atomically and
publishes the new version. If Redis goes away, the watchers keep the last applied table and
retry; they re-read everything on reconnect, so a missed message costs nothing.
"""
from __future__ import annotations

import json

import redis

from strangler_proxy.errors import StoreUnavailable
from strangler_proxy.routing.model import RouteState
from strangler_proxy.store.base import KILL_SWITCH, AuditEntry, Snapshot, utc_now

__all__ = ["RedisStore"]

# KEYS: version, routes, audit, kill_switch
# ARGV: subject, after JSON, default-before JSON, at, actor, reason, channel, kind ("route"|"kill")
_CHANGE = """
local before
if ARGV[8] == 'kill' then
    before = cjson.encode({on = redis.call('GET', KEYS[4]) == '1'})
    local after = cjson.decode(ARGV[2])
    redis.call('SET', KEYS[4], after['on'] and '1' or '0')
else
    before = redis.call('HGET', KEYS[2], ARGV[1]) or ARGV[3]
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
local version = redis.call('INCR', KEYS[1])
local entry = '{"version":' .. version .. ',"at":' .. cjson.encode(ARGV[4]) ..
    ',"actor":' .. cjson.encode(ARGV[5]) .. ',"subject":' .. cjson.encode(ARGV[1]) ..
    ',"before":' .. before .. ',"after":' .. ARGV[2] .. ',"reason":' .. cjson.encode(ARGV[6]) .. '}'
redis.call('RPUSH', KEYS[3], entry)
redis.call('PUBLISH', ARGV[7], version)
return entry
"""


class RedisStore:
    """Route states and the audit log in Redis; changes are announced on a channel."""

    kind = "redis"

    def __init__(self, url: str, *, prefix: str = "strangler:") -> None:
        self.url = url
        self._keys = {name: f"{prefix}{name}" for name in ("version", "routes", "audit", "kill_switch", "changes")}
        self._client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0,
                                            decode_responses=True)
        self._change = self._client.register_script(_CHANGE)
        self._pubsub: redis.client.PubSub | None = None

    def snapshot(self) -> Snapshot:
        keys = self._keys
        try:
            with self._client.pipeline(transaction=True) as pipe:
                version, states, kill = pipe.get(keys["version"]).hgetall(keys["routes"]).get(
                    keys["kill_switch"]).execute()
        except redis.RedisError as error:
            raise self._unavailable(error) from None
        parsed = {route_id: RouteState.from_dict(json.loads(state)) for route_id, state in states.items()}
        return Snapshot(int(version or 0), parsed, kill == "1")

    def version(self) -> int:
        try:
            return int(self._client.get(self._keys["version"]) or 0)
        except redis.RedisError as error:
            raise self._unavailable(error) from None

    def set_route_state(
        self, *, route_id: str, state: RouteState, default: RouteState, actor: str, reason: str
    ) -> AuditEntry:
        return self._apply(route_id, json.dumps(state.as_dict()), json.dumps(default.as_dict()),
                           actor, reason, "route")

    def set_kill_switch(self, *, on: bool, actor: str, reason: str) -> AuditEntry:
        return self._apply(KILL_SWITCH, json.dumps({"on": on}), "{}", actor, reason, "kill")

    def _apply(self, subject: str, after: str, default: str, actor: str, reason: str, kind: str) -> AuditEntry:
        keys = self._keys
        try:
            raw = self._change(
                keys=[keys["version"], keys["routes"], keys["audit"], keys["kill_switch"]],
                args=[subject, after, default, utc_now(), actor, reason, keys["changes"], kind])
        except redis.RedisError as error:
            raise self._unavailable(error) from None
        return AuditEntry.from_dict(json.loads(raw))

    def history(self, *, subject: str | None = None, limit: int = 50) -> list[AuditEntry]:
        entries: list[AuditEntry] = []
        end = -1
        page = max(limit, 100)
        try:
            while len(entries) < limit:
                raw = self._client.lrange(self._keys["audit"], end - page + 1, end)
                if not raw:
                    break
                for item in reversed(raw):
                    entry = AuditEntry.from_dict(json.loads(item))
                    if subject is None or entry.subject == subject:
                        entries.append(entry)
                if len(raw) < page:
                    break
                end -= page
        except redis.RedisError as error:
            raise self._unavailable(error) from None
        return entries[:limit]

    def wait_for_change(self, timeout: float) -> None:
        try:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(self._keys["changes"])
            self._pubsub.get_message(timeout=timeout)
        except (redis.RedisError, OSError) as error:
            self._drop_pubsub()
            raise self._unavailable(error) from None

    def _drop_pubsub(self) -> None:
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except (redis.RedisError, OSError):
                pass
            self._pubsub = None

    def close(self) -> None:
        self._drop_pubsub()
        self._client.close()

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"route store {self._safe_url()}: {error}")

    def _safe_url(self) -> str:
        # Never print a password that may be in the URL.
        head, sep, tail = self.url.rpartition("@")
        return f"redis://***@{tail}" if sep else self.url
