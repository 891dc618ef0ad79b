"""`inv build` and `inv validate` select by plugin id (as `inv list` shows them) and by glob, on a 110-plugin tree."""
from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import ENTRY_PY, run_inv, write_tree

VENDORS = ("yealink", "snom", "fanvil", "grandstream", "cisco", "polycom", "gigaset", "panasonic", "aastra",
           "htek", "alcatel", "avaya", "digium", "patton", "jitsi", "mitel", "zenitel", "technicolor", "linksys",
           "thomson", "swissvoice", "cyberdata")
VERSIONS = ("v80", "v81", "v84", "v85", "v86")  # 22 build plugins x 5 targets: 110 plugin ids


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    for vendor in VENDORS:
        targets = "".join(textwrap.dedent(f"""
            @target('{version}', 'wazo-{vendor}-{version}')
            def build_{version}(path):
                shutil.copy('entry.py', path)
                with open(os.path.join(path, 'plugin-info'), 'w') as out:
                    json.dump({{"version": "0.1", "description": "{vendor} {version}",
                               "capabilities": {{"{vendor.title()}, M1, {version}": {{"lines": 1}}}}}}, out)
            """) for version in VERSIONS)
        write_tree(root / "plugins" / f"wazo_{vendor}", {
            "build.py": "import json\nimport os\nimport shutil\n" + targets, "entry.py": ENTRY_PY})
    return root


def built_ids(build_dir) -> set[str]:
    return set(json.loads((build_dir / "dev/plugins.db").read_text()))


def test_build_takes_a_plugin_id(tree, tmp_path):
    done = run_inv("build", "--plugins-dir", str(tree / "plugins"), "--build-dir", str(tmp_path / "one"),
                   "wazo-yealink-v86", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert built_ids(tmp_path / "one") == {"wazo-yealink-v86"}


def test_build_and_validate_take_globs(tree, tmp_path):
    done = run_inv("build", "-p", str(tree / "plugins"), "-b", str(tmp_path / "glob"), "-j", "2",
                   "wazo-yealink-*", "-s", "wazo-*-v81", "wazo_sno*:v80", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = {f"wazo-yealink-{v}" for v in VERSIONS} | {f"wazo-{vendor}-v81" for vendor in VENDORS} | \
        {"wazo-snom-v80"}
    assert built_ids(tmp_path / "glob") == expected
    checked = run_inv("validate", "-p", str(tree / "plugins"), "-j", "2", "wazo-snom-v8?", "wazo-cisco", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.splitlines()[-1].startswith("10 plugins checked: 0 errors")


@pytest.mark.parametrize("task", ["build", "validate"])
def test_an_unknown_selector_is_named_with_close_matches(tree, tmp_path, task):
    done = run_inv(task, "-p", str(tree / "plugins"), "-b", str(tmp_path / "none"), "wazo-yealink-v68",
                   cwd=tmp_path) if task == "build" else \
        run_inv(task, "-p", str(tree / "plugins"), "wazo-yealink-v86", "wazo-yelink-v86", cwd=tmp_path)
    assert done.returncode == 1
    wrong = "wazo-yealink-v68" if task == "build" else "wazo-yelink-v86"
    line = done.stderr.strip()
    assert line.startswith(f"error: no build plugin or plugin id matches '{wrong}' (did you mean 'wazo-yealink-v86'")
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""
    assert not (tmp_path / "none/dev").exists()  # nothing built
    glob = run_inv("validate", "-p", str(tree / "plugins"), "wazo-nokia-*", cwd=tmp_path)
    assert glob.returncode == 1
    assert glob.stderr.strip() == ("error: no build plugin or plugin id matches 'wazo-nokia-*' (build plugins: "
                                   "wazo_aastra, wazo_alcatel, wazo_avaya, wazo_cisco, wazo_cyberdata, wazo_digium, "
                                   "wazo_fanvil, wazo_gigaset, wazo_grandstream, wazo_htek and 12 more)")
