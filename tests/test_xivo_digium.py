"""The xivo-digium plugins: built by the engine, then loaded and run the way provd does it.

provd is played by the stand-in in tests/provd_standin; the plugins are the built trees
(``<build-dir>/plugins/<id>/``), copied per test because configure writes into them.
Expected values come from shared/spec/digium.md, written out here rather than read
back from the plugin.
"""
from __future__ import annotations

import configparser
import io
import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from types import SimpleNamespace

import pytest
from wazo_provd import synchronize
from wazo_provd.devices.pgasso import DeviceSupport
from wazo_provd.plugins import StandardPlugin, load_plugin

import build
from tests.conftest import ROOT

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


# --- fixtures and helpers ------------------------------------------------------------------

@pytest.fixture(scope='session')
def build_dir(tmp_path_factory) -> Path:
    build_dir = tmp_path_factory.mktemp('digium-build')
    result = build.build(ROOT / 'plugins', build_dir, ['xivo_digium'], jobs=2, stream=io.StringIO())
    assert result.ok, result.failures
    return build_dir


def plugin_for(build_dir: Path, tmp_path: Path, firmware: str) -> StandardPlugin:
    """A fresh copy of the built plugin, loaded as provd loads it."""
    plugin_id = FIRMWARES[firmware]['plugin_id']
    tree = tmp_path / plugin_id
    shutil.copytree(build_dir / 'plugins' / plugin_id, tree, symlinks=True)
    return load_plugin(str(tree), app=None, gen_cfg={'proxies': {}}, spec_cfg={})


@pytest.fixture
def plugin_281(build_dir, tmp_path):
    return plugin_for(build_dir, tmp_path, '2.8.1')


def line(number: int, **extra) -> dict:
    settings = {'proxy_ip': '10.0.0.1', 'proxy_port': None, 'username': f'user{number}', 'password': f'secret{number}',
                'auth_username': f'auth{number}', 'display_name': f'Line {number}', 'number': f'10{number:02}'}
    settings.update(extra)
    return settings


def rich_config() -> dict:
    """Eight lines (more than any model has), each kind of function key, escaping traps, non-ASCII."""
    lines = {str(n): line(n) for n in range(1, 9)}
    lines['1'].update(display_name=TRICKY_NAME, password=TRICKY_PASSWORD, voicemail='*981',
                      backup_proxy_ip='10.0.0.2', backup_proxy_port=5070)
    lines['2'].update(display_name=NON_ASCII_NAME, proxy_ip='10.0.0.3', dtmf_mode='SIP-INFO')
    return {
        'http_base_url': 'http://192.0.2.10:8667',
        'ip': '192.0.2.99', 'http_port': 1234,
        'locale': 'fr_FR', 'timezone': 'Europe/Paris',
        'ntp_enabled': True, 'ntp_ip': '192.0.2.1',
        'vlan_enabled': True, 'vlan_id': 42, 'vlan_priority': 5,
        'admin_password': 'adm&<"in>',
        'sip_transport': 'tcp', 'sip_dtmf_mode': 'RTP-out-of-band',
        'exten_voicemail': '*98',
        'sip_lines': lines,
        'funckeys': {
            '3': {'type': 'speeddial', 'value': '0612345678', 'label': 'Mom & Dad', 'line': 1},
            '1': {'type': 'blf', 'value': '1002', 'label': NON_ASCII_NAME, 'line': 1},
            '2': {'type': 'blf', 'value': '1003', 'label': '<Bob>', 'line': '2'},
            '4': {'type': 'park', 'value': '701', 'label': 'Park 1'},
            '5': {'type': 'speeddial', 'value': '*10'},
            '6': {'type': 'intercom', 'value': '1004', 'label': 'not a Digium key'},
        },
    }


def configure(plugin, raw_config: dict, model: str | None = 'D70') -> tuple[ElementTree.Element, ElementTree.Element]:
    device = {'id': 'dev1', 'mac': MAC, 'ip': '192.0.2.50', 'vendor': 'Digium'}
    if model:
        device['model'] = model
    plugin.configure(device, raw_config)
    return ElementTree.parse(config_path(plugin)).getroot(), ElementTree.parse(contacts_path(plugin)).getroot()


def digium_dir(plugin) -> Path:
    return Path(plugin._plugin_dir) / 'var/tftpboot/Digium'


def config_path(plugin) -> Path:
    return digium_dir(plugin) / f'{MAC_IN_NAMES}.cfg'


def contacts_path(plugin) -> Path:
    return digium_dir(plugin) / f'{MAC_IN_NAMES}-contacts.xml'


def settings_of(config: ElementTree.Element) -> dict[str, str]:
    return {s.get('id'): s.get('value') for s in config.findall('./settings/setting')}


def accounts_of(config: ElementTree.Element) -> list[ElementTree.Element]:
    return config.findall('./accounts/account')


def result_of(deferred):
    results = []
    deferred.addBoth(results.append)
    return results[0]


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
def test_built_tree_holds_common_then_version_files(build_dir, firmware):
    tree = build_dir / 'plugins' / FIRMWARES[firmware]['plugin_id']
    files = {str(p.relative_to(tree)) for p in tree.rglob('*')}
    templates = {f'templates/{m}.tpl' for m in FIRMWARES[firmware]['models']}
    assert files >= {'entry.py', 'common.py', 'plugin-info', 'pkgs/pkgs.db', 'templates/base.tpl',
                     'templates/contact.tpl', 'templates/firmware.tpl', 'var/tftpboot', 'var/templates'} | templates
    assert {name for name in files if name.startswith('templates/D')} == templates


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
def test_pkgs_db_names_the_firmware_of_that_version(build_dir, tmp_path, firmware):
    facts = FIRMWARES[firmware]
    parser = configparser.RawConfigParser()
    parser.read(build_dir / 'plugins' / facts['plugin_id'] / 'pkgs/pkgs.db', encoding='utf-8')
    remote_files = [dict(parser[s]) for s in parser.sections() if s.startswith('file_')]
    assert remote_files == [{'url': facts['url'], 'size': str(facts['size']), 'sha1sum': facts['sha1sum']}]

    plugin = plugin_for(build_dir, tmp_path, firmware)
    install = plugin.services['install']
    assert install.list_installable() == {'digium-firmware': {'version': firmware,
                                                              'description': install.packages['digium-firmware'].description}}
    package = install.packages['digium-firmware']
    archive = Path(plugin._plugin_dir) / 'var/cache' / facts['url'].rsplit('/', 1)[1]
    assert [(f.url, f.size, f.sha1sum) for f in package.files] == [(facts['url'], facts['size'], facts['sha1sum'])]
    assert package.install_steps == [('a', 'b', ['untar', str(archive)]),
                                     ('b', 'c', ['cp', '*/*.eff', 'Digium/firmware/'])]


# --- loading --------------------------------------------------------------------------------

@pytest.mark.parametrize('firmware', FIRMWARES)
def test_provd_loads_the_built_plugin(build_dir, tmp_path, firmware):
    plugin = plugin_for(build_dir, tmp_path, firmware)
    assert isinstance(plugin, StandardPlugin) and type(plugin).IS_PLUGIN
    assert plugin.MODELS == FIRMWARES[firmware]['models']
    assert set(plugin.services) == {'install'}
    assert Path(plugin.http_service.path) == Path(plugin._plugin_dir) / 'var/tftpboot'
    assert plugin.tftp_service is None and plugin.tftp_dev_info_extractor is None


# --- identifying phones -----------------------------------------------------------------------

@pytest.mark.parametrize('options, expected', [
    ({60: 'digium_D40_1_1_0_0_48178'}, {'vendor': 'Digium', 'model': 'D40', 'version': '1.1.0.0.48178'}),
    ({60: 'digium_D70_1_0_5_46476'}, {'vendor': 'Digium', 'model': 'D70', 'version': '1.0.5.46476'}),
    ({60: 'digium_D65_2_8_1'}, {'vendor': 'Digium', 'model': 'D65', 'version': '2.8.1'}),
    ({60: 'digium_D45'}, {'vendor': 'Digium', 'model': 'D45'}),
    ({}, None),
    ({43: 'digium_D40_1_1_0_0_48178'}, None),
    ({60: ''}, None),
    ({60: 'Aastra6731i'}, None),
    ({60: 'digium_'}, None),
    ({60: 'digium_X40_1_1_0_0'}, None),
    ({60: 'digium_D40_1__0'}, None),
    ({60: 'digium_D40_1_0_'}, None),
    ({60: 'digium_D40_1_1_0_0_48178 trailing'}, None),
])
def test_dhcp_extractor(plugin_281, options, expected):
    request = {'ip': '192.0.2.50', 'mac': MAC, 'options': options}
    assert result_of(plugin_281.dhcp_dev_info_extractor.extract(request, None)) == expected


@pytest.mark.parametrize('path, expected', [
    (b'/Digium/000FD3054848.cfg', {'vendor': 'Digium', 'mac': MAC}),
    (b'/Digium/000fd3054848.cfg', {'vendor': 'Digium', 'mac': MAC}),
    (b'/Digium/000fd3054848-contacts.xml', {'vendor': 'Digium', 'mac': MAC}),
    (b'/Digium/000000000000.cfg', {'vendor': 'Digium'}),
    (b'/Digium/firmware/2_8_1_D40_firmware.eff', {'vendor': 'Digium'}),
    (b'/Digium/000fd305484.cfg', {'vendor': 'Digium'}),
    (b'/Digium/000fd3054848.cfg.bak', {'vendor': 'Digium'}),
    (b'/', None),
    (b'/000fd3054848.cfg', None),
    (b'/Yealink/000fd3054848.cfg', None),
    (b'/digium/000fd3054848.cfg', None),
])
def test_http_extractor(plugin_281, path, expected):
    request = SimpleNamespace(path=path)
    assert result_of(plugin_281.http_dev_info_extractor.extract(request, None)) == expected


@pytest.mark.parametrize('firmware', FIRMWARES)
def test_associator_table(build_dir, tmp_path, firmware):
    plugin = plugin_for(build_dir, tmp_path, firmware)
    other_models = sorted(set(LINES) - set(FIRMWARES[firmware]['models'])) + ['D99']

    def support(vendor, model, version):
        return plugin.pg_associator.associate({'vendor': vendor, 'model': model, 'version': version})

    for model in FIRMWARES[firmware]['models']:
        assert support('Digium', model, firmware) == DeviceSupport.EXACT
        assert support('Digium', model, f'{firmware}.48178') == DeviceSupport.EXACT
        assert support('Digium', model, '1.4.0.0') == DeviceSupport.COMPLETE
        assert support('Digium', model, f'{firmware}0') == DeviceSupport.COMPLETE
        assert support('Digium', model, None) == DeviceSupport.COMPLETE
    for model in other_models:
        assert support('Digium', model, firmware) == DeviceSupport.PROBABLE
    assert support('Digium', None, None) == DeviceSupport.PROBABLE
    assert support('Yealink', 'D40', firmware) == DeviceSupport.IMPROBABLE
    assert support(None, None, None) == DeviceSupport.IMPROBABLE


# --- configure: every model, rich configuration --------------------------------------------------

@pytest.mark.parametrize('firmware, model', MODEL_CASES)
def test_configure_every_model(build_dir, tmp_path, firmware, model):
    plugin = plugin_for(build_dir, tmp_path, firmware)
    config, contacts = configure(plugin, rich_config(), model)

    assert config_path(plugin).read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<config>')
    assert NON_ASCII_NAME in config_path(plugin).read_bytes().decode('utf-8')
    assert settings_of(config) == {
        'login_password': 'adm&<"in>', 'locale': 'fr_FR', 'time_zone': 'Europe/Paris',
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
    assert first.find('host_alternate').attrib == dict(first.find('host_primary').attrib, server='10.0.0.2', port='5070')
    assert {(a.find('host_primary').get('transport'), a.find('host_primary').get('port')) for a in accounts} \
        == {('tcp', '5060')}
    assert second.find('host_alternate') is None

    assert config.find('contacts').attrib == {'url': f'http://192.0.2.10:8667/Digium/{MAC_IN_NAMES}-contacts.xml',
                                              'id': 'internal'}
    version = firmware.replace('.', '_')
    assert [f.attrib for f in config.findall('./firmwares/firmware')] == [
        {'model': m, 'version': version, 'url': f'http://192.0.2.10:8667/Digium/firmware/{version}_{m}_firmware.eff'}
        for m in FIRMWARES[firmware]['models']]

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


def test_every_template_value_is_escaped():
    """provd does not autoescape: a value reaching XML without |e is a defect waiting for a '&'."""
    templates = sorted((ROOT / 'plugins/xivo_digium').glob('*/templates/*.tpl'))
    expressions = [(t.name, e) for t in templates for e in re.findall(r'{{(.*?)}}', t.read_text())]
    assert expressions
    assert [(name, e) for name, e in expressions if not e.strip().endswith('|e')] == []


def test_characters_xml_cannot_carry_are_dropped(plugin_281):
    raw = rich_config()
    raw['sip_lines']['1']['display_name'] = 'bell\x07 and\x00 nul'
    config, _ = configure(plugin_281, raw)
    assert accounts_of(config)[0].get('line_label') == 'bell and nul'


# --- configure: the single settings ------------------------------------------------------------

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
    config, _ = configure(plugin_281, rich_config(), model=None)
    assert len(accounts_of(config)) == 6


def test_operator_templates_in_var_templates_take_precedence(plugin_281):
    custom = Path(plugin_281._plugin_dir) / 'var/templates/D40.tpl'
    custom.write_text("{% extends 'base.tpl' %}{% block settings %}\n"
                      '    <setting id="backlight_timeout" value="30"/>{% endblock %}\n')
    config, _ = configure(plugin_281, rich_config(), model='D40')
    assert settings_of(config)['backlight_timeout'] == '30'
    assert len(accounts_of(config)) == 2


def test_device_without_mac_is_refused_and_nothing_is_written(plugin_281):
    with pytest.raises(ValueError, match='MAC address'):
        plugin_281.configure({'id': 'dev1', 'model': 'D40', 'vendor': 'Digium'}, rich_config())
    assert not digium_dir(plugin_281).exists() or list(digium_dir(plugin_281).iterdir()) == []


# --- the other plugin operations -----------------------------------------------------------------

def test_deconfigure_removes_both_files_and_only_them(plugin_281):
    configure(plugin_281, rich_config())
    other = {'mac': '00:0f:d3:00:00:01', 'model': 'D40'}
    plugin_281.configure(other, rich_config())
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


def test_synchronize_sends_the_standard_sip_notify(plugin_281):
    device = {'id': 'dev1', 'mac': MAC, 'ip': '192.0.2.50'}
    synchronize.sent_notifications.clear()
    assert result_of(plugin_281.synchronize(device, rich_config())) is None
    assert synchronize.sent_notifications == [(device, 'check-sync')]
