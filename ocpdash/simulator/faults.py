"""Fault injection set through ``POST /_sim/faults`` (see README.md for the JSON shapes)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

KNOWN = {
    "fail_subtask",
    "hang_subtask",
    "fail_rollback",
    "http_error",
    "latency",
    "drop_connection",
    "ambiguous_upgrade",
    "malformed_task",
}
# How ``malformed_task`` spoils a task's JSON (GET /api/v2/tasks/instances/{id}): values a real
# OCP should never send, each of which once crashed or stalled a client (see README.md).
MALFORMED_KINDS = (
    "negative_run_time",
    "huge_run_time",
    "duplicate_subtask",
    "nul",
    "long_name",
    "huge_id",
    "subtasks_not_a_list",
    "not_json",
)


class FaultError(ValueError):
    pass


@dataclass
class SubtaskRule:
    """Fail (or hang) subtasks whose name equals or starts with ``name``."""

    name: str
    times: int | None = 1  # None = always
    zone: str | None = None
    timeout_seconds: float | None = None  # hang only: fail after this long instead of the subtask's timeout
    cluster: int | None = None  # only in tasks of this OCP cluster id (a fleet test fails one cluster)

    def matches(self, name: str, zone: str | None, cluster_id: int | None = None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if not (name == self.name or name.startswith(self.name)):
            return False
        if self.cluster is not None and self.cluster != cluster_id:
            return False
        return self.zone is None or self.zone == zone


@dataclass
class RequestRule:
    """Applies to a share (``rate``) of /api requests, optionally limited by count, time or path."""

    rate: float = 1.0
    count: int | None = None
    until: float | None = None
    path_contains: str | None = None
    method: str | None = None
    status: int = 503
    retry_after: int = 1  # seconds, sent as RateLimit-Reset (and Retry-After when retry_after_header)
    retry_after_header: bool = False
    seconds: float = 0.0  # latency only
    kind: str = ""  # malformed_task only

    def applies(self, method: str, path: str, rng: random.Random) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.until is not None and time.time() > self.until:
            return False
        if self.path_contains and self.path_contains not in path:
            return False
        if self.method and self.method.upper() != method:
            return False
        if rng.random() >= self.rate:
            return False
        if self.count is not None:
            self.count -= 1
        return True


@dataclass
class Faults:
    seed: int = 0
    fail: list[SubtaskRule] = field(default_factory=list)
    hang: list[SubtaskRule] = field(default_factory=list)
    fail_rollback: list[SubtaskRule] = field(default_factory=list)
    http_error: RequestRule | None = None
    latency: RequestRule | None = None
    drop: RequestRule | None = None
    malformed: RequestRule | None = None
    ambiguous_upgrade: bool = False
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def update(self, body: dict) -> None:
        if not isinstance(body, dict):
            raise FaultError("The fault body must be a JSON object.")
        unknown = set(body) - KNOWN
        if unknown:
            raise FaultError(
                f"Unknown fault(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(KNOWN))}."
            )
        rule_lists = (
            ("fail_subtask", self.fail),
            ("hang_subtask", self.hang),
            ("fail_rollback", self.fail_rollback),
        )
        for key, target in rule_lists:
            if key in body:
                items = body[key] if isinstance(body[key], list) else [body[key]]
                target.extend(_subtask_rule(item, key) for item in items)
        if "http_error" in body:
            self.http_error = _request_rule(body["http_error"], "http_error")
            if self.http_error.status < 400:
                raise FaultError("http_error.status must be an error status such as 429, 500 or 503.")
        if "latency" in body:
            self.latency = _request_rule(body["latency"], "latency")
        if "drop_connection" in body:
            self.drop = _request_rule(body["drop_connection"], "drop_connection")
        if "ambiguous_upgrade" in body:
            self.ambiguous_upgrade = bool(body["ambiguous_upgrade"])
        if "malformed_task" in body:
            rule = _request_rule(body["malformed_task"], "malformed_task")
            if rule.kind not in MALFORMED_KINDS:
                raise FaultError(f"malformed_task.kind must be one of {', '.join(MALFORMED_KINDS)}.")
            self.malformed = rule

    def subtask_outcome(
        self, name: str, zone: str | None, cluster_id: int | None = None
    ) -> tuple[str, float | None]:
        """``("fail"|"hang"|"ok", hang timeout)`` for a subtask of ``cluster_id``'s task that starts
        running now."""
        for outcome, rules in (("hang", self.hang), ("fail", self.fail)):
            for rule in rules:
                if rule.matches(name, zone, cluster_id):
                    if rule.times is not None:
                        rule.times -= 1
                    return outcome, rule.timeout_seconds
        return "ok", None

    def rollback_outcome(self, name: str, zone: str | None, cluster_id: int | None = None) -> str:
        """``"fail"`` or ``"ok"`` for a subtask whose rollback run starts now."""
        for rule in self.fail_rollback:
            if rule.matches(name, zone, cluster_id):
                if rule.times is not None:
                    rule.times -= 1
                return "fail"
        return "ok"

    def pick(self, which: str, method: str, path: str) -> RequestRule | None:
        rule = getattr(self, which)
        if rule is not None and rule.applies(method, path, self.rng):
            return rule
        return None

    def to_json(self) -> dict:
        def rules(items: list[SubtaskRule]) -> list[dict]:
            return [vars(r).copy() for r in items]

        def req(rule: RequestRule | None) -> dict | None:
            return None if rule is None else vars(rule).copy()

        return {
            "fail_subtask": rules(self.fail),
            "hang_subtask": rules(self.hang),
            "fail_rollback": rules(self.fail_rollback),
            "http_error": req(self.http_error),
            "latency": req(self.latency),
            "drop_connection": req(self.drop),
            "malformed_task": req(self.malformed),
            "ambiguous_upgrade": self.ambiguous_upgrade,
        }


def _subtask_rule(item: object, key: str) -> SubtaskRule:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        raise FaultError(f"{key} needs an object with a subtask 'name'.")
    times = item.get("times", 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise FaultError(f"{key}.times must be a positive integer or null (always).")
    timeout = item.get("timeout_seconds")
    cluster = item.get("cluster")
    if cluster is not None and (not isinstance(cluster, int) or isinstance(cluster, bool)):
        raise FaultError(f"{key}.cluster must be an OCP cluster id (an integer).")
    return SubtaskRule(
        item["name"], times, item.get("zone"), float(timeout) if timeout is not None else None, cluster
    )


def _request_rule(item: object, key: str) -> RequestRule:
    if not isinstance(item, dict):
        raise FaultError(f"{key} must be a JSON object.")
    allowed = {
        "rate",
        "count",
        "seconds",
        "path_contains",
        "method",
        "status",
        "retry_after",
        "retry_after_header",
        "for_seconds",
        "kind",
    }
    unknown = set(item) - allowed
    if unknown:
        raise FaultError(f"Unknown {key} field(s): {', '.join(sorted(unknown))}.")
    try:
        rule = RequestRule(
            rate=float(item.get("rate", 1.0)),
            count=int(item["count"]) if item.get("count") is not None else None,
            path_contains=item.get("path_contains"),
            method=item.get("method"),
            status=int(item.get("status", 503)),
            retry_after=int(item.get("retry_after", 1)),
            retry_after_header=bool(item.get("retry_after_header", False)),
            kind=str(item.get("kind", "")),
        )
        if key == "latency":
            rule.seconds = float(item.get("seconds", 0.5))
            window = item.get("for_seconds")
        else:
            window = item.get("seconds", item.get("for_seconds"))
    except (TypeError, ValueError):
        raise FaultError(f"{key} has a field of the wrong type.") from None
    if window is not None:
        rule.until = time.time() + float(window)
    return rule


def spoil_task(data: dict, kind: str) -> object:
    """A task's JSON as ``malformed_task`` of ``kind`` spoils it (a copy; "not_json" gives text)."""
    import copy

    if kind == "not_json":
        return None
    data = copy.deepcopy(data)
    subs = data.get("subtasks") or []
    first = subs[0] if subs else {}
    if kind == "negative_run_time":
        first["runTime"] = -5
    elif kind == "huge_run_time":
        first["runTime"] = 2**40
    elif kind == "duplicate_subtask" and first:
        subs.append({**first, "name": first.get("name", "") + " (again)"})
    elif kind == "nul":
        first["name"] = first.get("name", "") + "\u0000bad"
        data["name"] = data.get("name", "") + "\u0000"
    elif kind == "long_name":
        first["name"] = "x" * 5000
    elif kind == "huge_id" and first:
        first["id"] = 2**64 + 7
    elif kind == "subtasks_not_a_list":
        data["subtasks"] = "oops"
    return data
