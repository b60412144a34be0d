"""Write ``obd_routes.json``: obd's own upgrade routes over every shipped upstream dependency file.

obd (oceanbase/obdeploy) is the deployer OceanBase ships; its route plugin is the reference our
``ocpdash/ocp/upgrade_path.py`` is compared with. Nothing of obd is committed here: this script loads
the plugin from an obd checkout, runs it, and writes only obd's answers. The checked-in JSON was made
with obd at a3e8c47d4c641158f2ef839e5bb73b244d2ced4c (v4.1.0, 2026-01-20) by:

    cd /work/main && mkdir -p /tmp/obd
    git -C /work/.mirror/oceanbase+obdeploy/repo archive a3e8c47d4c641158f2ef839e5bb73b244d2ced4c \\
        _rpm.py plugins/oceanbase/3.1.0/upgrade_route.py plugins/oceanbase/4.0.0.0/upgrade_route.py \\
        | tar -x -C /tmp/obd
    .venv/bin/python tests/ocp/data/make_obd_routes.py /tmp/obd \\
        --obd-commit a3e8c47d4c641158f2ef839e5bb73b244d2ced4c

What runs is obd's: ``_rpm.py`` (its Version/Release ordering) and the plugin's ``upgrade_route()``,
chosen as obd chooses it (the newest plugin not above the current version: 3.1.0 below 4.0, else
4.0.0.0). Stubbed here, because the plugin only needs them to exist: the ``rpmfile`` module (imported
by ``_rpm.py`` to read packages, never called), obd's ``tool.YamlLoader``/``FileUtil`` (PyYAML's safe
loader instead of ruamel's round-trip loader: the same values for these files), and the plugin
context and stdio (they record the route or the refusal). Repositories are obd ``PackageInfo``s as a
real install has them: version ``4.2.1.0``, release ``100000102023092807.el7``; a file version without
a build gets an empty release. The dependency file goes where obd reads it, the target repository's
``etc/oceanbase_upgrade_dep.yml``.

For each file (manifest order) the pairs are every (current, target) of distinct versions among the
file's nodes and the real builds below of releases it knows. Per pair: ``path``, the nodes obd's
breadth-first search walked (start first; for a same-version pair the two repositories), then
``route``, what obd returns (``[{version, release, require_from_binary, direct_upgrade}]``; for 4.x it
keeps only the start, the binary stops and the target), or ``refused`` with obd's message. ``quirk``
names a pair where obd's answer is one ocpdash deliberately does not give (see ``QUIRKS``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import types
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
UPSTREAM = ROOT / "ocpdash" / "ocp" / "data" / "upstream"
OUT = Path(__file__).with_name("obd_routes.json")

# Builds OceanBase shipped (CE RPM names, the project's fixtures and OCP samples), as starts and as
# targets. Some are also nodes of the files (the 4.1 beta, the 4.2 RC2 and its hotfix).
REAL_BUILDS = (
    "3.1.2-10000392021123010",
    "3.1.3-20220315104517",
    "3.1.4-20220629112235",
    "4.1.0.0-100000192023032010",  # 4.1 beta (a deprecated node)
    "4.1.0.0-100000202023040520",  # a 4.1.0.0 GA build, numbered above the beta
    "4.1.0.1-102000042023061314",
    "4.2.0.0-100000152023080109",  # 4.2 RC2 (a deprecated node)
    "4.2.0.0-100000202023052215",  # a 4.2.0.0 build numbered above RC2
    "4.2.1.0-100000102023092807",
    "4.2.1.0-100000202023101010",  # a later 4.2.1.0 build (hotfix of the same release)
    "4.2.1.1-100000162023111615",
    "4.2.1.2-100000082024010818",
    "4.2.2.0-100000192024011915",
    "4.3.3.0-100000142024101215",
)

QUIRKS = {
    "earlier_build": "same release, the target's build is earlier than (or equal to) the current one: "
    "obd's route plugin compares release numbers only and routes it (its CLI refuses only a lower "
    "release or the very same package); ocpdash refuses it as not later, since OceanBase has no "
    "downgrade and an earlier build lacks the running build's fixes",
    "deprecated_target": "the target's exact build is a deprecated node (a beta or RC the file says "
    "cannot be a target): obd drops the target's build, finds the release's node and routes; ocpdash "
    "refuses it as deprecated",
}

# Where obd behaves oddly but the table cannot show a difference; ocpdash's choice follows each.
NOTES = {
    "build_nodes": "obd looks a start up as '<version>-<release>', and a real release carries '.el7', "
    "so a start with a build (even the beta's own) starts at the plain release node; its build only "
    "counts in when_come_from ('<version>-<build>' compared exactly). ocpdash does the same (see "
    "upgrade_path.py, rule 5); the file header's 'A.B.C-D means build >= D' would make GA builds "
    "'the beta'",
    "route_output": "for 4.x obd returns only the start, the binary stops and the target; 'path' keeps "
    "every node its search walked, which is what ocpdash's versions are compared with",
    "rebase": "obd re-bases when_come_from on the last binary stop only after a conditional stop; "
    "ocpdash after every binary stop (no shipped file has an unconditional one). The 3.1.0 plugin "
    "compares with the start only (the 3.1.x file has no barriers)",
    "direct_upgrade": "obd's direct_upgrade is always false (its direct_come_from list receives the node "
    "itself); ocpdash sets it for can_be_direct_upgraded_to edges of older files, none here",
    "version_only_targets": "obd finds a start only among 'version' entries; a release that is only a "
    "can_be_upgraded_to target has no edges, so ocpdash's answer is the same refusal",
    "obd_limit": "obd refuses targets >= 4.6 ('please upgrade obd first'), a limit of obd itself; no "
    "shipped file reaches it and ocpdash has no such limit",
}


class _Stdio:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def error(self, msg, *args, **kwargs) -> None:
        self.messages.append(str(msg))

    exception = warn = error

    def verbose(self, *args, **kwargs) -> None:
        pass


class _Context:
    def __init__(self) -> None:
        self.stdio = _Stdio()
        self.returned: dict | None = None

    def return_true(self, **kwargs) -> bool:
        self.returned = kwargs
        return True


class _YamlLoader:
    def __init__(self, stdio=None, **kwargs) -> None:
        pass

    def load(self, stream):
        return yaml.safe_load(stream)


class _FileUtil:
    @staticmethod
    def open(path, _type="r", encoding=None, stdio=None):
        return open(path, _type, encoding=encoding)


def load_obd(checkout: Path) -> tuple[types.ModuleType, dict[str, types.ModuleType]]:
    sys.modules.setdefault("rpmfile", types.ModuleType("rpmfile"))
    tool = types.ModuleType("tool")
    tool.YamlLoader, tool.FileUtil = _YamlLoader, _FileUtil
    sys.modules["tool"] = tool
    rpm = _load("_rpm", checkout / "_rpm.py")
    plugins = {}
    for version in ("3.1.0", "4.0.0.0"):
        path = checkout / "plugins" / "oceanbase" / version / "upgrade_route.py"
        plugins[version] = _load(f"obd_upgrade_route_{version.replace('.', '_')}", path)
    return rpm, plugins


def _load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def file_versions(text: str) -> list[str]:
    found: list[str] = []
    for item in yaml.safe_load(text) or []:
        for version in [item["version"], *(item.get("can_be_upgraded_to") or ())]:
            if str(version) not in found:
                found.append(str(version))
    return found


def release_of(version: str) -> tuple[int, ...]:
    numbers = tuple(int(n) for n in version.split("-")[0].split("."))
    return (*numbers, 0, 0, 0, 0)[:4]


def quirk(current: str, target: str, deprecated: set[str]) -> str | None:
    same_release = release_of(current) == release_of(target) and "-" in current and "-" in target
    if same_release and int(target.split("-")[1]) <= int(current.split("-")[1]):
        return "earlier_build"
    if target in deprecated:
        return "deprecated_target"
    return None


class Runner:
    def __init__(self, rpm: types.ModuleType, plugins: dict[str, types.ModuleType]) -> None:
        self.rpm, self.plugins = rpm, plugins

    def repository(self, text: str, repository_dir: str):
        version, _, build = text.partition("-")
        repo = self.rpm.PackageInfo(
            "oceanbase-ce", version, f"{build}.el7" if build else "", "x86_64", text, 0
        )
        repo.repository_dir = repository_dir
        return repo

    def plugin_for(self, current) -> types.ModuleType | None:
        if current.version >= self.rpm.Version("4.0.0.0"):
            return self.plugins["4.0.0.0"]
        if current.version >= self.rpm.Version("3.1.0"):
            return self.plugins["3.1.0"]
        return None

    def route(self, current_text: str, target_text: str, repository_dir: str) -> dict:
        current = self.repository(current_text, repository_dir)
        dest = self.repository(target_text, repository_dir)
        plugin = self.plugin_for(current)
        if plugin is None:
            return {"refused": "obd has no upgrade_route plugin for this version"}
        walked: list[str] = []
        original = plugin.format_route

        def spy(routes, repository):
            walked.extend(_node_text(node) for node in routes)
            return original(routes, repository)

        plugin.format_route = spy
        try:
            context = _Context()
            plugin.upgrade_route(context, current, dest)
        finally:
            plugin.format_route = original
        if context.returned is None:
            return {"refused": " / ".join(context.stdio.messages) or "no route returned"}
        return {"path": walked, "route": [_route_item(item) for item in context.returned["route"]]}


def _node_text(node) -> str:
    release = str(node.release)
    return str(node.version) if release in ("", "0") else f"{node.version}-{release.split('.')[0]}"


def _route_item(item: dict) -> dict:
    release = item.get("release")
    return {
        "version": str(item["version"]),
        "release": None if release is None else str(release),
        "require_from_binary": bool(item.get("require_from_binary")),
        "direct_upgrade": bool(item.get("direct_upgrade")),
    }


def routes_for_file(runner: Runner, path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    nodes = file_versions(text)
    known = {release_of(v) for v in nodes}
    versions = nodes + [v for v in REAL_BUILDS if release_of(v) in known and v not in nodes]
    deprecated = {str(i["version"]) for i in yaml.safe_load(text) or [] if i.get("deprecated")}
    pairs = {}
    with tempfile.TemporaryDirectory() as repository_dir:
        (Path(repository_dir) / "etc").mkdir()
        (Path(repository_dir) / "etc" / "oceanbase_upgrade_dep.yml").write_text(text, encoding="utf-8")
        for current in versions:
            for target in versions:
                if current == target:
                    continue
                answer = runner.route(current, target, repository_dir)
                if "route" in answer and (name := quirk(current, target, deprecated)):
                    answer["quirk"] = name
                pairs[f"{current} -> {target}"] = answer
    return {"versions": versions, "pairs": pairs}


def dump(table: dict) -> str:
    """JSON with one line per pair, so a regenerated table diffs pair by pair."""
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    lines = ["{"]
    for key in ("generated_by", "obd_commit", "obd_plugins", "quirks", "notes"):
        lines.append(f" {json.dumps(key)}: {json.dumps(table[key], ensure_ascii=False)},")
    lines.append(' "files": {')
    for f_index, (name, data) in enumerate(table["files"].items()):
        lines.append(f"  {json.dumps(name)}: {{")
        lines.append(f'   "versions": {json.dumps(data["versions"])},')
        lines.append('   "pairs": {')
        pairs = list(data["pairs"].items())
        for index, (pair, answer) in enumerate(pairs):
            comma = "," if index < len(pairs) - 1 else ""
            lines.append(f"    {json.dumps(pair)}: {json.dumps(answer, **compact)}{comma}")
        lines.append("   }")
        lines.append("  }" + ("," if f_index < len(table["files"]) - 1 else ""))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a directory holding obd's _rpm.py and plugins/")
    parser.add_argument("--obd-commit", required=True, help="the obd commit the checkout is from")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    runner = Runner(*load_obd(args.checkout))
    manifest = yaml.safe_load((UPSTREAM / "manifest.yml").read_text(encoding="utf-8"))
    table = {
        "generated_by": "tests/ocp/data/make_obd_routes.py (see its docstring for the command)",
        "obd_commit": args.obd_commit,
        "obd_plugins": [
            "plugins/oceanbase/3.1.0/upgrade_route.py",
            "plugins/oceanbase/4.0.0.0/upgrade_route.py",
        ],
        "quirks": QUIRKS,
        "notes": NOTES,
        "files": {entry["file"]: routes_for_file(runner, UPSTREAM / entry["file"]) for entry in manifest},
    }
    args.out.write_text(dump(table), encoding="utf-8")
    count = sum(len(f["pairs"]) for f in table["files"].values())
    print(f"{args.out}: {count} pairs over {len(table['files'])} files")


if __name__ == "__main__":
    main()
