# Digium D-series phones: what the xivo-digium plugins of every firmware share.
#
# Each version's entry.py pulls this file in with execfile_ and then defines its
# plugin class (models, firmware version, associator). The phone reads two files
# written here, under var/tftpboot/Digium/: <mac>.cfg (its configuration, holding
# the SIP passwords) and <mac>-contacts.xml (the phonebook carrying the function keys).

import logging
import os
import re

from twisted.internet import defer
from wazo_provd import synchronize
from wazo_provd.devices.pgasso import BasePgAssociator, DeviceSupport
from wazo_provd.plugins import FetchfwPluginHelper, StandardPlugin, TemplatePluginHelper
from wazo_provd.servers.http import HTTPNoListingFileService
from wazo_provd.util import format_mac, norm_mac

logger = logging.getLogger('plugin.xivo-digium')

VENDOR = 'Digium'

# Line count of every D-series model, whichever firmware the plugin targets.
LINES_PER_MODEL = {'D40': 2, 'D45': 2, 'D50': 4, 'D60': 4, 'D62': 2, 'D65': 6, 'D70': 6}

DEFAULT_SIP_PORTS = {'udp': 5060, 'tcp': 5060, 'tls': 5061}

# provd's DTMF modes -> the phone's names for them.
DTMF_MODES = {'RTP-in-band': 'inband', 'RTP-out-of-band': 'rfc2833', 'SIP-INFO': 'info'}

# Function key types that become a contact the phone subscribes to (BLF); a parking
# slot is watched the same way. Speed dials are plain contacts.
SUBSCRIBED_FUNCKEY_TYPES = ('blf', 'park')
FUNCKEY_TYPES = ('speeddial',) + SUBSCRIBED_FUNCKEY_TYPES

# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL_CHARS = re.compile('[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


class DigiumDHCPDeviceInfoExtractor:
    """Reads the vendor class identifier (option 60), e.g. ``digium_D40_1_1_0_0_48178``."""

    _VCI = re.compile(r'^digium_(D\d\d)(?:_(\d+(?:_\d+)*))?$')

    def extract(self, request, request_type):
        return defer.succeed(self._extract(request))

    def _extract(self, request):
        vci = request.get('options', {}).get(60)
        match = self._VCI.match(vci) if isinstance(vci, str) else None
        if not match:
            return None
        info = {'vendor': VENDOR, 'model': match.group(1)}
        if match.group(2):
            info['version'] = match.group(2).replace('_', '.')
        return info


class DigiumHTTPDeviceInfoExtractor:
    """Recognises the phone's requests under /Digium/, and its MAC in its file names."""

    _PATH = re.compile(rb'^/Digium/(?:([0-9a-fA-F]{12})(?:\.cfg|-contacts\.xml)$)?')
    _UNKNOWN_MAC = b'000000000000'

    def extract(self, request, request_type):
        return defer.succeed(self._extract(request))

    def _extract(self, request):
        match = self._PATH.match(request.path)
        if not match:
            return None
        info = {'vendor': VENDOR}
        raw_mac = match.group(1)
        if raw_mac and raw_mac != self._UNKNOWN_MAC:
            info['mac'] = norm_mac(raw_mac.decode('ascii'))
        return info


class DigiumPgAssociator(BasePgAssociator):
    """How well a plugin for ``firmware_version`` running ``models`` suits a device."""

    def __init__(self, firmware_version, models):
        super().__init__()
        self._firmware_version = firmware_version
        self._models = frozenset(models)

    def _do_associate(self, vendor, model, version):
        if vendor != VENDOR:
            return DeviceSupport.IMPROBABLE
        if model not in self._models:
            return DeviceSupport.PROBABLE
        if self._runs_plugin_firmware(version):
            return DeviceSupport.EXACT
        return DeviceSupport.COMPLETE

    def _runs_plugin_firmware(self, version):
        # DHCP gives the build number too: 1.1.0.0.48178 runs firmware 1.1.0.0.
        return version == self._firmware_version or \
            (version or '').startswith(self._firmware_version + '.')


class BaseDigiumPlugin(StandardPlugin):
    """A Digium plugin; subclasses (in entry.py) set MODELS and pg_associator."""

    MODELS = ()

    _ENCODING = 'UTF-8'
    _CONTACTS_TEMPLATE = 'contact.tpl'
    _SENSITIVE_FILENAME = re.compile(r'^[0-9a-f]{12}\.cfg$')

    dhcp_dev_info_extractor = DigiumDHCPDeviceInfoExtractor()
    http_dev_info_extractor = DigiumHTTPDeviceInfoExtractor()

    def __init__(self, app, plugin_dir, gen_cfg, spec_cfg):
        super().__init__(app, plugin_dir, gen_cfg, spec_cfg)
        self._tpl_helper = TemplatePluginHelper(plugin_dir)
        self._digium_dir = os.path.join(self._tftpboot_dir, VENDOR)
        downloaders = FetchfwPluginHelper.new_downloaders(gen_cfg.get('proxies'))
        self.services = FetchfwPluginHelper(plugin_dir, downloaders).services()
        self.http_service = HTTPNoListingFileService(self._tftpboot_dir)

    def configure(self, device, raw_config):
        mac = self._mac(device)
        if mac is None:
            raise ValueError(f"Digium device {device.get('id', '?')}: a MAC address is needed to configure it")
        context = _xml_safe(dict(raw_config, **self._phone_settings(device, raw_config, mac)))
        config_template = self._tpl_helper.get_dev_template(self._config_filename(mac), device)
        contacts_template = self._tpl_helper.get_template(self._CONTACTS_TEMPLATE)
        os.makedirs(self._digium_dir, exist_ok=True)
        self._tpl_helper.dump(contacts_template, context, self._path(self._contacts_filename(mac)), self._ENCODING)
        self._tpl_helper.dump(config_template, context, self._path(self._config_filename(mac)), self._ENCODING)

    def deconfigure(self, device):
        mac = self._mac(device)
        if mac is None:
            return
        for filename in (self._config_filename(mac), self._contacts_filename(mac)):
            try:
                os.remove(self._path(filename))
            except FileNotFoundError:
                pass
            except OSError as exc:
                logger.warning('could not remove %s: %s', filename, exc)

    def synchronize(self, device, raw_config):
        return synchronize.standard_sip_synchronize(device)

    def get_remote_state_trigger_filename(self, device):
        mac = self._mac(device)
        return None if mac is None else self._config_filename(mac)

    def is_sensitive_filename(self, filename):
        return bool(self._SENSITIVE_FILENAME.match(filename))

    # --- file names ---------------------------------------------------------------------

    @staticmethod
    def _mac(device):
        """The MAC as the phone writes it in its file names, or None."""
        mac = device.get('mac')
        return format_mac(mac, separator='', uppercase=False) if mac else None

    @staticmethod
    def _config_filename(mac):
        return f'{mac}.cfg'

    @staticmethod
    def _contacts_filename(mac):
        return f'{mac}-contacts.xml'

    def _path(self, filename):
        return os.path.join(self._digium_dir, filename)

    # --- what the templates show: raw config values resolved into phone settings ---------

    def _phone_settings(self, device, raw_config, mac):
        lines = raw_config.get('sip_lines') or {}
        return {
            'XX_mac': mac,
            'XX_provd_url': _provd_url(raw_config),
            'XX_accounts': self._accounts(device, raw_config, lines),
            'XX_contacts': _contacts(raw_config.get('funckeys') or {}, lines),
        }

    def _line_count(self, device):
        """The model's line count; for an unknown model, the largest of this plugin's models."""
        model = device.get('model')
        if model in LINES_PER_MODEL:
            return LINES_PER_MODEL[model]
        return max(LINES_PER_MODEL[m] for m in self.MODELS)

    def _accounts(self, device, raw_config, lines):
        """One account per configured line the model has, the phone's account index being line - 1."""
        transport = raw_config.get('sip_transport') if raw_config.get('sip_transport') in DEFAULT_SIP_PORTS \
            else 'udp'
        line_count = self._line_count(device)
        accounts = []
        for number, line in _numbered(lines):
            if number > line_count:
                continue
            server = line.get('proxy_ip') or line.get('registrar_ip')
            if not server or not line.get('username'):
                logger.info('line %s has no proxy or no username: not configured', number)
                continue
            accounts.append(_account(number - 1, line, server, transport, raw_config))
        return accounts


def _account(index, line, server, transport, raw_config):
    voicemail = line.get('voicemail') or raw_config.get('exten_voicemail')
    dtmf_mode = DTMF_MODES.get(line.get('dtmf_mode') or raw_config.get('sip_dtmf_mode'))
    return {
        'index': index,
        'username': line['username'],
        'auth_username': line.get('auth_username') or line['username'],
        'password': line.get('password') or '',
        'label': line.get('display_name') or line.get('number') or line['username'],
        'transport': transport,
        'server': server,
        'port': line.get('proxy_port') or DEFAULT_SIP_PORTS[transport],
        'voicemail': f'sip:{voicemail}@{server}' if voicemail else None,
        'dtmf_mode': dtmf_mode,
        'backup_server': line.get('backup_proxy_ip'),
        'backup_port': line.get('backup_proxy_port') or DEFAULT_SIP_PORTS[transport],
    }


def _contacts(funckeys, lines):
    """Function keys as phonebook contacts, by position; BLF-like keys subscribe to the extension."""
    contacts = []
    for position, key in _numbered(funckeys):
        if key.get('type') not in FUNCKEY_TYPES or not key.get('value'):
            continue
        value = str(key['value'])
        contact = {'position': position, 'name': key.get('label') or value, 'dial': value, 'subscribe_to': None}
        if key['type'] in SUBSCRIBED_FUNCKEY_TYPES:
            server = _server_of_line(lines, key.get('line'))
            if server:
                contact['subscribe_to'] = f'sip:{value}@{server}'
        contacts.append(contact)
    return contacts


def _server_of_line(lines, line_number):
    """The proxy of the key's line (default: the first line)."""
    numbered = dict(_numbered(lines))
    line = numbered.get(_as_int(line_number)) if line_number is not None else None
    if line is None and numbered:
        line = numbered[min(numbered)]
    return line and (line.get('proxy_ip') or line.get('registrar_ip'))


def _numbered(items):
    """(int key, value) pairs of a dict keyed by number strings, by number; other keys are skipped."""
    pairs = [(_as_int(key), value) for key, value in items.items()]
    return sorted(((number, value) for number, value in pairs
                   if number is not None and number > 0 and isinstance(value, dict)), key=lambda pair: pair[0])


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _provd_url(raw_config):
    """The base URL phones reach provd at: http_base_url, else http://ip:http_port."""
    if raw_config.get('http_base_url'):
        return raw_config['http_base_url'].rstrip('/')
    ip, port = raw_config.get('ip'), raw_config.get('http_port')
    if not ip or not port:
        return None
    host = f'[{ip}]' if ':' in ip else ip
    return f'http://{host}:{port}'


def _xml_safe(value):
    """A copy of value whose strings hold no character XML cannot represent (templates escape the rest)."""
    if isinstance(value, str):
        return _XML_ILLEGAL_CHARS.sub('', value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_xml_safe(item) for item in value]
    return value
