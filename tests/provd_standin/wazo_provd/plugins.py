"""Plugin base classes, the template and firmware helpers, and provd's way of loading a plugin."""
from __future__ import annotations

import configparser
import json
import os
import string
from dataclasses import dataclass, field

from jinja2 import Environment, FileSystemLoader, Template


class Plugin:
    """What provd calls on a plugin; the defaults are what a plugin that does nothing offers."""

    dhcp_dev_info_extractor = None
    http_dev_info_extractor = None
    tftp_dev_info_extractor = None
    http_service = None
    tftp_service = None
    pg_associator = None
    services: dict = {}

    def __init__(self, app, plugin_dir: str, gen_cfg: dict, spec_cfg: dict):
        self._app = app
        self._plugin_dir = plugin_dir
        self._gen_cfg = gen_cfg
        self._spec_cfg = spec_cfg

    def configure(self, device: dict, raw_config: dict) -> None:
        pass

    def deconfigure(self, device: dict) -> None:
        pass

    def synchronize(self, device: dict, raw_config: dict):
        raise NotImplementedError

    def get_remote_state_trigger_filename(self, device: dict) -> str | None:
        return None

    def is_sensitive_filename(self, filename: str) -> bool:
        return False


class StandardPlugin(Plugin):
    TFTPBOOT_DIR = os.path.join('var', 'tftpboot')

    def __init__(self, app, plugin_dir: str, gen_cfg: dict, spec_cfg: dict):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._tftpboot_dir = os.path.join(plugin_dir, self.TFTPBOOT_DIR)


# --- loading (contract section 6) ---------------------------------------------------------

PLUGIN_INFO_KEYS = {'version': str, 'description': str, 'capabilities': dict}


def load_plugin(plugin_dir: str, app=None, gen_cfg: dict | None = None, spec_cfg: dict | None = None) -> Plugin:
    """Check plugin-info, exec entry.py with ``execfile_`` injected, instantiate its IS_PLUGIN class."""
    with open(os.path.join(plugin_dir, 'plugin-info'), encoding='utf-8') as file:
        info = json.load(file)
    for key, kind in PLUGIN_INFO_KEYS.items():
        if not isinstance(info.get(key), kind):
            raise ValueError(f'plugin-info of {plugin_dir}: {key!r} missing or not a {kind.__name__}')
    plugin_globals = {'execfile_': _new_execfile(plugin_dir)}
    _exec_file(os.path.join(plugin_dir, 'entry.py'), plugin_globals)
    for value in plugin_globals.values():
        if isinstance(value, type) and issubclass(value, Plugin) and getattr(value, 'IS_PLUGIN', False):
            return value(app, plugin_dir, gen_cfg if gen_cfg is not None else {}, spec_cfg or {})
    raise ValueError(f'no plugin class in {plugin_dir}/entry.py')


def _new_execfile(plugin_dir: str):
    def execfile_(filename: str, globals: dict | None = None) -> None:
        _exec_file(os.path.join(plugin_dir, filename), {} if globals is None else globals)
    return execfile_


def _exec_file(path: str, globals: dict) -> None:
    with open(path, encoding='utf-8') as file:
        exec(compile(file.read(), path, 'exec'), globals)


# --- templates ------------------------------------------------------------------------------

class TemplatePluginHelper:
    """Jinja2 over var/templates (the operator's, first) then templates; no autoescaping."""

    TEMPLATES_DIR = 'templates'
    CUSTOM_TEMPLATES_DIR = os.path.join('var', 'templates')

    def __init__(self, plugin_dir: str):
        folders = [os.path.join(plugin_dir, self.CUSTOM_TEMPLATES_DIR), os.path.join(plugin_dir, self.TEMPLATES_DIR)]
        self._env = Environment(loader=FileSystemLoader(folders))

    def get_dev_template(self, filename: str, device: dict) -> Template:
        names = [f'{filename}.tpl']
        if 'model' in device:
            names.append(f"{device['model']}.tpl")
        names.append('base.tpl')
        return self._env.select_template(names)

    def get_template(self, name: str) -> Template:
        return self._env.get_template(name)

    @staticmethod
    def dump(template: Template, context: dict, filename: str, encoding: str = 'UTF-8', errors: str = 'strict') -> None:
        """Render and write atomically: readers see the old file or the new one, never a part."""
        text = template.render(context)
        temporary = f'{filename}.tmp'
        with open(temporary, 'w', encoding=encoding, errors=errors) as file:
            file.write(text)
        os.replace(temporary, filename)


# --- firmware packages: pkgs/pkgs.db (contract section 5) --------------------------------------

@dataclass(frozen=True)
class RemoteFile:
    url: str
    size: int
    sha1sum: str
    filename: str


@dataclass(frozen=True)
class InstallablePackage:
    id: str
    version: str
    description: str
    files: list[RemoteFile]
    install_steps: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (src, dst, filter argv)


@dataclass(frozen=True)
class Downloader:
    kind: str
    proxies: dict | None


class InstallService:
    def __init__(self, packages: dict[str, InstallablePackage]):
        self.packages = packages

    def list_installable(self) -> dict[str, dict]:
        return {pkg.id: {'version': pkg.version, 'description': pkg.description} for pkg in self.packages.values()}


class FetchfwPluginHelper:
    """Reads pkgs/pkgs.db when the plugin loads (a broken one makes the plugin unloadable)."""

    PKGS_DB = os.path.join('pkgs', 'pkgs.db')
    CACHE_DIR = os.path.join('var', 'cache')

    def __init__(self, plugin_dir: str, downloaders: dict[str, Downloader]):
        self._downloaders = downloaders
        self._packages = read_pkgs_db(os.path.join(plugin_dir, self.PKGS_DB),
                                      os.path.join(plugin_dir, self.CACHE_DIR))

    @staticmethod
    def new_downloaders(proxies: dict | None = None) -> dict[str, Downloader]:
        # The stand-in never downloads: a test machine reaches no firmware site.
        return {kind: Downloader(kind, proxies) for kind in ('default', 'auth')}

    def services(self) -> dict[str, InstallService]:
        return {'install': InstallService(self._packages)}


def read_pkgs_db(path: str, cache_dir: str) -> dict[str, InstallablePackage]:
    parser = configparser.RawConfigParser()
    with open(path, encoding='utf-8') as file:
        parser.read_file(file)
    files = {name[len('file_'):]: _remote_file(parser[name]) for name in parser.sections() if name.startswith('file_')}
    installs = {name[len('install_'):]: parser[name] for name in parser.sections() if name.startswith('install_')}
    packages = {}
    for name in parser.sections():
        if not name.startswith('pkg_'):
            continue
        section = parser[name]
        pkg_files = [_lookup(files, file_id, 'file', name) for file_id in section.get('files', '').split()]
        steps = []
        if 'install' in section:
            install_id, *args = section['install'].split()
            steps = _install_steps(_lookup(installs, install_id, 'install', name), pkg_files, args, cache_dir)
        pkg_id = name[len('pkg_'):]
        packages[pkg_id] = InstallablePackage(pkg_id, section['version'], section['description'], pkg_files, steps)
    return packages


def _remote_file(section) -> RemoteFile:
    url = section['url']
    return RemoteFile(url, int(section['size']), section['sha1sum'], section.get('filename', url.rsplit('/', 1)[-1]))


def _lookup(table: dict, key: str, kind: str, referrer: str):
    if key not in table:
        raise ValueError(f'[{referrer}] names {kind} {key!r}, which pkgs.db does not define')
    return table[key]


def _install_steps(section, files: list[RemoteFile], args: list[str], cache_dir: str):
    variables = {f'FILE{n}': os.path.join(cache_dir, f.filename) for n, f in enumerate(files, 1)}
    variables.update({f'ARG{n}': arg for n, arg in enumerate(args, 1)})
    steps = []
    for nodes, command in section.items():
        source, destination = nodes.split('-')
        argv = [string.Template(word).safe_substitute(variables) for word in command.split()]
        steps.append((source, destination, argv))
    return steps

