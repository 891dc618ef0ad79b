"""Generate a benchmark corpus shaped like the real upstream plugin tree.

20 build plugins (``wazo_<vendor>/``, older ones ``xivo_<vendor>/``), 114 targets in
``v1_2_3/`` folders, shared ``common/`` (and ``common_<family>/``) code and templates
copied into every target by rsync-based build files that leave ``tests/`` out, as
upstream does; so most templates and Python files of the built trees repeat. Like the
real tree (observed on the public upstream plugins repository):

- one vendor (``wazo_sorrel``) generates its per-model templates with ``sed``:
  ``check_call(['sed', 's/#MODEL#/D745/', 'common/templates/base.btpl'], stdout=f)``,
  640 calls over its 10 targets;
- one build plugin (``xivo_yew``, last in name order) holds about 45% of the bytes,
  in firmware-like data files;
- pkgs.db files with operator-supplied files (empty ``url``, a ``filename``), ``ftp://``
  URLs and unused install sections; plugin-info files with ``vendor.official`` as 0/1,
  capability key typos and model names with spaces and punctuation;
- a ``_firmwares/<vendor>/`` mirror of one vendor's firmware files;
- three targets fail: two copy a version folder that is gone, one runs sed on a
  template that is gone.

About 22 MB of tar before compression. Content comes from a seeded RNG: every run
benchmarks the same bytes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

WORDS = ("phone line proxy account setting value firmware model vendor network vlan ntp timezone locale "
         "transport register expires codec ring tone contact directory dial plan blf park speed voicemail "
         "backlight language display ldap syslog").split()


@dataclass(frozen=True)
class Plugin:
    folder: str
    vendor: str
    targets: int
    models: tuple[str, ...]
    family: str | None = None  # a common_<family>/ folder copied by some targets
    official: bool = False  # plugin-info writes vendor.official as 0/1
    operator_files: bool = False  # pkgs.db files the operator supplies by hand (empty url)
    ftp: bool = False  # pkgs.db URLs on an FTP server


PLUGINS = (
    Plugin("wazo_alder", "Alder", 12, ("A120", "A140", "A160", "A180", "A220", "A240"), official=True),
    Plugin("wazo_beech", "Beech", 2, ("B10", "B20")),
    Plugin("wazo_cedar", "Cedar", 9, ("C300", "C310", "C320", "IP station", "N720 DM PRO"), family="dect",
           operator_files=True),
    Plugin("wazo_cypress", "Cypress", 1, ("CY1",)),
    Plugin("wazo_elm", "Elm", 8, ("E1", "E2", "E3", "E4", "V2 & Pro"), official=True),
    Plugin("wazo_hazel", "Hazel", 7, ("H50", "H60", "H70", "IP/DM PRO"), operator_files=True),
    Plugin("wazo_maple", "Maple", 5, ("M5", "M7", "M9")),
    Plugin("wazo_oak", "Oak", 5, ("O100", "O200", "O300"), ftp=True),
    Plugin("wazo_rowan", "Rowan", 4, ("R1", "R2")),
    Plugin("wazo_sorrel", "Sorrel", 10, ("D715", "D717", "D725", "D735", "D745", "D765", "D785", "D862",
                                         "D865", "M100", "M300", "M700", "M900", "PA1", "D120", "D140")),
    Plugin("wazo_spruce", "Spruce", 3, ("S1", "S2", "S3"), family="ata", official=True),
    Plugin("wazo_willow", "Willow", 3, ("W10", "W20")),
    Plugin("xivo_ash", "Ash", 2, ("AS1", "AS2")),
    Plugin("xivo_birch", "Birch", 12, ("BI5", "BI7", "BI9", "BI11"), operator_files=True),
    Plugin("xivo_fir", "Fir", 6, ("F1", "F2", "F3"), ftp=True),
    Plugin("xivo_juniper", "Juniper", 6, ("J10", "J20", "J30"), operator_files=True),
    Plugin("xivo_larch", "Larch", 6, ("L1", "L2", "L3", "L4")),
    Plugin("xivo_pine", "Pine", 4, ("P1", "P2"), official=True, operator_files=True),
    Plugin("xivo_teak", "Teak", 3, ("T1", "T2")),
    Plugin("xivo_yew", "Yew", 6, ("Y40", "Y50", "Y60", "Y70")),
)
SED_PLUGIN = "wazo_sorrel"
SED_SOURCES = ("base", "lang", "keys", "firmware")  # common/templates/<name>.btpl, one sed call per model each
HEAVY_PLUGIN = "xivo_yew"
# (build plugin, index of the target) -> why it fails
FAILING = {("wazo_alder", 11): "missing-folder", ("xivo_larch", 5): "missing-folder",
           ("wazo_maple", 4): "missing-template"}
# Its firmware files are mirrored in _firmwares/<vendor>/, where the build checks them.
MIRRORED_PLUGIN = "wazo_rowan"
# The file bench/run.py edits for its "one plugin changed" scenario.
EDITED_FILE = "wazo_hazel/common/templates/base.tpl"

COPY = "    check_call(['rsync', '-rlp', '--exclude', '.*', '--exclude', 'tests/'{extra}, '{source}/', path])\n"
BUILD_FILE_HEAD = """\
# Build targets of the {name} plugins: one plugin per firmware version.
# Each target copies the shared code and templates, then its version folder on top.

import os
from subprocess import check_call
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    def target(target_id: str, pg_id: str, std_dirs: bool = True): ...
"""
SED_HELPER = """
MODELS = {models!r}


def generate_templates(path):
    for model in MODELS:
        for source in {sources!r}:
            name = model if source == 'base' else f'{{model}}-{{source}}'
            with open(os.path.join(path, 'templates', f'{{name}}.tpl'), 'w') as f:
                check_call(['sed', f's/#MODEL#/{{model}}/', f'common/templates/{{source}}.btpl'], stdout=f)
"""

ENTRY = """\
common = {{}}
execfile_('common.py', common)
{family}

MODELS = {models!r}
VERSION = '{version}'


class {vendor}Plugin(common['Base{vendor}Plugin']):
    IS_PLUGIN = True

    pg_associator = common['Base{vendor}PgAssociator'](dict.fromkeys(MODELS, VERSION))
    _FIRMWARE_FILES = {firmware!r}
"""

INSTALL = """
[install_{vendor}-fw]
a-b = unzip $FILE1
b-c = cp b/$ARG1/*.bin firmware/
"""


# ---------------------------------------------------------------- content

def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _template(rng: random.Random, size: int, includes: tuple[str, ...] = (), marker: str = "") -> str:
    """A Jinja2 provisioning template of about ``size`` characters (each block name used once)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<settings>\n']
    for name in includes:
        parts.append(f'{{% include "{name}" %}}\n')
    number = 0
    while sum(map(len, parts)) < size:
        number += 1
        kind = rng.randrange(5)
        key = rng.choice(WORDS)
        if kind == 0:
            parts.append(f"{{% for line_no, line in sip_lines.items() %}}\n<{key} idx=\"{{{{ line_no }}}}\">"
                         f"{{{{ line['{key}'] }}}}</{key}>\n{{% endfor %}}\n")
        elif kind == 1:
            parts.append(f"{{% if {key}_enabled %}}\n<{key}>{{{{ {key} }}}}</{key}>\n{{% else %}}\n"
                         f"<{key}>{_words(rng, 3)}</{key}>\n{{% endif %}}\n")
        elif kind == 2:
            parts.append(f"{{# {_words(rng, 8)} #}}\n")
        elif kind == 3:
            parts.append(f"{{% block {key}_{number} %}}<{key}_{number}>{marker or _words(rng, 2)}"
                         f"</{key}_{number}>{{% endblock %}}\n")
        else:
            parts.append(f"<{key} perm=\"RW\">{_words(rng, 6)}</{key}>\n")
    parts.append("</settings>\n")
    return "".join(parts)


def _python(rng: random.Random, vendor: str, functions: int) -> str:
    body = "".join(
        f"\n\ndef _{rng.choice(WORDS)}_{n}(raw_config):\n"
        f"    \"\"\"{_words(rng, 10).capitalize()}.\"\"\"\n"
        f"    value = raw_config.get('{rng.choice(WORDS)}', {rng.randrange(100)})\n"
        f"    if value and {rng.randrange(1, 9)} > len(str(value)):\n"
        f"        return {_words(rng, 12)!r}\n"
        f"    return [{', '.join(repr(w) for w in _words(rng, 6).split())}]\n" for n in range(functions))
    return f'''# {vendor} phones: what the plugins of every firmware share.

import logging
import os.path

from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport
from wazo_provd.plugins import FetchfwPluginHelper, StandardPlugin, TemplatePluginHelper

logger = logging.getLogger('plugin.{vendor.lower()}')


class Base{vendor}PgAssociator(BasePgAssociator):
    def __init__(self, models):
        super().__init__()
        self._models = models

    def _do_associate(self, vendor, model, version):
        if vendor == '{vendor}':
            return DeviceSupport.EXACT if model in self._models else DeviceSupport.PROBABLE
        return DeviceSupport.IMPROBABLE


class Base{vendor}Plugin(StandardPlugin):
    IS_PLUGIN = False

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._tpl_helper = TemplatePluginHelper(plugin_dir)
        self._fetchfw = FetchfwPluginHelper(plugin_dir, None)
{body}'''


def _firmware_like(rng: random.Random, size: int) -> bytes:
    """Bytes compressing like firmware images: random payload between tables and padding."""
    chunks, total = [], 0
    while total < size:
        kind = rng.randrange(3)
        if kind == 0:
            chunk = rng.randbytes(rng.randrange(512, 4096))
        elif kind == 1:
            chunk = bytes([rng.randrange(256)]) * rng.randrange(256, 2048)
        else:
            chunk = (rng.randbytes(16) * rng.randrange(16, 128))
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)[:size]


def _slug(model: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in model)


# ---------------------------------------------------------------- one build plugin

def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def _versions(rng: random.Random, count: int) -> list[str]:
    return [f"{n + 1}.{rng.randrange(10)}.{rng.randrange(100)}" for n in range(count)]


def _plugin_info(plugin: Plugin, version: str, index: int, rng: random.Random) -> str:
    info: dict = {
        "version": f"0.{index + 1}",
        "description": f"Plugin for {plugin.vendor} {', '.join(plugin.models)} in version {version}.",
        "description_fr": f"Greffon pour {plugin.vendor} {', '.join(plugin.models)} en version {version}.",
        "vendor": plugin.vendor,
    }
    if plugin.official:
        info["vendor.official"] = index % 2
    info["capabilities"] = {}
    for n, model in enumerate(plugin.models):
        capability = {"lines": 1 + n % 6, "high_availability": True, "function_keys": 4 * n,
                      "expansion_modules": n % 3, "switchboard": False, "protocol": "sip", "type": "deskphone"}
        if plugin.family == "dect" and " " in model:
            capability.update(type="dect", multicell=True)
        if n == 0 and index == 0 and plugin.folder in ("xivo_birch", "wazo_oak", "xivo_teak"):
            typo = {"xivo_birch": "proto", "wazo_oak": "ha", "xivo_teak": "expansions"}[plugin.folder]
            capability[typo] = capability.pop({"proto": "protocol", "ha": "high_availability",
                                               "expansions": "expansion_modules"}[typo])
        if plugin.folder == "xivo_ash":
            capability["sip.lines"] = capability.pop("lines")
        info["capabilities"][f"{plugin.vendor}, {model}, {version}"] = capability
    return json.dumps(info, indent=4, ensure_ascii=False) + "\n"


def _pkgs_db(plugin: Plugin, version: str, index: int, rng: random.Random, mirror: Path) -> str:
    """The target's pkgs.db; the files of MIRRORED_PLUGIN are also written into ``mirror``."""
    vendor = plugin.vendor.lower()
    sections = []
    operator_files = plugin.operator_files and index < 3  # about a dozen targets of 5 vendors
    for model in plugin.models:
        slug = _slug(model).lower()
        file_id = f"{slug}-fw"
        sections.append(f"[pkg_{slug}-fw]\ndescription = Firmware for {plugin.vendor} {model}\n"
                        f"description_fr = Micrologiciel pour {plugin.vendor} {model}\nversion = {version}\n"
                        f"files = {file_id}\ninstall = {vendor}-fw {slug}\n")
        filename = f"{slug}-{version}.zip"
        if operator_files:  # behind a login page: the operator drops the file into provd's cache
            url = "url =\nfilename = " + filename
        elif plugin.ftp:
            url = f"url = ftp://ftp.{vendor}.example.test/pub/firmware/{filename}"
        else:
            url = f"url = https://downloads.{vendor}.example.test/firmware/{version}/{filename}"
        if plugin.folder == MIRRORED_PLUGIN:
            data = _firmware_like(rng, 50_000)
            _write(mirror / vendor / filename, data)
            size, sha1sum = len(data), hashlib.sha1(data).hexdigest()
        else:
            size, sha1sum = rng.randrange(1_000_000, 40_000_000), f"{rng.getrandbits(160):040x}"
        sections.append(f"[file_{file_id}]\n{url}\nsize = {size}\nsha1sum = {sha1sum}\n")
    sections.append(INSTALL.format(vendor=vendor).lstrip("\n"))
    if index == 0 and plugin.folder in ("wazo_alder", "xivo_fir", "wazo_rowan"):
        sections.append(f"[install_{vendor}-legacy]\na-b = untar $FILE1\nb-c = cp b/* firmware/\n")
    return "\n".join(sections)


def _build_file(plugin: Plugin, versions: list[str]) -> str:
    head = BUILD_FILE_HEAD.format(name=plugin.folder.replace("_", "-"))
    if plugin.folder == SED_PLUGIN:
        head += SED_HELPER.format(models=list(plugin.models), sources=SED_SOURCES)
    body = []
    for index, version in enumerate(versions):
        folder = "v" + version.replace(".", "_")
        pg_id = f"{plugin.folder.replace('_', '-')}-{version}"
        lines = [f"\n\n@target('{version}', '{pg_id}')\ndef build_{folder[1:]}(path):\n"]
        # Newer build files also leave the folders' __init__.py (there for the plugin tests) out.
        extra = ", '--exclude', '__init__.py'" if plugin.folder.startswith("wazo_") else ""
        common_extra = extra + (", '--exclude', '*.btpl'" if plugin.folder == SED_PLUGIN else "")
        lines.append(COPY.format(extra=common_extra, source="common"))
        if plugin.family and index % 2 == 0:
            lines.append(COPY.format(extra=extra, source=f"common_{plugin.family}"))
        lines.append(COPY.format(extra=extra, source=folder))
        if plugin.folder == SED_PLUGIN:
            lines.append("    generate_templates(path)\n")
        if FAILING.get((plugin.folder, index)) == "missing-template":
            lines.append("    with open(os.path.join(path, 'templates', 'extra.tpl'), 'w') as f:\n"
                         "        check_call(['sed', 's/#MODEL#/extra/', 'common/templates/extra.btpl'], "
                         "stdout=f)\n")
        body.append("".join(lines))
    return head + "".join(body)


def _write_plugin(root: Path, plugin: Plugin, rng: random.Random) -> int:
    """Write one build plugin; return its number of sed calls."""
    folder = root / plugin.folder
    common = folder / "common"
    vendor = plugin.vendor
    shared = ("common.tpl", "lines.tpl", "keys.tpl")
    for name in shared:
        _write(common / "templates" / name, _template(rng, 2_500))
    _write(common / "templates" / "base.tpl", _template(rng, 6_000, includes=shared))
    for n in range(8):
        _write(common / "templates" / f"part{n}.tpl", _template(rng, rng.randrange(2_000, 6_000)))
    _write(common / "common.py", _python(rng, vendor, 50))
    _write(common / "__init__.py", "")
    _write(common / "tests" / "__init__.py", "")
    _write(common / "tests" / "test_common.py", f"from ..common import Base{vendor}PgAssociator\n\n\n"
                                                f"def test_associates():\n"
                                                f"    assert Base{vendor}PgAssociator({{}})\n")
    _write(common / "var" / "tftpboot" / "README.txt", _words(rng, 300) + "\n")
    if plugin.family:
        family = folder / f"common_{plugin.family}"
        _write(family / f"{plugin.family}.py", _python(rng, vendor + plugin.family.title(), 15))
        _write(family / "templates" / f"{plugin.family}.tpl", _template(rng, 4_000))
    if plugin.folder == SED_PLUGIN:
        for source in SED_SOURCES:
            _write(common / "templates" / f"{source}.btpl",
                   _template(rng, 2_000, includes=shared, marker="#MODEL#").replace("<settings>", "<settings model=\"#MODEL#\">"))
    if plugin.folder == HEAVY_PLUGIN:  # language packs, ring tones, boot images: the bulk of the bytes
        for n in range(4):
            _write(common / "var" / "tftpboot" / vendor / f"lang-{n}.bin", _firmware_like(rng, 300_000))
    versions = _versions(rng, plugin.targets)
    for index, version in enumerate(versions):
        if FAILING.get((plugin.folder, index)) == "missing-folder":
            continue  # the build file still names it
        target = folder / ("v" + version.replace(".", "_"))
        _write(target / "plugin-info", _plugin_info(plugin, version, index, rng))
        _write(target / "pkgs" / "pkgs.db", _pkgs_db(plugin, version, index, rng, root / "_firmwares"))
        family = f"\nexecfile_('{plugin.family}.py', common)\n" if plugin.family and index % 2 == 0 else ""
        firmware = [f"{_slug(m).lower()}-{version}.bin" for m in plugin.models]
        _write(target / "entry.py", ENTRY.format(family=family, models=list(plugin.models), version=version,
                                                 vendor=vendor, firmware=firmware))
        for model in plugin.models[:3]:
            _write(target / "templates" / f"{_slug(model)}.tpl", _template(rng, 1_500, marker=version))
        if index % 3 == 0:
            _write(target / "__init__.py", "")
            _write(target / "tests" / "test_entry.py", "def test_nothing_yet():\n    pass\n")
        if plugin.folder == HEAVY_PLUGIN:
            _write(target / "var" / "tftpboot" / vendor / f"boot-{version}.rom", _firmware_like(rng, 350_000))
    _write(folder / "build.py", _build_file(plugin, versions))
    if plugin.folder not in ("wazo_cypress", "xivo_ash"):  # real trees have build plugins without one
        _write(folder / "dhcp.toml", f'vendor = "{vendor}"\nprovd_path = "/{vendor}"\n' + "".join(
            f'\n[[class]]\nmodel = "{m}"\nvendor_class_prefix = "{vendor.lower()}_{_slug(m)}"\n'
            for m in plugin.models))
    built = [i for i in range(plugin.targets) if FAILING.get((plugin.folder, i)) != "missing-folder"]
    return len(built) * len(plugin.models) * len(SED_SOURCES) if plugin.folder == SED_PLUGIN else 0


@dataclass(frozen=True)
class Corpus:
    plugins: int
    targets: int
    failing: int
    sed_calls: int


def generate(root: Path, seed: int = 1) -> Corpus:
    """Write the corpus under ``root`` (which must not exist yet)."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    sed_calls = sum(_write_plugin(root, plugin, rng) for plugin in PLUGINS)
    return Corpus(len(PLUGINS), sum(p.targets for p in PLUGINS), len(FAILING), sed_calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = generate(args.root, args.seed)
    print(f"{corpus.plugins} build plugins, {corpus.targets} targets ({corpus.failing} failing), "
          f"{corpus.sed_calls} sed calls")


if __name__ == "__main__":
    main()
