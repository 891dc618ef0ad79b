"""Unit tests of common.py, the code every xivo-digium plugin shares (run them with `inv test xivo_digium`).

They import the plugin's module the way upstream plugin tests do (relative import, the
real wazo_provd installed); tests/test_xivo_digium.py of the toolchain runs the built
plugins in provd itself. Expected values come from shared/spec/digium.md.
"""
from types import SimpleNamespace

import pytest
from wazo_provd.devices.pgasso import DeviceSupport

from ..common import LINES_PER_MODEL, DigiumDHCPDeviceInfoExtractor, DigiumHTTPDeviceInfoExtractor, DigiumPgAssociator

MAC = '00:0f:d3:05:48:48'
MODELS = {  # the models each firmware's plugin supports
    '1.1.0.0': ('D40', 'D50', 'D70'),
    '2.8.1': ('D40', 'D45', 'D50', 'D60', 'D62', 'D65', 'D70'),
}


def result_of(deferred):
    results = []
    deferred.addBoth(results.append)
    return results[0]


def test_line_count_of_every_model():
    assert LINES_PER_MODEL == {'D40': 2, 'D45': 2, 'D50': 4, 'D60': 4, 'D62': 2, 'D65': 6, 'D70': 6}


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
def test_dhcp_extractor(options, expected):
    request = {'ip': '192.0.2.50', 'mac': MAC, 'options': options}
    assert result_of(DigiumDHCPDeviceInfoExtractor().extract(request, None)) == expected


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
def test_http_extractor(path, expected):
    request = SimpleNamespace(path=path)  # provd hands the path over as bytes
    assert result_of(DigiumHTTPDeviceInfoExtractor().extract(request, None)) == expected


@pytest.mark.parametrize('firmware', MODELS)
def test_associator(firmware):
    associator = DigiumPgAssociator(firmware, MODELS[firmware])
    other_models = sorted(set(LINES_PER_MODEL) - set(MODELS[firmware])) + ['D99']

    def support(vendor, model, version):
        return associator.associate({'vendor': vendor, 'model': model, 'version': version})

    for model in MODELS[firmware]:
        assert support('Digium', model, firmware) == DeviceSupport.EXACT
        assert support('Digium', model, f'{firmware}.48178') == DeviceSupport.EXACT
        assert support('Digium', model, '1.4.0.0') == DeviceSupport.COMPLETE
        assert support('Digium', model, f'{firmware}0') == DeviceSupport.COMPLETE
        assert support('Digium', model, None) == DeviceSupport.COMPLETE
    for model in other_models:
        assert support('Digium', model, firmware) == DeviceSupport.PROBABLE
    assert support('Digium', None, None) == DeviceSupport.PROBABLE
    assert support('Yealink', 'D40', firmware) == DeviceSupport.IMPROBABLE
    assert support(None, None, None) == DeviceSupport.UNKNOWN  # provd's answer: the plugin is not asked
