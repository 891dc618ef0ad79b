"""The xivo-digium plugins: built by the engine, published, then run by the real provd as a Wazo server runs them.

The build is published to a local repository served by `inv serve`. provd's
ProvisioningApplication is given that channel as its plugin server, updates plugins.db,
installs and loads both plugins (download, SHA-1 check, extraction, entry.py), then
configures a device of every model with a demanding configuration (a config and a
device inserted as its REST API inserts them) and deconfigures it when the device is
deleted. Finer cases call a loaded plugin directly, on a fresh install per test.
Firmware is installed through provd's pkgs.db machinery from a local web stub.
Expected values come from shared/spec/digium.md, written out here rather than read
back from the plugin. The plugin's own unit tests (extractors, associator) live in
plugins/xivo_digium/common/tests/ and run with `inv test` (test_plugintests.py).
"""
from __future__ import annotations

import configparser
import gzip
import hashlib
import io
import json
import re
import shutil
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

import build
from repo.publish.address import open_repository
from repo.publish.plan import apply, plan_upload
from repo.ui.progress import TransferProgress
from tests.conftest import ROOT
from tests.realprovd import install_and_load, plugin_manager, provisioning_app
from tests.repo_fixtures import serving
from tests.webstub import WebStub

pytestmark = pytest.mark.provd

LINES = {'D40': 2, 'D45': 2, 'D50': 4, 'D60': 4, 'D62': 2, 'D65': 6, 'D70': 6}
FIRMWARES = {
    '1.1.0.0': {
        'plugin_id': 'xivo-digium-1.1.0.0', 'version': '0.3', 'models': ('D40', 'D50', 'D70'),
        'url': 'http://downloads.digium.com/pub/telephony/res_digium_phone/firmware/firmware_1_1_0_0_package.tar.gz',
        'size': 100111361, 'sha1sum': '1d44148b996eaf270fd35995f3c5d69ff0438c5b',
    },
    '2.8.1': {
        'plugin_id': 'xivo-digium-2.8.1', 'version': '0.1', 'models': ('D40', 'D45', 'D50', 'D60', 'D62', 'D65', 'D70'),
        'url': 'http://provd.wazo.community/firmwares/digium/firmware_2_8_1_package.tar.gz',
        'size': 237648354, 'sha1sum': '4ff1c6b7278c8408eacbf7c3ccf03349343c396b',
    },
}
MODEL_CASES = [(firmware, model) for firmware, facts in FIRMWARES.items() for model in facts['models']]

MAC = '00:0f:d3:05:48:48'
MAC_IN_NAMES = '000fd3054848'
TRICKY_NAME = 'Tom & "Jerry" <Sales>'
NON_ASCII_NAME = 'Zoë Çelik 東京'
TRICKY_PASSWORD = "p&ss<'w\">rd"
ADMIN_PASSWORD = 'adm&<"in>é'
# What the Wazo server's provd configuration gives every device (its base raw config).
BASE_RAW_CONFIG = {'ip': '192.0.2.10', 'http_port': 8667, 'tftp_port': 69, 'http_base_url': 'http://192.0.2.10:8667'}


# --- fixtures and helpers ------------------------------------------------------------------

def built(plugins_dir: Path, build_dir: Path) -> Path:
    result = build.build(plugins_dir, build_dir, ['xivo_digium'], jobs=2, stream=io.StringIO())
    assert result.ok, result.failures
    return build_dir


def publish_dev(build_dir: Path, repo: Path) -> Path:
    apply(plan_upload(open_repository(str(repo)), build_dir / 'dev'), TransferProgress(io.StringIO()))
    return repo


@pytest.fixture(scope='module')
def build_dir(tmp_path_factory) -> Path:
    return built(ROOT / 'plugins', tmp_path_factory.mktemp('digium-build'))


@pytest.fixture(scope='module')
def channel(build_dir, tmp_path_factory):
    """The dev channel of a local repository holding the build, served by `inv serve`: its URL."""
    base = tmp_path_factory.mktemp('digium-repo')
    with serving(publish_dev(build_dir, base / 'repo'), base) as url:
        yield url + 'dev/'


@pytest.fixture(scope='module')
def provd(provd_reactor, channel, tmp_path_factory):
    """A provisioning application with both plugins installed from the channel, as an administrator does it."""
    with provisioning_app(provd_reactor, tmp_path_factory.mktemp('provd'), BASE_RAW_CONFIG) as app:
        app.configure_service.set('plugin_server', channel)
        provd_reactor.call(lambda: app.pg_mgr.update()[0])
        for facts in FIRMWARES.values():
            provd_reactor.call(lambda plugin_id=facts['plugin_id']: app.pg_install(plugin_id)[0])
        yield app


@pytest.fixture
def plugin_281(provd_reactor, channel, tmp_path):
    """xivo-digium-2.8.1 freshly installed from the channel by a plugin manager of its own, and loaded."""
    manager = plugin_manager(tmp_path / 'plugins', channel)
    yield install_and_load(provd_reactor, manager, FIRMWARES['2.8.1']['plugin_id'])
    manager.close()


def line(number: int, **extra) -> dict:
    settings = {'proxy_ip': '10.0.0.1', 'proxy_port': None, 'username': f'user{number}', 'password': f'secret{number}',
                'auth_username': f'auth{number}', 'display_name': f'Line {number}', 'number': f'10{number:02}'}
    settings.update(extra)
    return settings


def demanding_config() -> dict:
    """Eight lines (more than any model has), each kind of function key, escaping traps, non-ASCII.

    Valid for provd's own raw config schema, which the application applies before configuring.
    """
    lines = {str(n): line(n) for n in range(1, 9)}
    lines['1'].update(display_name=TRICKY_NAME, password=TRICKY_PASSWORD, voicemail='*981',
                      backup_proxy_ip='10.0.0.2', backup_proxy_port=5070)
    lines['2'].update(display_name=NON_ASCII_NAME, proxy_ip='10.0.0.3', dtmf_mode='SIP-INFO')
    return {
        'locale': 'fr_FR', 'timezone': 'Europe/Paris',
        'ntp_enabled': True, 'ntp_ip': '192.0.2.1',
        'vlan_enabled': True, 'vlan_id': 42, 'vlan_priority': 5,
        'admin_username': 'admin', 'admin_password': ADMIN_PASSWORD,
        'sip_transport': 'tcp', 'sip_dtmf_mode': 'RTP-out-of-band',
        'exten_voicemail': '*98',
        'sip_lines': lines,
        'funckeys': {
            '3': {'type': 'speeddial', 'value': '0612345678', 'label': 'Mom & Dad', 'line': 1},
            '1': {'type': 'blf', 'value': '1002', 'label': NON_ASCII_NAME, 'line': 1},
            '2': {'type': 'blf', 'value': '1003', 'label': '<Bob>', 'line': '2'},
            '4': {'type': 'park', 'value': '701', 'label': 'Park 1'},
            '5': {'type': 'speeddial', 'value': '*10'},
        },
    }


def configure(plugin, raw_config: dict, model: str | None = 'D70') -> tuple[ElementTree.Element, ElementTree.Element]:
    device = {'id': 'dev1', 'mac': MAC, 'ip': '192.0.2.50', 'vendor': 'Digium'}
    if model:
        device['model'] = model
    plugin.configure(device, raw_config)
    return parsed(config_path(plugin)), parsed(contacts_path(plugin))


def parsed(path: Path) -> ElementTree.Element:
    """The file as XML; it must be well-formed UTF-8 XML with the declaration phones expect."""
    data = path.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'), data[:60]
    return ElementTree.fromstring(data)


def digium_dir(plugin) -> Path:
    return Path(plugin._plugin_dir) / 'var/tftpboot/Digium'


def config_path(plugin, mac_in_names: str = MAC_IN_NAMES) -> Path:
    return digium_dir(plugin) / f'{mac_in_names}.cfg'


def contacts_path(plugin, mac_in_names: str = MAC_IN_NAMES) -> Path:
    return digium_dir(plugin) / f'{mac_in_names}-contacts.xml'


def settings_of(config: ElementTree.Element) -> dict[str, str]:
    return {s.get('id'): s.get('value') for s in config.findall('./settings/setting')}


def accounts_of(config: ElementTree.Element) -> list[ElementTree.Element]:
    return config.findall('./accounts/account')


# --- what the build produces ---------------------------------------------------------------

def test_build_packages_both_firmwares_and_indexes_them(build_dir):
    index = json.loads((build_dir / 'dev/plugins.db').read_bytes())
    assert sorted(index) == ['xivo-digium-1.1.0.0', 'xivo-digium-2.8.1']
    for facts in FIRMWARES.values():
        entry = index[facts['plugin_id']]
        assert entry['version'] == facts['version']
        assert entry['filename'] == f"{facts['plugin_id']}-{facts['version']}.tar.bz2"
        assert (build_dir / 'dev' / entry['filename']).stat().st_size == entry['dsize']
        assert entry['description_fr']


@pytest.mark.parametrize('firmware', FIRMWARES)
def test_built_tree_holds_common_then_version_files_and_no_tests(build_dir, firmware):
    tree = build_dir / 'plugins' / FIRMWARES[firmware]['plugin_id']
    files = {str(p.relative_to(tree)) for p in tree.rglob('*')}
    templates = {f'templates/{m}.tpl' for m in FIRMWARES[firmware]['models']}
    assert files >= {'entry.py', 'common.py', 'plugin-info', 'pkgs/pkgs.db', 'templates/base.tpl',
                     'templates/contact.tpl', 'templates/firmware.tpl', 'var/tftpboot', 'var/templates'} | templates
    assert {name for name in files if name.startswith('templates/D')} == templates
    assert not {name for name in files if 'tests' in name.split('/') or name.endswith(('__init__.py', '.pyc'))}


@pytest.mark.parametrize('firmware', FIRMWARES)
def test_plugin_info_describes_every_model_of_the_firmware(build_dir, firmware):
    facts = FIRMWARES[firmware]
    info = json.loads((build_dir / 'plugins' / facts['plugin_id'] / 'plugin-info').read_text())
    assert info['version'] == facts['version']
    assert firmware in info['description'] and firmware in info['description_fr']
    assert info['capabilities'] == {
        f'Digium, {model}, {firmware}': {'lines': LINES[model], 'high_availability': True, 'expansion_modules': 0,
                                         'switchboard': False, 'protocol': 'sip', 'type': 'deskphone'}
        for model in facts['models']}


@pytest.mark.parametrize('firmware', FIRMWARES)
def test_pkgs_db_names_the_firmware_of_that_version(build_dir, provd, firmware):
    facts = FIRMWARES[firmware]
    parser = configparser.RawConfigParser()
    parser.read(build_dir / 'plugins' / facts['plugin_id'] / 'pkgs/pkgs.db', encoding='utf-8')
    remote_files = [dict(parser[s]) for s in parser.sections() if s.startswith('file_')]
    assert remote_files == [{'url': facts['url'], 'size': str(facts['size']), 'sha1sum': facts['sha1sum']}]
    install = provd.pg_mgr[facts['plugin_id']].services['install']
    assert install.list_installable() == {'digium-firmware': {
        'version': firmware, 'dsize': facts['size'],
        'description': f"Firmware for Digium {', '.join(facts['models'][:-1])} and {facts['models'][-1]}"}}
    assert install.list_installed() == {}


# --- installing and loading ------------------------------------------------------------------

def test_provd_installs_and_loads_both_plugins_from_the_channel(provd):
    from wazo_provd.plugins import StandardPlugin

    assert sorted(provd.pg_mgr.list_installable()) == sorted(provd.pg_mgr.list_installed()) == sorted(provd.pg_mgr)
    for facts in FIRMWARES.values():
        plugin = provd.pg_mgr[facts['plugin_id']]
        assert isinstance(plugin, StandardPlugin) and type(plugin).IS_PLUGIN
        assert plugin.info['version'] == facts['version']
        assert plugin.MODELS == facts['models']
        assert set(plugin.services) == {'install'}
        assert Path(plugin.http_service.path) == Path(plugin._plugin_dir) / 'var/tftpboot'
        assert plugin.tftp_service is None and plugin.tftp_dev_info_extractor is None


# --- configure: every model, through provd's application ------------------------------------------

@pytest.mark.parametrize('firmware, model', MODEL_CASES)
def test_provd_configures_every_model_and_deconfigures_it(provd, provd_reactor, firmware, model):
    facts = FIRMWARES[firmware]
    number = MODEL_CASES.index((firmware, model))
    mac_in_names = f'000fd30548{number:02x}'
    config_id, device_id = f'cfg-{firmware}-{model}', f'dev-{firmware}-{model}'
    provd_reactor.call(provd.cfg_insert, {'id': config_id, 'parent_ids': [], 'raw_config': demanding_config()})
    provd_reactor.call(provd.dev_insert, {'id': device_id, 'mac': ':'.join(re.findall('..', mac_in_names)),
                                          'ip': '192.0.2.50', 'vendor': 'Digium', 'model': model,
                                          'version': firmware, 'plugin': facts['plugin_id'], 'config': config_id})
    assert provd_reactor.call(provd.dev_retrieve, device_id)['configured'] is True
    plugin = provd.pg_mgr[facts['plugin_id']]
    config, contacts = parsed(config_path(plugin, mac_in_names)), parsed(contacts_path(plugin, mac_in_names))

    assert NON_ASCII_NAME in config_path(plugin, mac_in_names).read_text(encoding='utf-8')
    assert settings_of(config) == {
        'login_password': ADMIN_PASSWORD, 'locale': 'fr_FR', 'time_zone': 'Europe/Paris',
        'time_source': 'ntp', 'ntp_server': '192.0.2.1', 'ntp_resync': '86400',
        'network_vlan_id': '42', 'network_vlan_qos': '5',
        'accept_local_calls': 'host', 'enable_blf_on_unused_line_keys': '1', 'blf_contact_group': 'Default',
    }
    accounts = accounts_of(config)
    assert [a.get('index') for a in accounts] == [str(i) for i in range(LINES[model])]
    assert [a.get('username') for a in accounts] == [f'user{n}' for n in range(1, LINES[model] + 1)]
    first, second = accounts[0], accounts[1]
    assert (first.get('line_label'), first.get('password'), first.get('authname')) == (TRICKY_NAME, TRICKY_PASSWORD,
                                                                                         'auth1')
    assert second.get('line_label') == NON_ASCII_NAME
    assert first.get('voicemail') == 'sip:*981@10.0.0.1' and second.get('voicemail') == 'sip:*98@10.0.0.3'
    assert (first.get('dtmf_mode'), second.get('dtmf_mode')) == ('rfc2833', 'info')
    assert first.find('host_primary').get('server') == '10.0.0.1'
    assert first.find('host_alternate').attrib == dict(first.find('host_primary').attrib, server='10.0.0.2',
                                                       port='5070')
    assert {(a.find('host_primary').get('transport'), a.find('host_primary').get('port')) for a in accounts} \
        == {('tcp', '5060')}
    assert second.find('host_alternate') is None

    assert config.find('contacts').attrib == {'url': f'http://192.0.2.10:8667/Digium/{mac_in_names}-contacts.xml',
                                              'id': 'internal'}
    version = firmware.replace('.', '_')
    assert [f.attrib for f in config.findall('./firmwares/firmware')] == [
        {'model': m, 'version': version, 'url': f'http://192.0.2.10:8667/Digium/firmware/{version}_{m}_firmware.eff'}
        for m in facts['models']]

    assert contacts.tag == 'phonebooks'
    group = contacts.find('contacts')
    assert (group.get('group_name'), group.get('editable')) == ('Default', '0')
    assert [(c.get('first_name'), c.get('subscribe_to'), c.find('./numbers/number').get('dial'))
            for c in group.findall('contact')] == [
        (NON_ASCII_NAME, 'sip:1002@10.0.0.1', '1002'),
        ('<Bob>', 'sip:1003@10.0.0.3', '1003'),
        ('Mom & Dad', None, '0612345678'),
        ('Park 1', 'sip:701@10.0.0.1', '701'),
        ('*10', None, '*10'),
    ]

    provd_reactor.call(provd.dev_delete, device_id)
    assert not config_path(plugin, mac_in_names).exists() and not contacts_path(plugin, mac_in_names).exists()


def test_provd_synchronizes_a_device_with_a_sip_notify_through_wazo_amid(provd, provd_reactor):
    from wazo_amid_client import Client as AmidClient
    from wazo_provd import synchronize

    answer = json.dumps([{'Response': 'Success', 'Message': 'NOTIFY sent'}]).encode()
    with WebStub({'/api/amid/1.0/action/PJSIPNotify': answer}, 'application/json') as amid:
        host, port = amid.url.rsplit('//', 1)[1].split(':')
        synchronize.register_sync_service(synchronize.AsteriskAMISynchronizeService(
            AmidClient(host, port=int(port), https=False, prefix='/api/amid', version='1.0')))
        try:
            provd_reactor.call(provd.cfg_insert, {'id': 'cfg-sync', 'parent_ids': [], 'raw_config': {}})
            provd_reactor.call(provd.dev_insert, {'id': 'dev-sync', 'mac': '00:0f:d3:00:00:99', 'ip': '192.0.2.77',
                                                  'vendor': 'Digium', 'model': 'D40', 'config': 'cfg-sync',
                                                  'plugin': FIRMWARES['2.8.1']['plugin_id']})
            provd_reactor.call(provd.dev_synchronize, 'dev-sync')
        finally:
            synchronize.unregister_sync_service()
            provd_reactor.call(provd.dev_delete, 'dev-sync')
    [request] = amid.requests
    assert (request.method, request.target) == ('POST', '/api/amid/1.0/action/PJSIPNotify')
    assert json.loads(request.body) == {'Variable': ['Event=check-sync'], 'URI': 'sip:anonymous@192.0.2.77'}


# --- configure: the single settings, on the plugin provd loaded ------------------------------------

def test_every_template_value_is_escaped():
    """provd does not autoescape: a value reaching XML without |e is a defect waiting for a '&'."""
    templates = sorted((ROOT / 'plugins/xivo_digium').glob('*/templates/*.tpl'))
    expressions = [(t.name, e) for t in templates for e in re.findall(r'{{(.*?)}}', t.read_text())]
    assert expressions
    assert [(name, e) for name, e in expressions if not e.strip().endswith('|e')] == []


def test_characters_xml_cannot_carry_are_dropped(plugin_281):
    raw = demanding_config()
    raw['sip_lines']['1']['display_name'] = 'bell\x07 and\x00 nul'
    config, _ = configure(plugin_281, raw)
    assert accounts_of(config)[0].get('line_label') == 'bell and nul'


def test_a_function_key_type_the_phone_lacks_is_left_out(plugin_281):
    raw = demanding_config()
    raw['funckeys'] = {'1': {'type': 'intercom', 'value': '1004', 'label': 'not a Digium key'},
                       '2': {'type': 'blf', 'value': '1005'}}
    _, contacts = configure(plugin_281, raw)
    assert [c.get('first_name') for c in contacts.iter('contact')] == ['1005']


@pytest.mark.parametrize('transport, proxy_port, expected', [
    ('udp', None, ('udp', '5060')),
    ('tcp', None, ('tcp', '5060')),
    ('tls', None, ('tls', '5061')),
    (None, None, ('udp', '5060')),
    ('sctp', None, ('udp', '5060')),
    ('tls', 5081, ('tls', '5081')),
])
def test_transport_and_its_default_port(plugin_281, transport, proxy_port, expected):
    raw = {'sip_lines': {'1': line(1, proxy_port=proxy_port, backup_proxy_ip='10.0.0.2')}}
    if transport:
        raw['sip_transport'] = transport
    config, _ = configure(plugin_281, raw)
    account = accounts_of(config)[0]
    primary, alternate = account.find('host_primary'), account.find('host_alternate')
    assert (primary.get('transport'), primary.get('port')) == expected
    default_port = {'tls': '5061'}.get(expected[0], '5060')
    assert (alternate.get('transport'), alternate.get('port')) == (expected[0], default_port)


@pytest.mark.parametrize('raw, url', [
    ({'http_base_url': 'https://provd.example.com:8667/', 'ip': '192.0.2.99', 'http_port': 1}, 'https://provd.example.com:8667'),
    ({'ip': '192.0.2.10', 'http_port': 8667}, 'http://192.0.2.10:8667'),
    ({'ip': '2001:db8::10', 'http_port': 8667}, 'http://[2001:db8::10]:8667'),
])
def test_provd_url_from_http_base_url_else_ip_and_port(plugin_281, raw, url):
    config, _ = configure(plugin_281, raw, model='D40')
    assert config.find('contacts').get('url') == f'{url}/Digium/{MAC_IN_NAMES}-contacts.xml'
    assert config.find('./firmwares/firmware').get('url') == f'{url}/Digium/firmware/2_8_1_D40_firmware.eff'


@pytest.mark.parametrize('raw', [{}, {'sip_lines': {}, 'funckeys': {}}, {'ip': '192.0.2.10'}])
def test_minimal_configuration_skips_what_is_missing(plugin_281, raw):
    config, contacts = configure(plugin_281, raw)
    assert settings_of(config) == {'accept_local_calls': 'host', 'enable_blf_on_unused_line_keys': '1',
                                   'blf_contact_group': 'Default'}
    assert accounts_of(config) == [] and contacts.findall('./contacts/contact') == []
    assert config.find('contacts') is None and config.find('firmwares') is None


def test_sparse_optional_values_are_skipped(plugin_281):
    raw = {
        'ntp_enabled': True, 'vlan_enabled': True, 'vlan_id': 0, 'sip_dtmf_mode': 'unknown-mode',
        'sip_lines': {'1': {'proxy_ip': '10.0.0.1', 'username': 'only'}, '2': {'username': 'no proxy'},
                      '3': {'proxy_ip': '10.0.0.1'}, 'x': {'proxy_ip': '10.0.0.1', 'username': 'bad key'}},
        'funckeys': {'1': {'type': 'blf', 'value': '1002'}, '2': {'type': 'speeddial'}, '3': 'junk'},
    }
    config, contacts = configure(plugin_281, raw, model='D65')
    assert 'ntp_server' not in settings_of(config) and 'network_vlan_qos' not in settings_of(config)
    assert settings_of(config)['network_vlan_id'] == '0'
    [account] = accounts_of(config)
    assert {k: account.get(k) for k in ('index', 'username', 'authname', 'password', 'line_label')} == \
        {'index': '0', 'username': 'only', 'authname': 'only', 'password': '', 'line_label': 'only'}
    assert account.get('voicemail') is None and account.get('dtmf_mode') is None
    assert [(c.get('first_name'), c.get('subscribe_to')) for c in contacts.iter('contact')] == \
        [('1002', 'sip:1002@10.0.0.1')]


def test_line_numbers_keep_their_account_index_up_to_the_model_line_count(plugin_281):
    raw = {'sip_lines': {'3': line(3), '1': line(1), '5': line(5)}}
    config, _ = configure(plugin_281, raw, model='D60')
    assert [a.get('index') for a in accounts_of(config)] == ['0', '2']


def test_device_of_unknown_model_gets_as_many_lines_as_the_largest_model(plugin_281):
    config, _ = configure(plugin_281, demanding_config(), model=None)
    assert len(accounts_of(config)) == 6


def test_operator_templates_in_var_templates_take_precedence(plugin_281):
    custom = Path(plugin_281._plugin_dir) / 'var/templates/D40.tpl'
    custom.write_text("{% extends 'base.tpl' %}{% block settings %}\n"
                      '    <setting id="backlight_timeout" value="30"/>{% endblock %}\n')
    config, _ = configure(plugin_281, demanding_config(), model='D40')
    assert settings_of(config)['backlight_timeout'] == '30'
    assert len(accounts_of(config)) == 2


def test_device_without_mac_is_refused_and_nothing_is_written(plugin_281):
    with pytest.raises(ValueError, match='MAC address'):
        plugin_281.configure({'id': 'dev1', 'model': 'D40', 'vendor': 'Digium'}, demanding_config())
    assert not digium_dir(plugin_281).exists() or list(digium_dir(plugin_281).iterdir()) == []


def test_deconfigure_removes_both_files_and_only_them(plugin_281):
    configure(plugin_281, demanding_config())
    other = {'mac': '00:0f:d3:00:00:01', 'model': 'D40'}
    plugin_281.configure(other, demanding_config())
    plugin_281.deconfigure({'mac': MAC})
    assert not config_path(plugin_281).exists() and not contacts_path(plugin_281).exists()
    assert sorted(p.name for p in digium_dir(plugin_281).iterdir()) == ['000fd3000001-contacts.xml',
                                                                         '000fd3000001.cfg']
    plugin_281.deconfigure({'mac': MAC})  # already gone: nothing to do, no error
    plugin_281.deconfigure({'model': 'D40'})


def test_remote_state_trigger_and_sensitive_files(plugin_281):
    assert plugin_281.get_remote_state_trigger_filename({'mac': MAC}) == f'{MAC_IN_NAMES}.cfg'
    assert plugin_281.get_remote_state_trigger_filename({'ip': '192.0.2.50'}) is None
    assert plugin_281.is_sensitive_filename(f'{MAC_IN_NAMES}.cfg')
    for name in (f'{MAC_IN_NAMES}-contacts.xml', '000FD3054848.cfg', 'firmware/2_8_1_D40_firmware.eff',
                 f'x{MAC_IN_NAMES}.cfg', f'{MAC_IN_NAMES}.cfg.tmp'):
        assert not plugin_281.is_sensitive_filename(name), name


# --- firmware: provd's pkgs.db machinery against a local web stub -----------------------------------

def fake_firmware(firmware: str) -> bytes:
    """A small archive shaped like Digium's: one folder of <version>_<model>_firmware.eff files, and a readme."""
    version = firmware.replace('.', '_')
    output = io.BytesIO()
    with gzip.GzipFile(fileobj=output, mode='wb', mtime=0) as compressed, \
            tarfile.open(fileobj=compressed, mode='w') as archive:  # the same bytes every time
        members = {f'{version}_{model}_firmware.eff': f'fake {firmware} for {model}'.encode()
                   for model in FIRMWARES[firmware]['models']}
        members['README.txt'] = b'not for the phones'
        for name, data in members.items():
            member = tarfile.TarInfo(f'firmware_{version}_package/{name}')
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return output.getvalue()


@pytest.fixture(scope='module')
def fake_firmware_channel(tmp_path_factory):
    """A copy of plugins/xivo_digium whose pkgs.db describes the fake archives (same URLs), built and served.

    Only size and sha1sum change; `inv validate`'s engine checks them against the fake
    archives kept in the copy's _firmwares/digium/ (the firmware mirror of real trees).
    """
    base = tmp_path_factory.mktemp('digium-fake-firmware')
    plugins = base / 'plugins'
    shutil.copytree(ROOT / 'plugins/xivo_digium', plugins / 'xivo_digium')
    for firmware, facts in FIRMWARES.items():
        archive = fake_firmware(firmware)
        pkgs_db = plugins / 'xivo_digium' / firmware / 'pkgs/pkgs.db'
        text = pkgs_db.read_text()
        for old, new in ((facts['size'], len(archive)), (facts['sha1sum'], hashlib.sha1(archive).hexdigest())):
            assert f' = {old}\n' in text
            text = text.replace(f' = {old}\n', f' = {new}\n')
        pkgs_db.write_text(text)
        mirror = plugins / '_firmwares/digium' / facts['url'].rsplit('/', 1)[1]
        mirror.parent.mkdir(parents=True, exist_ok=True)
        mirror.write_bytes(archive)
    checked = build.check(plugins, ['xivo_digium'], jobs=1)
    assert (checked.checked, [f for f in checked.findings if f.is_error]) == (2, [])
    with serving(publish_dev(built(plugins, base / 'build'), base / 'repo'), base) as url:
        yield url + 'dev/'


@pytest.mark.parametrize('firmware', FIRMWARES)
def test_provd_installs_the_firmware_from_the_vendor_url(provd_reactor, fake_firmware_channel, tmp_path, firmware):
    facts, version = FIRMWARES[firmware], firmware.replace('.', '_')
    with WebStub({facts['url']: fake_firmware(firmware)}) as web, \
            provisioning_app(provd_reactor, tmp_path, BASE_RAW_CONFIG) as app:
        app.configure_service.set('plugin_server', fake_firmware_channel)
        provd_reactor.call(lambda: app.pg_mgr.update()[0])
        provd_reactor.call(lambda: app.pg_install(facts['plugin_id'])[0])
        app.configure_service.set('http_proxy', web.url)  # as an administrator would, for provd's downloads
        plugin = app.pg_mgr[facts['plugin_id']]
        install = plugin.services['install']
        provd_reactor.call(lambda: install.install('digium-firmware')[0])

        assert [(r.method, r.target) for r in web.requests] == [('GET', facts['url'])]
        firmware_dir = digium_dir(plugin) / 'firmware'
        assert {p.name: p.read_bytes() for p in firmware_dir.iterdir()} == {
            f'{version}_{model}_firmware.eff': f'fake {firmware} for {model}'.encode() for model in facts['models']}
        assert list(install.list_installed()) == ['digium-firmware']
        assert install.list_installed()['digium-firmware']['version'] == firmware

        install.uninstall('digium-firmware')
        assert not firmware_dir.exists() and install.list_installed() == {}  # its folders with it
        provd_reactor.call(lambda: install.install('digium-firmware')[0])  # from provd's cache this time
        assert len(web.requests) == 1 and len(list(firmware_dir.iterdir())) == len(facts['models'])


def test_provd_refuses_a_download_whose_sha1_differs_from_pkgs_db(provd_reactor, channel, tmp_path):
    """The real plugin's pkgs.db: provd asks for the real URL, checks the SHA-1, installs nothing."""
    from xivo_fetchfw.download import CorruptedFileError

    facts = FIRMWARES['2.8.1']
    with WebStub({facts['url']: fake_firmware('2.8.1')}) as web:
        manager = plugin_manager(tmp_path / 'plugins', channel)
        plugin = install_and_load(provd_reactor, manager, facts['plugin_id'], {'proxies': {'http': web.url}})
        with pytest.raises(CorruptedFileError, match=f"instead of b'{facts['sha1sum']}'"):
            provd_reactor.call(lambda: plugin.services['install'].install('digium-firmware')[0])
        manager.close()
    assert [(r.method, r.target) for r in web.requests] == [('GET', facts['url'])]
    assert not (digium_dir(plugin) / 'firmware').exists()
    assert list((Path(plugin._plugin_dir) / 'var/cache').iterdir()) == []
    assert plugin.services['install'].list_installed() == {}
