"""No import cycle between ocpdash's modules at import time (ocpdash.devtools.cycles; make lint runs
it too), and the check finds one when there is one."""

import subprocess
import sys

from ocpdash.devtools.cycles import ROOT, cycles, graph_of


def test_ocpdash_has_no_import_cycle_at_import_time():
    graph = graph_of(ROOT / "ocpdash")
    assert len(graph) > 150 and "ocpdash.upgrades.polling" in graph
    assert "ocpdash.upgrades.lease" in graph["ocpdash.upgrades.polling"]
    assert cycles(graph) == []


def write(folder, name, text):
    (folder / name).write_text(text)


def test_a_cycle_is_found_and_lazy_or_type_checking_imports_are_not_one(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    write(pkg, "__init__.py", "")
    write(pkg / "sub", "__init__.py", "")
    write(pkg, "a.py", "from pkg import b\n")
    write(pkg / "sub", "c.py", "from .. import a\n")  # a relative import, resolved
    write(pkg, "b.py", "try:\n    from pkg.sub.c import x\nexcept ImportError:\n    x = None\n")
    write(pkg, "d.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import e\n")
    write(pkg, "e.py", "import pkg.d\n\ndef later():\n    from pkg import f\n")
    write(pkg, "f.py", "from pkg.e import later\n")
    graph = graph_of(pkg)
    assert graph["pkg.sub.c"] == {"pkg.a"} and graph["pkg.d"] == set() and graph["pkg.e"] == {"pkg.d"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_the_command_exits_0_here():
    done = subprocess.run([sys.executable, "-m", "ocpdash.devtools.cycles"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
