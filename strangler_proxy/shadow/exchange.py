"""One exchange compared: the monolith's answer against the extracted one and, for a noise
probe, against a second monolith answer; and the redacted example kept of it.

Pure functions (no I/O): the live mirror and `strangler replay` both call them, so a
request is judged the same way wherever it comes from.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strangler_proxy.diff import CompareRules, Comparison, ResponseSnapshot, compare_responses
from strangler_proxy.shadow.redact import redact_body, redact_difference, redact_headers, redact_path
from strangler_proxy.shadow.results.model import SHADOW, Sample
from strangler_proxy.store.base import utc_now

__all__ = ["Answer", "Compared", "compare_exchange", "make_sample"]


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as compared: status, headers, body, and how long it took (seconds)."""

    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes
    elapsed: float | None = None

    def snapshot(self) -> ResponseSnapshot:
        """Return the diff engine's view of it."""
        return ResponseSnapshot(self.status, self.headers, self.body)


@dataclass(frozen=True, slots=True)
class Compared:
    """The comparison with the extracted answer, and the noise probe's if one was made."""

    comparison: Comparison
    probe: Comparison | None = None


def compare_exchange(primary: Answer, candidate: Answer, probe: Answer | None, rules: CompareRules, *,
                     reverse: bool = False) -> Compared:
    """Compare the monolith's answer with the extracted one and with the probe (a second monolith answer).

    `reverse`: the primary is the extracted answer and the candidate the monolith's; the probe,
    a second monolith answer, is then compared with the candidate, so noise is always learned
    between two monolith answers.
    """
    first = primary.snapshot()
    second = candidate.snapshot()
    comparison = compare_responses(first, second, rules)
    noise = None
    if probe is not None:
        noise = compare_responses(second if reverse else first, probe.snapshot(), rules)
    return Compared(comparison, noise)


def make_sample(*, route: str, signature: str, method: str, path_qs: str, request_id: str,
                request_headers: Sequence[tuple[str, str]], primary: Answer, candidate: Answer,
                comparison: Comparison, body_bytes: int, source: str = SHADOW) -> Sample:
    """Return the example kept of a mismatch: secrets redacted, bodies cut to `body_bytes`."""
    return Sample(
        route=route, at=utc_now(), signature=signature,
        request={"method": method, "path": redact_path(path_qs), "request_id": request_id,
                 "headers": [list(pair) for pair in redact_headers(request_headers)]},
        primary=_answer(primary, body_bytes), candidate=_answer(candidate, body_bytes),
        differences=[redact_difference(d.to_dict()) for d in comparison.differences[:100]],
        source=source,
    )


def _answer(answer: Answer, body_bytes: int) -> dict[str, Any]:
    content_type = next((v for k, v in answer.headers if k.lower() == "content-type"), "")
    body = redact_body(answer.body, content_type)
    text = body[:body_bytes].decode("utf-8", "replace")
    return {"status": answer.status, "headers": [list(pair) for pair in redact_headers(answer.headers)],
            "body": text, "body_truncated": len(body) > body_bytes,
            "elapsed_ms": round(answer.elapsed * 1000, 3) if answer.elapsed is not None else None}
