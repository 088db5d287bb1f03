"""Samples in Redis, beside a Redis route store: shared by every worker on every host.

Keys (under the route store's prefix): ``dashboard:bucket:<start>`` is a hash of
JSON ``[route, backend, name]`` -> value, grown with HINCRBYFLOAT and expiring after the
retention; ``dashboard:buckets`` is a sorted set of bucket starts, so a read knows which
hashes exist without scanning.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping

import redis

from strangler_proxy.dashboard.counters import SampleKey
from strangler_proxy.dashboard.store.base import SampleRow
from strangler_proxy.errors import StoreUnavailable

__all__ = ["RedisSamples"]


class RedisSamples:
    """One hash per bucket, indexed by a sorted set."""

    kind = "redis"

    def __init__(self, url: str, *, prefix: str = "strangler:", retention_seconds: int = 86400) -> None:
        self.url = url
        self._bucket_prefix = f"{prefix}dashboard:bucket:"
        self._index = f"{prefix}dashboard:buckets"
        self._ttl = max(60, int(retention_seconds) + 3600)
        self._client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0,
                                            decode_responses=True)

    def add(self, bucket: int, gains: Mapping[SampleKey, float]) -> None:
        if not gains:
            return
        key = f"{self._bucket_prefix}{bucket}"
        try:
            with self._client.pipeline(transaction=True) as pipe:
                for (route, backend, name), value in gains.items():
                    pipe.hincrbyfloat(key, json.dumps([route, backend, name]), value)
                pipe.expire(key, self._ttl)
                pipe.zadd(self._index, {str(bucket): bucket})
                pipe.execute()
        except redis.RedisError as error:
            raise self._unavailable(error) from None

    def read(self, *, since: int, until: int, step: int) -> list[SampleRow]:
        try:
            starts = [int(b) for b in self._client.zrangebyscore(self._index, since, f"({until}")]
            with self._client.pipeline(transaction=False) as pipe:
                for bucket in starts:
                    pipe.hgetall(f"{self._bucket_prefix}{bucket}")
                hashes = pipe.execute()
        except redis.RedisError as error:
            raise self._unavailable(error) from None
        summed: dict[tuple[int, str, str, str], float] = defaultdict(float)
        for bucket, fields in zip(starts, hashes):
            start = bucket - bucket % step
            for field, value in fields.items():
                route, backend, name = json.loads(field)
                summed[(start, route, backend, name)] += float(value)
        return sorted((*key, value) for key, value in summed.items())

    def prune(self, *, before: int) -> None:
        # The hashes expire on their own; only the index needs trimming.
        try:
            self._client.zremrangebyscore(self._index, "-inf", f"({before}")
        except redis.RedisError as error:
            raise self._unavailable(error) from None

    def close(self) -> None:
        self._client.close()

    def _unavailable(self, error: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"dashboard samples in Redis {self.url}: {error}")
