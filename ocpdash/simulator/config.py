"""The simulator's settings: one table gives each its CLI flag, ``OCP_SIM_*`` variable and config key.

Every setting can be given at start (``--ocp-version 4.3.2`` or ``OCP_SIM_OCP_VERSION=4.3.2``) and
changed at run time with ``POST /_sim/config {"ocp_version": "4.3.2"}``; ``POST /_sim/reset`` puts
the start-up values back. README.md says where each default comes from.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

OCP_VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+){1,3}(-[0-9]{8,20})?$")
TRUE = {"1", "true", "on", "yes"}
FALSE = {"0", "false", "off", "no"}


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{value!r} is not on/off (true/false)")


def parse_ocp_version(value: object) -> str:
    text = str(value).strip()
    if not OCP_VERSION_RE.match(text):
        raise ValueError(f"{value!r} is not an OCP version such as 4.2.2 or 4.3.2-20240808115204")
    return text


def parse_positive(value: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    if number <= 0:
        raise ValueError(f"{value!r} must be positive")
    return number


def parse_attempts(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number of attempts")
    number = int(value)  # type: ignore[call-overload]
    if number < 1:
        raise ValueError(f"{value!r} must be 1 or more")
    return number


def parse_fleet(value: object) -> int:
    count = int(str(value))
    if not 0 <= count <= 1000:
        raise ValueError(f"{value!r} is not a number of clusters from 0 to 1000")
    return count


def parse_interval(value: object) -> tuple[float, float]:
    """``[20, 40]`` or ``"20,40"``: background tasks start every 20 to 40 steps per cluster."""
    parts = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[arg-type]
    low, high = (parse_positive(p) for p in parts) if len(parts) == 2 else (0.0, -1.0)
    if not 0 < low <= high:
        raise ValueError(f"{value!r} is not two step counts 'low,high' with 0 < low <= high")
    return (low, high)


@dataclass(frozen=True)
class Switch:
    key: str  # config key; the flag is --key-with-dashes, the variable OCP_SIM_KEY_UPPER
    parse: Callable[[object], object]
    help: str
    metavar: str = ""

    @property
    def flag(self) -> str:
        return "--" + self.key.replace("_", "-")

    @property
    def env(self) -> str:
        return "OCP_SIM_" + self.key.upper()


@dataclass(frozen=True)
class Settings:
    seed: int = 0
    step_seconds: float = 3.0
    ocp_version: str = "4.2.2"
    background_tasks: bool = True
    background_interval_steps: tuple[float, float] = (20.0, 40.0)
    busy_counts_system_tasks: bool = False
    parent_resumes_after_child_retry: bool = False
    cluster_get: bool = True
    login_max_attempts: int = 20
    lockout_minutes: float = 30.0
    fleet: int = 0

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["background_interval_steps"] = list(self.background_interval_steps)
        return data


SWITCHES: tuple[Switch, ...] = (
    Switch("seed", int, "RNG seed of the estate's incidental data, jitter and faults", "N"),
    Switch("step_seconds", parse_positive, "time per subtask (±30 %% jitter fixed by the seed)", "S"),
    Switch("ocp_version", parse_ocp_version, "OCP version imitated (4.3+ takes the newer upgrade body)", "V"),
    Switch("background_tasks", parse_bool, "start scheduled/system tasks on clusters now and then", "on|off"),
    Switch("background_interval_steps", parse_interval, "steps between background tasks", "LOW,HIGH"),
    Switch("busy_counts_system_tasks", parse_bool, "running system tasks also refuse an upgrade", "on|off"),
    Switch(
        "parent_resumes_after_child_retry",
        parse_bool,
        "a parent's failed 'Wait dag success' resumes when its child runs again",
        "on|off",
    ),
    Switch("cluster_get", parse_bool, "serve GET /api/v2/ob/clusters/{id} (else 405)", "on|off"),
    Switch("login_max_attempts", parse_attempts, "failed logins from an address before it is locked", "N"),
    Switch("lockout_minutes", parse_positive, "how long a locked address stays locked", "M"),
    Switch(
        "fleet", parse_fleet, "more clusters for fleet rollouts: copies of orion, lyra and orion pairs", "N"
    ),
)
BY_KEY = {s.key: s for s in SWITCHES}


def add_arguments(parser: argparse.ArgumentParser, environ: dict[str, str] | None = None) -> None:
    """One ``--flag`` per setting; its default is the ``OCP_SIM_*`` variable, else the built-in one."""
    environ = os.environ if environ is None else environ
    defaults = Settings()
    for switch in SWITCHES:
        raw = environ.get(switch.env)
        default = getattr(defaults, switch.key)
        if raw not in (None, ""):
            try:
                default = switch.parse(raw)
            except (TypeError, ValueError) as exc:
                parser.error(f"{switch.env}: {exc}")
        parser.add_argument(
            switch.flag,
            dest=switch.key,
            type=switch.parse,
            default=default,
            metavar=switch.metavar or None,
            help=f"{switch.help} [{switch.env}]",
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(**{s.key: getattr(args, s.key) for s in SWITCHES})


def apply_config(settings: Settings, body: dict) -> Settings:
    """The settings after ``POST /_sim/config``; ValueError names an unknown key or a bad value."""
    unknown = sorted(set(body) - set(BY_KEY))
    if unknown:
        raise ValueError(f"Unknown setting(s): {', '.join(unknown)}; known: {', '.join(BY_KEY)}.")
    changes = {}
    for key, value in body.items():
        try:
            changes[key] = BY_KEY[key].parse(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{key}: {exc}") from None
    return settings.replace(**changes)


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in version.split("-")[0].split("."))
