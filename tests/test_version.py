import random

import pytest

from repo.package.version import InvalidVersion, Version, is_version

# Each list is in strictly increasing order.
ORDERED = [
    "0.1", "0.2", "0.3", "0.9", "0.10", "0.10.1", "1.0-dev1", "1.0-dev2", "1.0a1", "1.0-alpha2",
    "1.0b1", "1.0-beta2", "1.0rc1", "1.0-rc2", "1.0", "1.0-1", "1.0-2", "1.0.post3", "1.0.1",
    "1.9", "1.10", "1.99.9", "2.0", "10.0",
]


def test_ordering_is_natural_with_pre_releases_first():
    assert sorted((Version(v) for v in reversed(ORDERED))) == [Version(v) for v in ORDERED]


def test_shuffled_input_sorts_the_same():
    shuffled = ORDERED[:]
    random.Random(4).shuffle(shuffled)
    assert sorted(shuffled, key=Version) == ORDERED


@pytest.mark.parametrize("low, high", [("1.9", "1.10"), ("1.99.9", "2.0"), ("2.0-rc1", "2.0"),
                                       ("2.0-dev1", "2.0-rc1"), ("0.3", "0.3.1"), ("1.0.0", "1.0.1")])
def test_pairs(low, high):
    assert Version(low) < Version(high)
    assert Version(high) > Version(low)
    assert max([Version(high), Version(low)]).text == high


def test_trailing_zeros_rank_alike_but_order_stays_total():
    a, b = Version("1.0"), Version("1.0.0")
    assert a != b and (a < b) != (b < a)


@pytest.mark.parametrize("text", ["", "abc", "1..2", ".1", "1.", "1.0 beta", "v1.0", None, 1.0])
def test_invalid(text):
    assert not is_version(text)
    with pytest.raises(InvalidVersion):
        Version(text)


def test_hash_and_equality():
    assert Version("1.2") == Version("1.2")
    assert len({Version("1.2"), Version("1.2"), Version("1.3")}) == 2
