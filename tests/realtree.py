"""A plugins tree written the way real ones are (shared/spec/real-world.md), for tests and benchmarks.

``write_real_tree(root)`` writes, under ``root``:

- build plugins ``wazo_<vendor>/`` (and an older ``xivo_<vendor>/``) with version folders
  ``v<major>_<minor>_<patch>/`` holding ``__init__.py``, shared code in ``common/`` and
  ``common_dect/``, plugin unit tests in ``tests/`` folders (pytest, relative imports,
  ``wazo_provd`` imports) that the build rules leave out with ``rsync --exclude tests``;
- build files in the upstream style: a licence header, ``check_call(['rsync', ...])``,
  the ``target`` decorator with a ``TYPE_CHECKING`` stub;
- pkgs.db files with ftp URLs and files the operator supplies (empty ``url``, a
  ``filename``); plugin-info files with ``vendor.official`` as 0/1 and model names with
  spaces and punctuation; a ``_firmwares/<vendor>/`` mirror; ``wazo_test_plugins/``.

No ``dhcp.toml``: real trees have none, so every build plugin gets one ``dhcp-coverage`` warning.
Everything else validates without a finding. With ``defects=True`` the tree also holds
the defects seen upstream, listed in the returned ``RealTree.defects``: capability key
typos next to the legacy ``sip.lines``, an unused install section (in a pkgs.db shared
by two targets), an MD5 in the ``sha1sum`` of an operator-supplied file.
"""
from __future__ import annotations

import hashlib
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

FIRMWARE = b"acmefone firmware 8.9.3.80\n" * 40  # mirrored in _firmwares/acmefone/


@dataclass(frozen=True)
class Defect:
    path: str  # relative to the plugins folder
    line: int
    code: str


@dataclass
class RealTree:
    plugins_dir: Path
    targets: dict[str, str] = field(default_factory=dict)  # plugin id -> build plugin
    models: dict[str, list[str]] = field(default_factory=dict)  # plugin id -> model names
    defects: list[Defect] = field(default_factory=list)


@dataclass(frozen=True)
class _Version:
    folder: str  # v8_9_3_80
    firmware: str  # 8.9.3.80
    plugin_version: str
    models: tuple[str, ...]
    common: tuple[str, ...] = ("common",)  # shared folders copied first, in order


@dataclass(frozen=True)
class _Vendor:
    name: str  # the build plugin folder
    vendor: str  # as in capabilities
    official: object  # vendor.official as real trees write it
    versions: tuple[_Version, ...]


VENDORS = (
    _Vendor("wazo_acmefone", "Acmefone", 1, (
        _Version("v1_2_3", "1.2.3", "0.4.1", ("IP station", "V2 & Pro")),
        _Version("v8_9_3_80", "8.9.3.80", "1.0.2", ("IP station", "V2 & Pro", "T46")),
    )),
    _Vendor("wazo_globex", "Globex", 0, (
        _Version("v2_0_1", "2.0.1", "0.9", ("N720 DM PRO", "IP/DM PRO"), ("common", "common_dect")),
    )),
    _Vendor("wazo_initech", "Initech", True, (
        _Version("v4_1_0", "4.1.0", "2.1", ("IP-50",)),
        _Version("v4_2_0", "4.2.0", "2.2", ("IP-50", "IP-60")),
    )),
    _Vendor("xivo_umbrella", "Umbrella", 0, (
        _Version("v3_0_7", "3.0.7", "0.3", ("U 100",)),
    )),
)

LICENCE = """\
    # Copyright 2013-2024 The Example Authors  (see the AUTHORS file)
    # SPDX-License-Identifier: GPL-3.0-or-later
    """


def write_real_tree(root: Path, defects: bool = False, extra_versions: int = 0) -> RealTree:
    """Write the tree into ``root/plugins``; ``extra_versions`` adds that many targets per vendor (benchmarks)."""
    plugins = root / "plugins"
    tree = RealTree(plugins)
    for vendor in VENDORS:
        versions = vendor.versions + tuple(
            _Version(f"v9_{n}_0", f"9.{n}.0", f"3.{n}", vendor.versions[-1].models, vendor.versions[-1].common)
            for n in range(extra_versions))
        _write_vendor(plugins, vendor, versions, tree, defects)
    _write_test_plugins(plugins, tree)
    _write(plugins, "_firmwares/acmefone/acmefone-8.9.3.80.zip", FIRMWARE)
    return tree


def _write(plugins: Path, rel: str, content: str | bytes) -> Path:
    path = plugins / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _write_vendor(plugins: Path, vendor: _Vendor, versions: tuple[_Version, ...], tree: RealTree,
                  defects: bool) -> None:
    name = vendor.name
    _write(plugins, f"{name}/build.py", _build_file(vendor, versions))
    _write(plugins, f"{name}/__init__.py", "")
    _write(plugins, f"{name}/common/__init__.py", "")
    _write(plugins, f"{name}/common/common.py", _COMMON_PY.replace("Vendor", vendor.vendor))
    _write(plugins, f"{name}/common/templates/base.tpl", _BASE_TPL)
    _write(plugins, f"{name}/common/templates/footer.tpl", "<!-- {{ XX_comment }} -->\n")
    _write(plugins, f"{name}/common/tests/__init__.py", "")
    _write(plugins, f"{name}/common/tests/test_common.py", _COMMON_TEST.replace("Vendor", vendor.vendor))
    if any("common_dect" in v.common for v in versions):
        _write(plugins, f"{name}/common_dect/templates/dect.tpl", '{% extends "base.tpl" %}\n'
                                                                  "{% block model %}<dect/>{% endblock %}\n")
    if name == "wazo_initech":  # one pkgs.db shared by every target of the build plugin
        db = _write(plugins, f"{name}/common/pkgs/pkgs.db", _initech_pkgs_db(defects))
        if defects:
            tree.defects.append(Defect(f"{name}/common/pkgs/pkgs.db", _line_of(db, "[install_legacy-fw]"),
                                       "unused-section"))
    for version in versions:
        folder = f"{name}/{version.folder}"
        pg_id = f"{name.replace('_', '-')}-{version.firmware}"
        tree.targets[pg_id] = name
        tree.models[pg_id] = list(version.models)
        typos = defects and version.folder == "v8_9_3_80"
        info = _write(plugins, f"{folder}/plugin-info", _plugin_info(vendor, version, typos))
        if typos:
            tree.defects += [Defect(f"{folder}/plugin-info", _line_of(info, f'"{key}"'), code) for key, code in (
                ("sip.lines", "capability-legacy"), ("proto", "capability-key"), ("ha", "capability-key"),
                ("expansions", "capability-key"))]
        _write(plugins, f"{folder}/__init__.py", "")
        _write(plugins, f"{folder}/entry.py", _entry_py(vendor, version))
        _write(plugins, f"{folder}/tests/__init__.py", "")
        _write(plugins, f"{folder}/tests/test_entry.py", _VERSION_TEST)
        for model in version.models:
            _write(plugins, f"{folder}/templates/{model.replace('/', '-')}.tpl",
                   '{% extends "base.tpl" %}\n{% block model %}<model>' + model.replace("&", "&amp;")
                   + "</model>{% endblock %}\n")
        if name == "wazo_acmefone" and version.folder == "v8_9_3_80":
            _write(plugins, f"{folder}/pkgs/pkgs.db", _acmefone_pkgs_db())
        if name == "wazo_globex":
            db = _write(plugins, f"{folder}/pkgs/pkgs.db", _globex_pkgs_db(defects))
            if defects:
                tree.defects.append(Defect(f"{folder}/pkgs/pkgs.db", _line_of(db, "sha1sum: 5d41402a"),
                                           "supplied-file-sha1sum"))


def _build_file(vendor: _Vendor, versions: tuple[_Version, ...]) -> str:
    targets = []
    for version in versions:
        pg_id = f"{vendor.name.replace('_', '-')}-{version.firmware}"
        copies = "".join(f"    check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', 'tests', '{folder}/', path])\n"
                         for folder in (*version.common, version.folder))
        targets.append(f"@target('{version.firmware}', '{pg_id}')\n"
                       f"def build_{version.firmware.replace('.', '_')}(path):\n{copies}")
    return textwrap.dedent(LICENCE) + textwrap.dedent("""\

        # Depends on the following external programs:
        #  -rsync

        from subprocess import check_call
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:

            def target(target_id: str, pg_id: str, std_dirs: bool = True):
                ...


        """) + "\n\n".join(targets)


def _plugin_info(vendor: _Vendor, version: _Version, typos: bool) -> str:
    capabilities = {}
    for n, model in enumerate(version.models):
        capability = {"lines": 4 + n, "high_availability": True, "function_keys": 10, "expansion_modules": 3,
                      "switchboard": False, "protocol": "sip",
                      "type": "dect" if "common_dect" in version.common else "deskphone"}
        if typos:
            capability = {"sip.lines": 4 + n, "proto": "sip", "ha": True, "expansions": 3}
        capabilities[f"{vendor.vendor}, {model}, {version.firmware}"] = capability
    return json.dumps({
        "version": version.plugin_version,
        "description": f"Plugin for {vendor.vendor} {', '.join(version.models)} in version {version.firmware}.",
        "description_fr": f"Greffon pour {vendor.vendor} en version {version.firmware}.",
        "vendor": vendor.vendor, "vendor.official": vendor.official,
        "plugin_iface_version_min": 0.2,
        "capabilities": capabilities,
    }, indent=4, ensure_ascii=False) + "\n"


def _entry_py(vendor: _Vendor, version: _Version) -> str:
    return textwrap.dedent(LICENCE) + textwrap.dedent(f"""\

        common_globals = {{}}
        execfile_('common.py', common_globals)

        MODELS = {list(version.models)!r}
        VERSION = '{version.firmware}'


        class {vendor.vendor}Plugin(common_globals['Base{vendor.vendor}Plugin']):
            IS_PLUGIN = True

            pg_associator = common_globals['Base{vendor.vendor}PgAssociator'](MODELS, VERSION)
        """)


_COMMON_PY = '''\
import logging

from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport
from wazo_provd.plugins import StandardPlugin, TemplatePluginHelper

logger = logging.getLogger('plugin.vendor')


class BaseVendorPgAssociator(BasePgAssociator):
    def __init__(self, models, version):
        super().__init__()
        self._models = models
        self._version = version

    def _do_associate(self, vendor, model, version):
        if vendor == 'Vendor' and model in self._models:
            return DeviceSupport.EXACT if version == self._version else DeviceSupport.COMPLETE
        return DeviceSupport.UNKNOWN if vendor == 'Vendor' else DeviceSupport.IMPROBABLE


class BaseVendorPlugin(StandardPlugin):
    IS_PLUGIN = False

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._tpl_helper = TemplatePluginHelper(plugin_dir)
'''

_COMMON_TEST = '''\
from unittest.mock import sentinel

from wazo_provd.devices.pgasso import DeviceSupport

from ..common import BaseVendorPgAssociator


def test_exact_model_and_version():
    associator = BaseVendorPgAssociator(['M1'], '1.0')
    assert associator._do_associate('Vendor', 'M1', '1.0') == DeviceSupport.EXACT
    assert sentinel.unused
'''

_VERSION_TEST = '''\
import pytest

from .. import entry  # noqa: F401  (run by upstream with wazo-provd installed)


@pytest.mark.skip(reason='needs execfile_ from provd')
def test_entry_loads():
    pass
'''

_BASE_TPL = """\
<?xml version="1.0" encoding="UTF-8"?>
<config>
{% block model %}{% endblock %}
{% for line_no, line in sip_lines.items() %}
<line id="{{ line_no }}">{{ line['username']|e }}</line>
{% endfor %}
{% include "footer.tpl" %}
</config>
"""


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _acmefone_pkgs_db() -> str:
    return f"""\
        [pkg_fw-8.9.3.80]
        description: Firmware for Acmefone phones
        description_fr: Micrologiciel pour les téléphones Acmefone
        version: 8.9.3.80
        files: acmefone-fw
        install: acmefone-fw

        [pkg_lang]
        description: Language files (from the vendor's FTP server)
        version: 1.0
        files: acmefone-lang
        install: acmefone-lang

        [file_acmefone-fw]
        url: https://mirror.example.test/firmwares/acmefone/acmefone-8.9.3.80.zip
        size: {len(FIRMWARE)}
        sha1sum: {_sha1(FIRMWARE)}

        [file_acmefone-lang]
        url: ftp://ftp.acmefone.example.test/pub/lang/acmefone-lang-1.0.tar.gz
        size: 20480
        sha1sum: {_sha1(b"lang")}

        [install_acmefone-fw]
        a-b: unzip $FILE1
        b-c: cp b/*.rom firmware/

        [install_acmefone-lang]
        a-b: untar $FILE1
        b-c: cp b/lang/* lang/
        """


def _globex_pkgs_db(defects: bool) -> str:
    sha1sum = "5d41402abc4b2a76b9719d911017c592" if defects else _sha1(b"globex")  # an MD5
    return f"""\
        # Globex only hands its DECT base firmware out after a login:
        # the operator downloads it and puts it into provd's cache.
        [pkg_dect-fw]
        description: DECT base firmware (supplied by the operator)
        version: 2.0.1
        files: dect-fw
        install: globex-fw

        [file_dect-fw]
        url:
        filename: Globex_DECT_2.0.1 (licensed).bin
        size: 1048576
        sha1sum: {sha1sum}

        [install_globex-fw]
        a-b: cp $FILE1 firmware/
        """


def _initech_pkgs_db(defects: bool) -> str:
    unused = """
        [install_legacy-fw]
        a-b: unzip $FILE1
        b-c: cp b/* firmware/
        """ if defects else ""
    return textwrap.dedent(f"""\
        [pkg_ip-fw]
        description: Firmware for Initech IP phones
        version: 4.2.0
        files: ip-fw
        install: initech-fw

        [file_ip-fw]
        url: ftp://ftp.initech.example.test/fw/ip-fw-4.2.0.tar.gz
        size: 4096
        sha1sum: {_sha1(b"initech")}

        [install_initech-fw]
        a-b: untar $FILE1
        b-c: cp b/*.bin firmware/
        """) + textwrap.dedent(unused)


def _write_test_plugins(plugins: Path, tree: RealTree) -> None:
    """provd's own integration-test plugins live in the plugins folder too."""
    _write(plugins, "wazo_test_plugins/build.py", textwrap.dedent(LICENCE) + textwrap.dedent("""\

        from subprocess import check_call


        @target('null', 'null')
        def build_null(path):
            check_call(['rsync', '-rlp', '--exclude', '.*', 'null/', path])
        """))
    _write(plugins, "wazo_test_plugins/null/plugin-info", json.dumps(
        {"version": "1.0", "description": "A plugin that does nothing (provd integration tests)",
         "capabilities": {}}, indent=4) + "\n")
    _write(plugins, "wazo_test_plugins/null/entry.py", textwrap.dedent("""\
        from wazo_provd.plugins import Plugin


        class NullPlugin(Plugin):
            IS_PLUGIN = True
        """))
    tree.targets["null"] = "wazo_test_plugins"
    tree.models["null"] = []
