"""A meter whose power the test sets: exact frames for exact expectations.

`SimulatedMeter` (tic_simulator.meter) lives its own life: a household's
load, three phases, load curves. The fault tests and the benchmarks want the
opposite: a Linky mono Tempo meter (ISOUSC 30 A, 6 kVA) whose apparent power
they set frame by frame (from the loads Home Assistant switched), and the
values a correct reader must publish for each frame (`expected`). That is
`ScriptedMeter`. It follows the same `TempoCalendar` (tomorrow's colour known
from 20:00, as on real meters) and writes its groups with the same encoder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from . import protocol
from .frames import CAPTURED_METER_ID
from .meter import Mode
from .tempo import TEMPO_LABELS, Colour, TempoCalendar, is_peak

VOLTS: Final = 230
# The indexes of the real historic capture (esciara/pyteleinfo).
START_INDEXES: Final = (18328856, 23739545, 1466099, 2132883, 860118, 844115)
# The period names a reader publishes, in the meter's index order.
PERIOD_KEYS: Final = ("hc_blue", "hp_blue", "hc_white", "hp_white", "hc_red", "hp_red")
UNKNOWN: Final = "unknown"


def colour_key(colour: Colour | None) -> str:
    """A colour as a reader publishes it: ``blue``…``red``, or ``unknown``."""
    return UNKNOWN if colour is None else colour.name.lower()


@dataclass
class ScriptedMeter:
    """A Linky mono Tempo meter (ISOUSC 30 A, 6 kVA) drawing ``power``."""

    calendar: TempoCalendar
    mode: Mode = Mode.HISTORIC
    meter_id: str = CAPTURED_METER_ID
    isousc: int = 30
    power: int = 2000  # VA, set by whoever drives the simulation
    indexes: list[float] = field(
        default_factory=lambda: [float(value) for value in START_INDEXES]
    )
    max_power_today: int = 0

    @property
    def subscribed_va(self) -> int:
        """The subscribed power: ISOUSC × 200 V."""
        return self.isousc * 200

    @property
    def current(self) -> int:
        """IINST / IRMS1 (A) at ``power``."""
        return round(self.power / VOLTS)

    @property
    def overload(self) -> bool:
        """ADPS / STGE bit 7: the current exceeds the subscribed current."""
        return self.current > self.isousc

    def advance(self, local: datetime, seconds: float) -> None:
        """Count the energy drawn at ``power`` for ``seconds`` ending at ``local``."""
        index = self.calendar.period(local).index - 1
        self.indexes[index] += self.power * seconds / 3600
        self.max_power_today = max(self.max_power_today, self.power)

    def expected(self, local: datetime) -> dict[str, Any]:
        """What a correct reader publishes for a frame sent at ``local``.

        Periods and colours are the reader's names (``hc_white``, ``red``,
        ``unknown``): equal to the integration's string enums.
        """
        return {
            "period": self.calendar.period(local).key,
            "today": colour_key(self.calendar.today(local)),
            "tomorrow": colour_key(self.calendar.tomorrow(local)),
            "power": self.power,
            "energy": {
                key: int(value)
                for key, value in zip(PERIOD_KEYS, self.indexes, strict=True)
            },
        }

    def frame(self, local: datetime) -> bytes:
        """The frame the meter sends at ``local``, in its mode."""
        if self.mode == Mode.HISTORIC:
            return self.historic_frame(local)
        return self.standard_frame(local)

    def historic_frame(self, local: datetime) -> bytes:
        """The historic frame at ``local``."""
        period = self.calendar.period(local)
        tomorrow = self.calendar.tomorrow(local)
        groups = [
            ("ADCO", self.meter_id),
            ("OPTARIF", "BBR("),
            ("ISOUSC", f"{self.isousc:02d}"),
            *(
                (label, f"{int(value):09d}")
                for label, value in zip(TEMPO_LABELS, self.indexes, strict=True)
            ),
            ("PTEC", period.ptec),
            ("DEMAIN", tomorrow.demain if tomorrow else "----"),
            ("IINST", f"{self.current:03d}"),
        ]
        if self.overload:
            groups.append(("ADPS", f"{self.current:03d}"))
        groups += [
            ("IMAX", "090"),
            ("PAPP", f"{min(self.power, 99999):05d}"),
            ("HHPHC", "A"),
            ("MOTDETAT", "000000"),
        ]
        return protocol.frame([protocol.historic_group(*g) for g in groups])

    def standard_frame(self, local: datetime) -> bytes:
        """The standard frame at ``local``."""
        period = self.calendar.period(local)
        ntarf = period.index
        today = self.calendar.today(local)
        tomorrow = self.calendar.tomorrow(local)
        stamp = protocol.horodate(local)
        stge = (
            0x003A0000
            | ((ntarf - 1) << 10)
            | (today.code << 24)
            | ((tomorrow.code if tomorrow else 0) << 26)
            | (0x80 if self.overload else 0)
        )
        hp = "HP" if is_peak(local) else "HC"
        ltarf = f"   {hp}  {today.word}".ljust(16)
        total = sum(int(v) for v in self.indexes)
        groups: list[tuple[str, ...]] = [
            ("ADSC", self.meter_id),
            ("VTIC", "02"),
            ("DATE", "", stamp),
            ("NGTF", "     TEMPO      "),
            ("LTARF", ltarf),
            ("EAST", f"{total:09d}"),
            *(
                (f"EASF{number:02d}", f"{int(value):09d}")
                for number, value in enumerate(self.indexes, start=1)
            ),
            *((f"EASF{number:02d}", "000000000") for number in range(7, 11)),
            ("EASD01", f"{total:09d}"),
            *((f"EASD{number:02d}", "000000000") for number in range(2, 5)),
            ("IRMS1", f"{self.current:03d}"),
            ("URMS1", f"{VOLTS:03d}"),
            ("PREF", f"{self.subscribed_va // 1000:02d}"),
            ("PCOUP", f"{self.subscribed_va // 1000:02d}"),
            ("SINSTS", f"{min(self.power, 99999):05d}"),
            ("SMAXSN", f"{min(self.max_power_today, 99999):05d}", stamp),
            ("SMAXSN-1", "05120", stamp),
            ("CCASN", "01650", stamp),
            ("CCASN-1", "00786", stamp),
            ("UMOY1", f"{VOLTS:03d}", stamp),
            ("STGE", f"{stge:08X}"),
            ("MSG1", "PAS DE          MESSAGE         "),
            ("PRM", "07361794479930"),
            ("RELAIS", "000"),
            ("NTARF", f"{ntarf:02d}"),
            ("NJOURF", "00"),
            ("NJOURF+1", "00"),
            (
                "PJOURF+1",
                "00004001 06004002 22004001 NONUTILE NONUTILE NONUTILE NONUTILE "
                "NONUTILE NONUTILE NONUTILE NONUTILE",
            ),
        ]
        return protocol.frame(
            [
                protocol.standard_group(g[0], g[1], g[2] if len(g) > 2 else None)
                for g in groups
            ]
        )
