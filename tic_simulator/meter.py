"""A Linky meter on a Tempo contract: its registers and the frames it sends.

`SimulatedMeter` keeps what a real meter keeps (six Tempo energy indexes
that grow with the active power on the index of the period in force, the
day's and the previous day's maximum power, load-curve points, mean
voltages, the overload state) and writes frames in either TIC mode, single-
or three-phase, with the labels, lengths and order of [54E] §6.1-§6.2 and
of real captures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from . import protocol
from .household import POWER_FACTOR, Household
from .tempo import (
    PARIS,
    TEMPO_LABELS,
    Colour,
    Period,
    TempoCalendar,
    next_boundary,
    tempo_day,
)

# Longest slice of simulated time integrated at once.
STEP: Final = timedelta(seconds=20)
# Load-curve (CCASN) and mean-voltage (UMOY) slots.
SLOT: Final = timedelta(minutes=10)
# Three-phase historic overload: 20 short frames, then a long one, while a
# phase is overloaded and for one minute after ([54E] §6.1.2).
SHORT_FRAMES: Final = 20
SHORT_FRAMES_AFTER: Final = timedelta(minutes=1)
NOMINAL_VOLTAGE: Final = 230.0
NONUTILE: Final = " ".join(["NONUTILE"] * 8)
MESSAGE: Final = "PAS DE          MESSAGE         "
# STGE bits 16-23 of real meters: standard mode, Euridis on with security,
# CPL New/Lock (0x3A in every real capture).
STGE_LINK_BITS: Final = 0x3A << 16
# Share of each phase in yesterday's maxima (three-phase).
SHARES: Final = (0.38, 0.34, 0.31)
START_INDEXES: Final = (5_214_733, 7_988_102, 612_554, 901_377, 214_009, 386_250)


class Mode(StrEnum):
    """The TIC mode the meter is set to."""

    HISTORIC = "historic"
    STANDARD = "standard"


@dataclass(frozen=True, slots=True)
class MeterConfig:
    """What does not change: mode, phases, contract and identifiers."""

    mode: Mode = Mode.HISTORIC
    phases: int = 1
    subscribed_kva: int | None = None  # default 9 kVA single-, 12 kVA three-phase
    meter_id: str = "041876543210"
    prm: str = "09876543210987"

    @property
    def kva(self) -> int:
        """Subscribed power in kVA."""
        if self.subscribed_kva is not None:
            return self.subscribed_kva
        return 12 if self.phases == 3 else 9

    @property
    def isousc(self) -> int:
        """Historic ISOUSC (A): PREF/200 V, per phase on a three-phase meter."""
        return round(self.kva * 1000 / 200 / self.phases)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the meter measures at one instant (per phase lists have 1 or 3)."""

    moment: datetime
    period: Period
    today: Colour
    tomorrow: Colour | None
    apparent_power: int
    phase_powers: tuple[int, ...]
    currents: tuple[int, ...]
    voltages: tuple[int, ...]
    overload: bool
    overloaded_phases: tuple[int, ...]


@dataclass(slots=True)
class _Max:
    """A maximum power and when it was reached."""

    value: int = 0
    at: datetime | None = None

    def offer(self, value: int, at: datetime) -> None:
        if self.at is None or value > self.value:
            self.value, self.at = value, at


@dataclass(slots=True)
class SimulatedMeter:
    """A Linky meter following a Tempo calendar and a household's load."""

    config: MeterConfig
    calendar: TempoCalendar
    household: Household
    now: datetime
    energy: list[float] = field(
        default_factory=lambda: [float(i) for i in START_INDEXES]
    )
    frames_sent: int = 0
    _day_max: list[_Max] = field(default_factory=list)
    _prev_max: list[_Max] = field(default_factory=list)
    _max_day: date | None = None
    _slot_end: datetime | None = None
    _slot_energy: float = 0.0
    _slot_voltage: list[float] = field(default_factory=list)
    _curve: list[tuple[datetime, int]] = field(default_factory=list)
    _mean_voltages: tuple[datetime, tuple[int, ...]] | None = None
    _last_overload: datetime | None = None
    _cycle: int = 0

    def __post_init__(self) -> None:
        """Start the day's maxima and the first load-curve slot."""
        self.now = self.now.astimezone(PARIS)
        lanes = 1 + self.config.phases if self.config.phases == 3 else 1
        self._day_max = [_Max() for _ in range(lanes)]
        # Yesterday's maxima: a cold evening at 19:12.
        yesterday = self.now.replace(hour=19, minute=12, second=37, microsecond=0)
        yesterday -= timedelta(days=1)
        peak = round(self.config.kva * 1000 * 0.62)
        self._prev_max = [_Max(peak, yesterday)]
        if self.config.phases == 3:
            self._prev_max += [_Max(round(peak * share), yesterday) for share in SHARES]
        self._max_day = self.now.date()
        self._slot_end = self._next_slot_end(self.now)
        self._slot_voltage = [0.0] * self.config.phases

    # -- measurement -------------------------------------------------------

    def read(self, moment: datetime | None = None) -> Reading:
        """Measure the instantaneous values (default: at the meter's time)."""
        moment = self.now if moment is None else moment.astimezone(PARIS)
        period = self.calendar.period(moment)
        loads: tuple[float, ...] = self.household.phases(moment, period)
        config = self.config
        if config.phases == 1:
            loads = (sum(loads),)
        voltages = tuple(
            self._voltage(moment, phase, va) for phase, va in enumerate(loads)
        )
        currents = tuple(
            round(va / volts) for va, volts in zip(loads, voltages, strict=True)
        )
        total = sum(loads)
        if config.mode is Mode.HISTORIC:
            # Linky rounds the historic PAPP to 10 VA.
            apparent = min(round(total / 10) * 10, 99_999)
            over = tuple(
                phase + 1
                for phase, current in enumerate(currents)
                if current > config.isousc
            )
            overload = bool(over)
        else:
            apparent = min(round(total), 99_999)
            overload = apparent > config.kva * 1000
            over = ()
        return Reading(
            moment=moment,
            period=period,
            today=self.calendar.today(moment),
            tomorrow=self.calendar.tomorrow(moment),
            apparent_power=apparent,
            phase_powers=tuple(min(round(va), 99_999) for va in loads),
            currents=currents,
            voltages=tuple(round(v) for v in voltages),
            overload=overload,
            overloaded_phases=over,
        )

    def _voltage(self, moment: datetime, phase: int, va: float) -> float:
        hour = moment.hour + moment.minute / 60
        swing = 3.0 * math.sin((hour - 4 + phase) / 24 * 2 * math.pi)
        return NOMINAL_VOLTAGE + 2.0 + swing - 0.08 * va / NOMINAL_VOLTAGE

    # -- time ----------------------------------------------------------------

    def advance(self, to: datetime) -> None:
        """Run the meter up to ``to``: integrate energy, maxima, load curve."""
        to = to.astimezone(PARIS)
        while self.now < to:
            end = min(to, self.now + STEP, next_boundary(self.now))
            assert self._slot_end is not None
            end = min(end, self._slot_end)
            middle = self.now + (end - self.now) / 2
            reading = self.read(middle)
            hours = (end - self.now).total_seconds() / 3600
            watt_hours = sum(reading.phase_powers) * POWER_FACTOR * hours
            self.energy[reading.period.index - 1] += watt_hours
            self._slot_energy += watt_hours
            for phase, volts in enumerate(reading.voltages):
                self._slot_voltage[phase] += volts * hours
            self._track_max(reading)
            self.now = end
            if self.now >= self._slot_end:
                self._close_slot()

    def _track_max(self, reading: Reading) -> None:
        day = reading.moment.date()
        if day != self._max_day:
            self._prev_max = self._day_max
            self._day_max = [_Max() for _ in self._prev_max]
            self._max_day = day
        self._day_max[0].offer(reading.apparent_power, reading.moment)
        if self.config.phases == 3:
            for phase, va in enumerate(reading.phase_powers):
                self._day_max[phase + 1].offer(va, reading.moment)

    @staticmethod
    def _next_slot_end(moment: datetime) -> datetime:
        minutes = (moment.minute // 10 + 1) * 10
        start = moment.replace(minute=0, second=0, microsecond=0)
        return start + timedelta(minutes=minutes)

    def _close_slot(self) -> None:
        assert self._slot_end is not None
        hours = SLOT.total_seconds() / 3600
        self._curve = [
            *self._curve[-1:],
            (self._slot_end, round(self._slot_energy / hours)),
        ]
        self._mean_voltages = (
            self._slot_end,
            tuple(round(total / hours) for total in self._slot_voltage),
        )
        self._slot_energy = 0.0
        self._slot_voltage = [0.0] * self.config.phases
        self._slot_end += SLOT

    # -- frames ----------------------------------------------------------------

    def indexes(self) -> tuple[int, ...]:
        """The six Tempo energy indexes (Wh) as the meter shows them."""
        return tuple(int(value) for value in self.energy)

    def frame(self) -> bytes:
        """The next frame the meter sends, at its current time."""
        reading = self.read()
        self._track_max(reading)
        self.frames_sent += 1
        if self.config.mode is Mode.STANDARD:
            return protocol.frame(self._standard_groups(reading))
        if self.config.phases == 3:
            if reading.overload:
                self._last_overload = reading.moment
            recent = self._last_overload is not None and (
                reading.moment - self._last_overload <= SHORT_FRAMES_AFTER
            )
            if recent:
                position = self._cycle
                self._cycle = (position + 1) % (SHORT_FRAMES + 1)
                if position < SHORT_FRAMES:
                    return protocol.frame(self._short_groups(reading))
            else:
                self._cycle = 0
        return protocol.frame(self._historic_groups(reading))

    def _historic_groups(self, reading: Reading) -> list[bytes]:
        config = self.config
        group = protocol.historic_group
        groups = [
            group("ADCO", config.meter_id),
            group("OPTARIF", "BBR("),
            group("ISOUSC", f"{config.isousc:02d}"),
        ]
        groups += [
            group(label, f"{value:09d}")
            for label, value in zip(TEMPO_LABELS, self.indexes(), strict=True)
        ]
        tomorrow = reading.tomorrow.demain if reading.tomorrow else "----"
        groups += [group("PTEC", reading.period.ptec), group("DEMAIN", tomorrow)]
        if config.phases == 1:
            current = reading.currents[0]
            groups.append(group("IINST", f"{min(current, 999):03d}"))
            if reading.overload:
                groups.append(group("ADPS", f"{min(current, 999):03d}"))
            groups.append(group("IMAX", "090"))
        else:
            groups += [
                group(f"IINST{phase}", f"{min(current, 999):03d}")
                for phase, current in enumerate(reading.currents, start=1)
            ]
            groups += [group(f"IMAX{phase}", "060") for phase in (1, 2, 3)]
            groups.append(group("PMAX", f"{self._prev_max[0].value:05d}"))
        groups += [
            group("PAPP", f"{reading.apparent_power:05d}"),
            group("HHPHC", "A"),
            group("MOTDETAT", "000000"),
        ]
        if config.phases == 3:
            groups.append(group("PPOT", "00"))
        return groups

    def _short_groups(self, reading: Reading) -> list[bytes]:
        group = protocol.historic_group
        groups = [
            group(f"ADIR{phase}", f"{min(reading.currents[phase - 1], 999):03d}")
            for phase in reading.overloaded_phases
        ]
        groups.append(group("ADCO", self.config.meter_id))
        groups += [
            group(f"IINST{phase}", f"{min(current, 999):03d}")
            for phase, current in enumerate(reading.currents, start=1)
        ]
        return groups

    def stge(self, reading: Reading) -> int:
        """The standard status register STGE for a reading ([54E] §6.2.3.14)."""
        period = reading.period
        # The Tempo dry contact is closed during off-peak hours (water heater).
        raw = 0 if not period.peak else 1
        raw |= int(reading.overload) << 7
        raw |= (period.index - 1) << 10
        raw |= STGE_LINK_BITS
        raw |= reading.today.code << 24
        raw |= (reading.tomorrow.code if reading.tomorrow else 0) << 26
        if reading.tomorrow is not None and reading.tomorrow is not Colour.BLUE:
            raw |= 2 << 28  # notice of mobile peak 2 (tomorrow)
        if reading.today is not Colour.BLUE:
            raw |= 1 << 30  # mobile peak 1 (today) in progress
        return raw

    def _standard_groups(self, reading: Reading) -> list[bytes]:
        config = self.config
        group = protocol.standard_group
        stamp = protocol.horodate
        three = config.phases == 3
        indexes = self.indexes()
        total = sum(indexes)
        groups = [
            group("ADSC", config.meter_id),
            group("VTIC", "02"),
            group("DATE", "", stamp(reading.moment)),
            group("NGTF", "TEMPO".center(16)),
            group("LTARF", reading.period.ltarf),
            group("EAST", f"{total:09d}"),
        ]
        supplier = [*indexes, 0, 0, 0, 0]
        groups += [
            group(f"EASF{number:02d}", f"{value:09d}")
            for number, value in enumerate(supplier, start=1)
        ]
        distributor = [total, 0, 0, 0]
        groups += [
            group(f"EASD{number:02d}", f"{value:09d}")
            for number, value in enumerate(distributor, start=1)
        ]
        phases = range(1, config.phases + 1)
        groups += [
            group(f"IRMS{p}", f"{min(reading.currents[p - 1], 999):03d}")
            for p in phases
        ]
        groups += [group(f"URMS{p}", f"{reading.voltages[p - 1]:03d}") for p in phases]
        groups += [
            group("PREF", f"{config.kva:02d}"),
            group("PCOUP", f"{config.kva:02d}"),
            group("SINSTS", f"{reading.apparent_power:05d}"),
        ]
        if three:
            groups += [
                group(f"SINSTS{p}", f"{reading.phase_powers[p - 1]:05d}")
                for p in phases
            ]
        lanes = ["", *(str(p) for p in phases)] if three else [""]
        for lane, maximum in zip(lanes, self._day_max, strict=True):
            at = maximum.at or reading.moment
            groups.append(group(f"SMAXSN{lane}", f"{maximum.value:05d}", stamp(at)))
        for lane, maximum in zip(lanes, self._prev_max, strict=True):
            at = maximum.at or reading.moment - timedelta(days=1)
            groups.append(group(f"SMAXSN{lane}-1", f"{maximum.value:05d}", stamp(at)))
        for label, (at, watts) in zip(
            ("CCASN", "CCASN-1"), reversed(self._curve), strict=False
        ):
            groups.append(group(label, f"{min(watts, 99_999):05d}", stamp(at)))
        if self._mean_voltages is not None:
            at, volts = self._mean_voltages
            groups += [
                group(f"UMOY{p}", f"{volts[p - 1]:03d}", stamp(at)) for p in phases
            ]
        groups.append(group("STGE", f"{self.stge(reading):08X}"))
        groups += self._mobile_peaks(reading)
        relay_closed = not reading.period.peak
        groups += [
            group("MSG1", MESSAGE),
            group("PRM", config.prm),
            group("RELAIS", f"{int(relay_closed):03d}"),
            group("NTARF", f"{reading.period.index:02d}"),
            group("NJOURF", "00"),
            group("NJOURF+1", "00"),
            group("PJOURF+1", f"00004001 06004002 22004001 {NONUTILE}"),
        ]
        tomorrow = reading.tomorrow
        if tomorrow is not None and tomorrow is not Colour.BLUE:
            hc = (tomorrow.code - 1) * 2 + 1
            profile = f"0000400{hc} 0600400{hc + 1} 2200400{hc} {NONUTILE}"
            groups.append(group("PPOINTE", profile))
        return groups

    def _mobile_peaks(self, reading: Reading) -> list[bytes]:
        """DPMx/FPMx: the white or red Tempo days, 06:00 to 06:00."""
        group = protocol.standard_group
        bare = protocol.horodate_no_season
        groups: list[bytes] = []
        day = tempo_day(reading.moment)
        days = [(1, day, reading.today)]
        if reading.tomorrow is not None:
            days.append((2, day + timedelta(days=1), reading.tomorrow))
        for number, when, colour in days:
            if colour is Colour.BLUE:
                continue
            begin = datetime.combine(when, datetime.min.time(), tzinfo=PARIS)
            begin += timedelta(hours=6)
            groups += [
                group(f"DPM{number}", "00", bare(begin)),
                group(f"FPM{number}", "00", bare(begin + timedelta(days=1))),
            ]
        return groups
