"""How well a plugin suits a device: the support levels and the associator base class."""
from __future__ import annotations

from enum import IntEnum


class DeviceSupport(IntEnum):
    NONE = 0
    IMPROBABLE = 100
    UNKNOWN = 200
    PROBABLE = 300
    INCOMPLETE = 400
    COMPLETE = 500
    EXACT = 600


class BasePgAssociator:
    """Subclasses implement ``_do_associate(vendor, model, version)``; missing values are None."""

    def associate(self, dev_info: dict) -> DeviceSupport:
        return self._do_associate(dev_info.get('vendor'), dev_info.get('model'), dev_info.get('version'))

    def _do_associate(self, vendor, model, version) -> DeviceSupport:
        raise NotImplementedError
