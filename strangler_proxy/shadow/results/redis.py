"""Results in Redis, beside the route store: shared by workers on several hosts.

Keys, under the prefix (default ``strangler:results:``): ``routes`` (a set of keys: a route,
or ``<route>@<source>`` for results that are not the live shadow's) and per key
``r:<key>:counts``, ``:signatures``, ``:fields`` (``n:<field>`` and ``c:<field>``),
``:latency`` (``<side>:<bucket>``) and ``:samples`` (signature -> newest examples, one JSON
per line). One Lua script adds a route's part of a batch atomically, caps included.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import redis

from strangler_proxy.shadow.errors import ResultsUnavailable
from strangler_proxy.shadow.results.base import KeyedResults
from strangler_proxy.shadow.results.model import (
    MAX_FIELDS_PER_ROUTE,
    MAX_SIGNATURES_PER_ROUTE,
    OVERFLOW,
    ResultsBatch,
    RouteData,
    Sample,
)

__all__ = ["RedisResults"]

# KEYS: routes, counts, signatures, fields, latency, samples
# ARGV: route, payload JSON, max signatures, max fields, keep samples, overflow signature
_APPLY = """
local p = cjson.decode(ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
for name, n in pairs(p.counts) do redis.call('HINCRBY', KEYS[2], name, n) end
local max_signatures = tonumber(ARGV[3])
for signature, n in pairs(p.signatures) do
    if redis.call('HEXISTS', KEYS[3], signature) == 0 and redis.call('HLEN', KEYS[3]) >= max_signatures then
        signature = ARGV[6]
    end
    redis.call('HINCRBY', KEYS[3], signature, n)
end
local max_fields = tonumber(ARGV[4]) * 2
for name, pair in pairs(p.fields) do
    if redis.call('HEXISTS', KEYS[4], 'c:' .. name) == 1 or redis.call('HLEN', KEYS[4]) < max_fields then
        redis.call('HINCRBY', KEYS[4], 'n:' .. name, pair[1])
        redis.call('HINCRBY', KEYS[4], 'c:' .. name, pair[2])
    end
end
for key, n in pairs(p.latency) do redis.call('HINCRBY', KEYS[5], key, n) end
local keep = tonumber(ARGV[5])
for _, sample in ipairs(p.samples) do
    if keep > 0 and redis.call('HEXISTS', KEYS[3], sample[1]) == 1 then
        local kept = redis.call('HGET', KEYS[6], sample[1])
        local lines = {sample[2]}
        if kept then
            for line in string.gmatch(kept, '[^\\n]+') do
                if #lines >= keep then break end
                lines[#lines + 1] = line
            end
        end
        redis.call('HSET', KEYS[6], sample[1], table.concat(lines, '\\n'))
    end
end
return 1
"""
_PARTS = ("counts", "signatures", "fields", "latency", "samples")


class RedisResults(KeyedResults):
    """Per-route results in Redis."""

    kind = "redis"

    def __init__(self, url: str, *, prefix: str = "strangler:results:", keep_samples: int = 3) -> None:
        self.url = url
        self.prefix = prefix
        self.keep_samples = keep_samples
        self._client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=2.0,
                                            decode_responses=True)
        self._apply = self._client.register_script(_APPLY)

    def _names(self, key: str) -> list[str]:
        return [f"{self.prefix}routes", *(f"{self.prefix}r:{key}:{part}" for part in _PARTS)]

    def apply(self, batch: ResultsBatch) -> None:
        overflow = json.dumps([OVERFLOW], ensure_ascii=False)
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for key in sorted(batch.keys()):
                    payload = {
                        "counts": dict(batch.counts.get(key, {})) or {},
                        "signatures": dict(batch.signatures.get(key, {})) or {},
                        "fields": {name: list(pair) for name, pair in batch.fields.get(key, {}).items()},
                        "latency": {f"{side}:{bucket}": n for (side, bucket), n in batch.latency.get(key, {}).items()},
                        "samples": [[s.signature, json.dumps(s.to_dict(), ensure_ascii=False)]
                                    for s in batch.samples if s.key == key],
                    }
                    self._apply(keys=self._names(key), client=pipe,
                                args=[key, json.dumps(payload, ensure_ascii=False), MAX_SIGNATURES_PER_ROUTE,
                                      MAX_FIELDS_PER_ROUTE, self.keep_samples, overflow])
                pipe.execute()
        except redis.RedisError as error:
            raise self._unavailable(error) from None

    def _keys(self) -> list[str]:
        try:
            return list(self._client.smembers(f"{self.prefix}routes"))
        except redis.RedisError as error:
            raise self._unavailable(error) from None

    def _read(self, keys: Sequence[str]) -> list[RouteData]:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for key in keys:
                    _, counts, signatures, fields, latency, _ = self._names(key)
                    pipe.hgetall(counts).hgetall(signatures).hgetall(fields).hgetall(latency)
                raw = pipe.execute()
        except redis.RedisError as error:
            raise self._unavailable(error) from None
        return [_route_data(key, *raw[4 * n:4 * n + 4]) for n, key in enumerate(keys)]

    def _samples_of(self, keys: Sequence[str], limit: int) -> list[Sample]:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hvals(self._names(key)[5])
                kept = [text for values in pipe.execute() for text in values]
        except redis.RedisError as error:
            raise self._unavailable(error) from None
        return [Sample.from_dict(json.loads(line)) for text in kept for line in text.split("\n") if line]

    def _forget(self, keys: Sequence[str]) -> None:
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for key in keys:
                    names = self._names(key)
                    pipe.delete(*names[1:]).srem(names[0], key)
                pipe.execute()
        except redis.RedisError as error:
            raise self._unavailable(error) from None

    def close(self) -> None:
        self._client.close()

    def _unavailable(self, error: Exception) -> ResultsUnavailable:
        head, sep, tail = self.url.rpartition("@")
        safe = f"redis://***@{tail}" if sep else self.url
        return ResultsUnavailable(f"results store {safe}: {error}")


def _route_data(key: str, raw_counts: dict, raw_signatures: dict, raw_fields: dict, raw_latency: dict) -> RouteData:
    pairs: dict[str, list[int]] = {}
    for name, value in raw_fields.items():
        side, _, field = name.partition(":")
        pairs.setdefault(field, [0, 0])[0 if side == "n" else 1] = int(value)
    timing = {}
    for name, value in raw_latency.items():
        side, _, bucket = name.rpartition(":")
        timing[(side, int(bucket))] = int(value)
    return RouteData(key, {k: int(v) for k, v in raw_counts.items()}, {k: int(v) for k, v in raw_signatures.items()},
                     {field: (pair[0], pair[1]) for field, pair in pairs.items()}, timing)
