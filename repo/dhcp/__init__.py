"""DHCP: the data telling the Wazo server's dhcpd how to recognise phones, the bundle made from it, its
import from a hand-kept folder, and its publication."""
