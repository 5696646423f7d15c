"""Command line: ``python -m tic_simulator [options]``.

Examples::

    python -m tic_simulator                       # white-day peak, historic, socket
    python -m tic_simulator --port 50000 --pty .cache/ttyTIC
    python -m tic_simulator --scenario week --speed 1800 --mode standard --phases 3
    python -m tic_simulator --dump 3 | od -c      # frames on stdout, no server
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path

from . import SCENARIOS, Colour, Mode, build_meter
from .meter import SimulatedMeter
from .noise import LineNoise
from .server import SimClock, TicServer
from .tempo import PARIS


def _start(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment


def _colours(text: str) -> tuple[Colour, ...]:
    return tuple(Colour.parse(word) for word in text.split(",") if word.strip())


def parser() -> argparse.ArgumentParser:
    """The command-line options."""
    scenarios = "\n".join(
        f"  {name:<9} {scenario.summary}" for name, scenario in SCENARIOS.items()
    )
    result = argparse.ArgumentParser(
        prog="python -m tic_simulator",
        description="A simulated Linky meter (EDF Tempo) sending its TIC on "
        "socket://127.0.0.1:PORT and, optionally, on a pty.",
        epilog=f"scenarios:\n{scenarios}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument("--scenario", choices=SCENARIOS, default="white")
    result.add_argument("--mode", choices=[m.value for m in Mode], default="historic")
    result.add_argument("--phases", type=int, choices=(1, 3), default=1)
    result.add_argument(
        "--start",
        type=_start,
        help="simulated start, ISO 8601 (French local time unless an offset is "
        "given), e.g. 2026-01-15T10:00; default: the scenario's",
    )
    result.add_argument(
        "--colours",
        type=_colours,
        help="Tempo colours from the start's Tempo day, e.g. white,red,blue",
    )
    result.add_argument(
        "--speed",
        type=float,
        help="simulated seconds per real second (60: a minute per second); "
        "default: the scenario's (1 for most)",
    )
    result.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port on 127.0.0.1 (default: any free port)",
    )
    result.add_argument("--no-socket", action="store_true", help="pty only")
    result.add_argument(
        "--pty", type=Path, help="also serve on a pty, behind this symlink"
    )
    result.add_argument("--subscribed", type=int, help="subscribed power, kVA")
    result.add_argument("--meter-id", help="ADCO/ADSC, 12 digits")
    result.add_argument(
        "--noise",
        type=float,
        help="share of groups corrupted on the line (default: the scenario's)",
    )
    result.add_argument("--seed", type=int, default=1)
    result.add_argument(
        "--line-rate",
        type=float,
        default=1.0,
        help="multiply the line's real pace (1200/9600 Bd)",
    )
    result.add_argument(
        "--dump",
        type=int,
        metavar="N",
        help="write N frames to stdout, each 1/speed s apart, and exit",
    )
    result.add_argument(
        "--ready-file",
        type=Path,
        help="write the URL and pty as JSON to this file once serving",
    )
    result.add_argument(
        "--status",
        type=float,
        default=10.0,
        help="print the meter's state every this many seconds (0: never)",
    )
    result.add_argument("--duration", type=float, help="stop after this many seconds")
    return result


def describe(meter: SimulatedMeter) -> str:
    """One line about what the meter says now."""
    reading = meter.read()
    tomorrow = reading.tomorrow.name.lower() if reading.tomorrow else "----"
    overload = " OVERLOAD" if reading.overload else ""
    return (
        f"{reading.moment:%a %Y-%m-%d %H:%M:%S} {reading.period.ptec} "
        f"(today {reading.today.name.lower()}, tomorrow {tomorrow}) "
        f"{reading.apparent_power} VA{overload}"
    )


async def _serve(args: argparse.Namespace, meter: SimulatedMeter, speed: float) -> None:
    clock = SimClock(meter.now, speed)
    scenario = SCENARIOS[args.scenario]
    rate = scenario.noise if args.noise is None else args.noise
    noise = LineNoise(rate, args.seed) if rate > 0 else None
    server = TicServer(
        meter,
        clock,
        port=None if args.no_socket else args.port,
        pty_path=args.pty.absolute() if args.pty else None,
        noise=noise,
        line_rate=args.line_rate,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    config = meter.config
    phases = "three-phase" if config.phases == 3 else "single-phase"
    print(
        f"Simulated Linky {config.meter_id}: {config.mode} mode, {phases}, Tempo "
        f"{config.kva} kVA; scenario {args.scenario}, speed x{speed:g}",
        flush=True,
    )
    info: dict[str, str | int | None] = {"pty": None, "url": None}
    if not args.no_socket:
        info["url"] = server.url
        print(f"  port URL: {server.url}", flush=True)
    if server.pty_path is not None:
        info["pty"] = str(server.pty_path)
        print(f"  pty:      {server.pty_path} -> {server.pty_device}", flush=True)
    if args.ready_file:
        args.ready_file.write_text(json.dumps(info) + "\n")
    try:
        async with asyncio.timeout(args.duration):
            while not stop.is_set():
                if args.status > 0:
                    print(f"  {describe(meter)}", flush=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), args.status or None)
    except TimeoutError:
        pass
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    """Run the simulator."""
    args = parser().parse_args(argv)
    scenario = SCENARIOS[args.scenario]
    speed = scenario.speed if args.speed is None else args.speed
    meter = build_meter(
        scenario,
        mode=args.mode,
        phases=args.phases,
        start=args.start,
        colours=args.colours,
        subscribed_kva=args.subscribed,
        meter_id=args.meter_id,
        seed=args.seed,
    )
    if args.dump is not None:
        rate = scenario.noise if args.noise is None else args.noise
        noise = LineNoise(rate, args.seed) if rate > 0 else None
        frame_time = 1.5 if args.mode == Mode.HISTORIC else 1.0
        for _ in range(args.dump):
            data = meter.frame()
            if noise is not None:
                data = noise.apply(data, historic=args.mode == Mode.HISTORIC)
            sys.stdout.buffer.write(data)
            meter.advance(meter.now + timedelta(seconds=frame_time * speed))
        sys.stdout.buffer.flush()
        return 0
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args, meter, speed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
