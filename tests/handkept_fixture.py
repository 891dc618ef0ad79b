"""A synthetic hand-kept dhcpd-update folder the size and shape of a real one (real-world.md section 6).

We do not have the real upstream folder; this one is invented (vendors, models, values)
with the real one's sizes and construct frequencies: 24 vendor files (10 without a
build plugin), 140 classes, 70 MAC-prefix subclasses (45 logging when the phone sends
no vendor class), groups in most files, two vendor option spaces, five
vendor-encapsulated options, a few other options, one next-server/filename, comments,
and drift: 21 declared classes without an allow line, 18 of them one vendor's newer
models. The same seed always writes the same files.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from tests.dhcpclient import Phone
from tests.dhcpd import HARDWARE

VENDORS = ["Alder", "Birch", "Cedar", "Daphne", "Elm", "Fir", "Ginkgo", "Hazel", "Iris", "Juniper", "Kapok",
           "Larch", "Maple", "Nutmeg", "Oak", "Poplar", "Quince", "Rowan", "Sumac", "Teak", "Ulmus", "Vine",
           "Willow", "Yew"]
WITH_PLUGIN = VENDORS[:14]  # the other 10 have no build plugin
DRIFTING = "Maple"  # 25 classes, the 18 newest without an allow line
SPACE_VENDORS = {"Juniper": "JUNIPER", "Vine": "VINE"}
CLASS_KINDS = ["or"] * 20 + ["user"] * 3 + ["exact"] * 66 + ["prefix"] * 17 + ["suffix"] * 32 + ["offset"] * 2
TFTP_FORMS = ["path", "path", "path", "uri", "tftp"]


@dataclass
class HandKeptFixture:
    phones: list[Phone] = field(default_factory=list)
    classes: int = 0
    subclasses: int = 0
    conditional_logs: int = 0
    drift: list[str] = field(default_factory=list)
    outside_pool: list[str] = field(default_factory=list)  # MACs of phones the hand-kept bundle gives no lease


def _log(text: str) -> str:
    return f'log(concat("[", {HARDWARE}, "] ", "{text}"));'


def _tftp(form: str, vendor: str) -> str:
    value = {"path": f'concat(config-option VOIP.http-server-uri, "/{vendor}")',
             "uri": "config-option VOIP.http-server-uri", "tftp": "config-option VOIP.tftp-server-name"}[form]
    return f"option tftp-server-name = {value};"


def _match(kind: str, vendor: str, model: str, mac: str, rng: random.Random) -> tuple[str, list[Phone]]:
    """A class's match expression and phones that it matches."""
    tag = f"{vendor[:3].upper()}{model}"
    if kind == "exact":
        value = f"{vendor} {model}"
        return f'option vendor-class-identifier = "{value}"', [Phone(mac, value.encode())]
    if kind == "prefix":
        value = f"{vendor.lower()}_{model}_"
        return (f'substring(option vendor-class-identifier, 0, {len(value)}) = "{value}"',
                [Phone(mac, f"{value}{rng.randint(1, 9)}.{rng.randint(0, 99)}".encode())])
    if kind == "suffix":
        nul = rng.random() < 0.3
        value = f"-{tag}" + ("\\x00" if nul else "")
        length = len(tag) + 1 + nul
        return (f'suffix(option vendor-class-identifier, {length}) = "{value}"',
                [Phone(mac, f"fw{rng.randint(1, 9)}-{tag}".encode() + (b"\0" if nul else b""))])
    if kind == "offset":
        return (f'substring(option vendor-class-identifier, 4, {len(tag)}) = "{tag}"',
                [Phone(mac, f"fw2-{tag}v2".encode())])
    if kind == "user":
        value = f"{vendor}-UC-{model}"
        return f'option user-class = "{value}"', [Phone(mac, None, value.encode())]
    exact, prefix = f"{vendor} {model}", f"{tag}/"
    second_mac = mac[:-2] + "02"
    expression = (f'option vendor-class-identifier = "{exact}" or '
                  f'substring(option vendor-class-identifier, 0, {len(prefix)}) = "{prefix}"')
    if rng.random() < 0.5:
        expression = f"({expression})"
    return expression, [Phone(mac, exact.encode()), Phone(second_mac, f"{prefix}boot".encode())]


def _class_counts() -> dict[str, int]:
    counts = {vendor: 5 for vendor in VENDORS}
    counts[DRIFTING] = 25
    return counts


def _subclass_counts() -> dict[str, int]:
    return {vendor: (5 if i < 10 else 4) if i < 15 else 0 for i, vendor in enumerate(VENDORS)}


def _extras(vendor: str, number: int, kinds: dict[str, list[str]]) -> list[str]:
    """Statements beyond match and log that real classes carry, spread over the vendors."""
    extras = []
    if vendor in SPACE_VENDORS and number <= 2:
        space = SPACE_VENDORS[vendor]
        extras += [f"vendor-option-space {space};",
                   f'option {space}.cfg-url = concat(config-option VOIP.http-server-uri, "/{vendor}/cfg");',
                   f'option {space}.mode "sip";']
    for statement in kinds.get(f"{vendor}:{number}", []):
        extras.append(statement)
    return extras


EXTRA_STATEMENTS = {
    "Alder:1": ["option vendor-encapsulated-options 01:04:61:6c:64:72;"],
    "Cedar:2": ["option vendor-encapsulated-options = concat(01:09, config-option VOIP.tftp-server-name);"],
    "Elm:3": ["option vendor-encapsulated-options 02:03:65:6c:6d;", 'option bootfile-name "elm-m3.cfg";'],
    "Oak:1": ["option vendor-encapsulated-options = concat(01:04, \"oak1\");",
              'option default-url = concat(config-option VOIP.http-server-uri, "/Oak/oak.xml");'],
    "Sumac:4": ["option vendor-encapsulated-options 03:01:01;", 'option bootfile-name "sumac.cfg";'],
    "Quince:2": ['option default-url "http://10.42.1.1/quince";'],
    "Rowan:3": ["next-server 10.42.1.9;", 'filename "rowan-m3.bin";'],
    "Teak:1": ["option option-150 10.42.1.1;"], "Teak:2": ["option option-150 10.42.1.2;"],
}
GROUP_EXTRAS = {"Fir": ["option domain-name-servers 10.42.1.53;"],
                "Ulmus": ["option domain-name-servers 10.42.1.53, 10.42.1.54;"]}
UNGROUPED = {"Hazel", "Kapok", "Poplar", "Yew"}  # classes at the top of the file, each with its own option


def write_handkept(folder: Path, seed: int = 11) -> HandKeptFixture:
    """Write the folder (dhcpd_update.conf, dhcpd_update/*.conf, dhcpd_subnet.conf.middle); return its phones."""
    rng = random.Random(seed)
    kinds = list(CLASS_KINDS)
    rng.shuffle(kinds)
    fixture = HandKeptFixture()
    (folder / "dhcpd_update").mkdir(parents=True, exist_ok=True)
    middle = []
    conditional_left, unconditional_left = 45, 10
    grouped_subclasses = {"Birch", "Iris", "Nutmeg"}
    for vi, vendor in enumerate(VENDORS):
        form = TFTP_FORMS[vi % len(TFTP_FORMS)]
        lines = [f"# {vendor} phones, kept by hand: add new models at the end, and their allow lines.", ""]
        if vendor in SPACE_VENDORS:
            space = SPACE_VENDORS[vendor]
            lines += [f"option space {space};", f"option {space}.cfg-url code 1 = text;",
                      f"option {space}.mode code 2 = text;", ""]
        if vendor == "Teak":
            lines += ["option option-150 code 150 = ip-address;", ""]
        grouped = vendor not in UNGROUPED
        pad = "    " if grouped else ""
        if grouped:
            lines += ["group {", f"    {_tftp(form, vendor)}", *(f"    {s}" for s in GROUP_EXTRAS.get(vendor, [])), ""]
        middle.append(f"        # {vendor}")
        for number in range(1, _class_counts()[vendor] + 1):
            model = f"M{number}"
            name = f"{vendor}{model}"
            mac = f"02:00:{vi:02x}:00:{number:02x}:01"
            expression, phones = _match(kinds.pop(), vendor, model, mac, rng)
            fixture.phones += phones
            fixture.classes += 1
            if number % 4 == 0:
                lines.append(f"{pad}# {model}: firmware 2 and later")
            body = [f"match if {expression};", _log(f"BOOT {vendor} {model}")]
            if not grouped:
                body.append(_tftp(form, vendor))
            body += _extras(vendor, number, EXTRA_STATEMENTS)
            lines += [f'{pad}class "{name}" {{', *(f"{pad}    {s}" for s in body), f"{pad}}}"]
            drift = vendor == DRIFTING and number > 7 or name in ("BirchM5", "TeakM5", "WillowM5")
            if drift:
                fixture.drift.append(name)
                fixture.outside_pool += [phone.mac for phone in phones]
            else:
                middle.append(f'        allow members of "{name}";')
        if grouped:
            lines += ["}"]
        lines.append("")
        subclasses = _subclass_counts()[vendor]
        if subclasses:
            lines.append("# group works on class but not on subclass declarations (isc-dhcpd 4.1)")
        for k in range(1, subclasses + 1):
            oui = f"00:{0x10 + vi:02x}:{k:02x}"
            in_group = vendor in grouped_subclasses and k == 1
            body = []
            if conditional_left:
                conditional_left -= 1
                fixture.conditional_logs += 1
                body += ["if not exists vendor-class-identifier {", f"    {_log(f'BOOT {vendor}')}", "}"]
            elif unconditional_left:
                unconditional_left -= 1
                body.append(_log(f"BOOT {vendor} (MAC)"))
            body.append(_tftp(TFTP_FORMS[(vi + k) % len(TFTP_FORMS)], vendor))
            key = "1:" + ":".join(format(int(octet, 16), "x") if k % 3 == 0 else octet for octet in oui.split(":"))
            block = [f'subclass "voip-mac-address-prefix" {key} {{', *(f"    {s}" for s in body), "}"]
            if in_group:
                block = ["group {", '    option tftp-server-name "group-ignored";', *(f"    {s}" for s in block),
                         "}"]
            lines += block
            fixture.phones.append(Phone(f"{oui}:00:00:{k:02x}"))
            fixture.subclasses += 1
        (folder / "dhcpd_update" / f"{vendor.lower()}.conf").write_text("\n".join(lines))
    fixture.phones.append(Phone("02:99:00:00:00:01", b"MSFT 5.0"))
    fixture.outside_pool.append("02:99:00:00:00:01")
    # A drifting class's phone that a MAC prefix of its vendor happens to cover: it gets a lease.
    fixture.phones.append(Phone(f"00:{0x10 + VENDORS.index(DRIFTING):02x}:01:00:00:99", f"{DRIFTING} M9".encode()))
    middle += ["        # phones known by their MAC prefix", '        allow members of "voip-mac-address-prefix";']
    (folder / "dhcpd_subnet.conf.middle").write_text("\n".join(middle) + "\n")
    (folder / "dhcpd_update.conf").write_text("\n".join([
        "# Included by dhcpd.conf; the vendor files follow.", 'class "voip-mac-address-prefix" {',
        "    match substring(hardware, 0, 4);", "}", "",
        *(f'include "/etc/dhcp/dhcpd_update/{vendor.lower()}.conf";' for vendor in VENDORS)]) + "\n")
    return fixture


def write_plugins(plugins_dir: Path) -> None:
    """Build plugins for the first 14 vendors: a build.py and a plugin-info naming the vendor's models."""
    for vendor in WITH_PLUGIN:
        folder = plugins_dir / f"wazo_{vendor.lower()}"
        (folder / "1.0").mkdir(parents=True)
        (folder / "build.py").write_text("")
        models = [f"M{n}" for n in range(1, _class_counts()[vendor] + 1)]
        info = {"version": "1.0", "description": vendor,
                "capabilities": {f"{vendor}, {m}, 1.0": {"lines": 1} for m in models}}
        (folder / "1.0" / "plugin-info").write_text(json.dumps(info))
