"""The climate entity provides the native_ temperature members 2026.11 wants.

Home Assistant 2026.11 deprecates ClimateEntity's temperature members for
their native_ replacements (they stop working in 2027.11). When the class
is created, for each deprecated member it finds the most derived class
providing it or its replacement; if that class is not ClimateEntity and
provides only the deprecated one, it logs "… provides the deprecated …"
(homeassistant.helpers.deprecation.migrate_deprecated_entity_members).

The pytest pins stop at 2026.10 (no test harness for 2026.11 yet), so this
applies 2026.11's rule to the class here; the browser test runs the real
2026.11 and fails on that warning in its log.
"""

from __future__ import annotations

import pytest
from homeassistant.components.climate import ClimateEntity

from custom_components.linky_tempo.climate import LinkyTempoClimate

# Home Assistant 2026.11's ClimateEntity: each deprecated member and the names
# under which a subclass provides its replacement.
DEPRECATED = {
    name: {native, f"_attr_{native}"} if not name.startswith("_") else {native}
    for name, native in {
        "temperature_unit": "native_temperature_unit",
        "_attr_temperature_unit": "_attr_native_temperature_unit",
        "current_temperature": "native_current_temperature",
        "_attr_current_temperature": "_attr_native_current_temperature",
        "target_temperature": "native_target_temperature",
        "_attr_target_temperature": "_attr_native_target_temperature",
        "target_temperature_high": "native_target_temperature_high",
        "_attr_target_temperature_high": "_attr_native_target_temperature_high",
        "target_temperature_low": "native_target_temperature_low",
        "_attr_target_temperature_low": "_attr_native_target_temperature_low",
    }.items()
}


@pytest.mark.parametrize("name", sorted(DEPRECATED))
def test_no_deprecated_member_without_its_replacement(name: str) -> None:
    native = DEPRECATED[name]
    provider = next(
        klass
        for klass in LinkyTempoClimate.__mro__
        if name in vars(klass) or not native.isdisjoint(vars(klass))
    )
    if issubclass(ClimateEntity, provider):
        return  # Home Assistant's own (ClimateEntity or a base of it)
    assert not native.isdisjoint(vars(provider)), (
        f"{provider.__qualname__} provides {name} without {' or '.join(native)}"
    )


def test_the_native_unit_is_the_legacy_one() -> None:
    # Up to 2026.10 the entity's metaclass makes _attr_temperature_unit a
    # property: read both off an instance.
    entity = LinkyTempoClimate.__new__(LinkyTempoClimate)
    assert entity._attr_native_temperature_unit == "°C"
    assert entity._attr_temperature_unit == "°C"
    assert entity.temperature_unit == "°C"
