"""DHCP: the plugins' identification data, the dhcpd bundle made from it, and its publication."""
