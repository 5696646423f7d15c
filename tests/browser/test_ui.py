"""From a fresh Home Assistant to a shedding, then heating, Linky Tempo: in a browser.

Headless Chromium (Debian's, never a downloaded one) driven by Playwright
goes through what a new user does: onboarding, Settings → Devices &
services → Add integration → Linky Tempo with the simulated meter's port
URL, the integration's options (two radiators and a pilot-wire zone), the
device page, the dashboard of docs/dashboard.yaml, the heating climate
entity's dialog on a white-day peak (idle: everything shed), then Heat
(heating: everything back).

Run by ``scripts/browser-test``, which starts the simulator and Home
Assistant (``scripts/develop``) with a fresh configuration, in a network
namespace where only the loopback exists, and sets:

* ``LINKY_TEMPO_HA_URL``: Home Assistant's URL;
* ``LINKY_TEMPO_PORT_URL``: the simulated meter's port URL;
* ``LINKY_TEMPO_SCREENSHOTS``: where screenshots go (every step in its
  ``tmp/``, the ones the README shows at its top).

Skipped anywhere else (scripts/test's pytest has no Playwright).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sync_api = pytest.importorskip("playwright.sync_api")

HA_URL = os.environ.get("LINKY_TEMPO_HA_URL", "")
PORT_URL = os.environ.get("LINKY_TEMPO_PORT_URL", "")
SHOTS = Path(os.environ.get("LINKY_TEMPO_SCREENSHOTS", "screenshots"))
CHROMIUM = os.environ.get("LINKY_TEMPO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    # Only the machine itself: nothing else resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
DASHBOARD = Path(__file__).parents[2] / "docs" / "dashboard.yaml"
USER = ("Demo", "demo", "linky-tempo-demo-42")
LOADS = {
    "Living room radiator": "input_boolean.radiator_living_room",
    "Bedroom radiator": "input_boolean.radiator_bedroom",
    "Bathroom pilot wire": "input_select.pilot_wire_bathroom",
}
CLIMATE = "climate.linky_tempo_heating"
SHED = {
    "input_boolean.radiator_living_room": "off",
    "input_boolean.radiator_bedroom": "off",
    "input_select.pilot_wire_bathroom": "frost_protection",
}
RESTORED = {
    "input_boolean.radiator_living_room": "on",
    "input_boolean.radiator_bedroom": "on",
    "input_select.pilot_wire_bathroom": "comfort",
}

pytestmark = pytest.mark.skipif(
    not HA_URL or not PORT_URL,
    reason="run by scripts/browser-test (needs a running Home Assistant)",
)


class Screens:
    """Numbered screenshots of every step, and copies of the best ones."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0
        (SHOTS / "tmp").mkdir(parents=True, exist_ok=True)
        for old in (SHOTS / "tmp").glob("*.png"):
            old.unlink()

    def __call__(self, name: str, *, keep: str | None = None) -> None:
        self.count += 1
        self.page.wait_for_timeout(400)  # let animations settle
        path = SHOTS / "tmp" / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=path)
        if keep is not None and os.environ.get("LINKY_TEMPO_UPDATE_SCREENSHOTS"):
            (SHOTS / keep).write_bytes(path.read_bytes())


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A page of a fresh headless Chromium that can only reach Home Assistant."""
    allowed = urllib.parse.urlsplit(HA_URL).netloc
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
            locale="en-US",
            timezone_id="Europe/Paris",
        )

        def local_only(route: Any) -> None:
            if urllib.parse.urlsplit(route.request.url).netloc == allowed:
                route.continue_()
            else:
                route.abort()

        context.route("**/*", local_only)
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            yield page
        finally:
            page.screenshot(path=SHOTS / "tmp" / "last.png")
            context.close()


def pick(page: Any, text: str) -> None:
    """Choose ``text`` in an open Home Assistant picker (search, then click)."""
    search = page.locator("ha-picker-combo-box").get_by_placeholder("Search").last
    search.wait_for()
    search.fill(text)
    page.locator("ha-combo-box-item").filter(has_text=text).first.click()


def states(page: Any, entity_ids: list[str]) -> dict[str, str | None]:
    """The states the frontend shows for these entities."""
    result: dict[str, str | None] = page.evaluate(
        """(ids) => {
            const states = document.querySelector("home-assistant").hass.states;
            return Object.fromEntries(ids.map((id) => [id, states[id]?.state ?? null]));
        }""",
        entity_ids,
    )
    return result


def wait_for_states(page: Any, wanted: dict[str, str], timeout: float = 30) -> None:
    """Wait until the frontend shows these states (loads change one by one)."""
    deadline = timeout * 1000
    waited = 0
    while (current := states(page, list(wanted))) != wanted:
        if waited >= deadline:
            pytest.fail(f"expected {wanted}, the UI shows {current}")
        page.wait_for_timeout(500)
        waited += 500


def onboard(page: Any, shot: Screens) -> None:
    """Home Assistant's onboarding: user, location, country, analytics."""
    page.goto(HA_URL)
    page.get_by_role("button", name="Create my smart home").click()
    name, username, password = USER
    page.get_by_role("textbox", name=re.compile("^Name")).fill(name)
    page.get_by_role("textbox", name=re.compile("^Username")).fill(username)
    page.get_by_role("textbox", name=re.compile("^Password")).fill(password)
    page.get_by_role("textbox", name=re.compile("^Confirm password")).fill(password)
    shot("onboarding-user")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Home location").wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_label(re.compile("^Country")).click()
    pick(page, "France")
    shot("onboarding-country")
    page.get_by_role("button", name="Next").click()
    page.get_by_text(re.compile("Help us (to )?help you")).wait_for()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish").click()
    page.wait_for_url(re.compile(r"/(home|lovelace)"))
    shot("home")


def add_linky_tempo(page: Any, shot: Screens) -> None:
    """Settings → Devices & services → Add integration → Linky Tempo."""
    page.goto(f"{HA_URL}/config/integrations/dashboard")
    page.get_by_role(
        "button", name=re.compile("Add integration", re.IGNORECASE)
    ).click()
    # Typed into the dialog's own search field (typed anywhere, keys are
    # Home Assistant's shortcuts).
    dialog = page.locator("dialog-add-integration")
    dialog.get_by_role("textbox").first.fill("Linky Tempo")
    shot("add-integration")
    dialog.get_by_text("Linky Tempo", exact=True).first.click()
    page.get_by_text("Connect to the Linky meter").wait_for()
    page.get_by_label(re.compile("^Port")).first.click()
    page.get_by_text("Enter manually").click()
    page.get_by_role("textbox", name=re.compile("^Port")).fill(PORT_URL)
    shot("config-flow", keep="config-flow.png")
    page.get_by_role("button", name="Submit").click()
    found = page.get_by_text(re.compile(r"Found meter \d{12}: historic mode"))
    found.wait_for(timeout=20_000)
    sync_api.expect(found).to_contain_text("today's colour white")
    shot("meter-found", keep="meter-found.png")
    page.get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()


def choose_loads(page: Any, shot: Screens) -> None:
    """The heating loads: one "Heating load" subentry each, from the entry's page."""
    page.goto(f"{HA_URL}/config/integrations/integration/linky_tempo")
    for index, name in enumerate(LOADS):
        page.get_by_role("button", name=re.compile("Add a heating load")).first.click()
        page.get_by_text("A switch, a pilot-wire select or a thermostat").wait_for()
        page.get_by_text("Select an entity").first.click()
        pick(page, name)
        if index == 0:
            shot("load-entity")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(f"Shedding {name}").wait_for()
        if index == 0:
            shot("load-shedding", keep="load-shedding.png")
        page.get_by_role("button", name="Submit").click()
        page.get_by_text(f"Shedding {name}").wait_for(state="hidden")
        finish = page.get_by_role("button", name=re.compile("finish", re.IGNORECASE))
        if finish.count():
            finish.first.click()


def open_device(page: Any, shot: Screens) -> None:
    """The meter's device page: sensors, the heating control, the activity."""
    page.goto(f"{HA_URL}/config/devices/dashboard")
    # In the list (the sidebar also has a "Linky Tempo": the dashboard's).
    devices = page.locator("ha-config-devices-dashboard")
    devices.get_by_text("Linky Tempo", exact=True).first.click()
    page.get_by_text("Device info").wait_for()
    sync_api.expect(page.get_by_text("Peak white day").first).to_be_visible()
    shot("device-shedding", keep="device.png")


def open_dashboard(page: Any, shot: Screens) -> None:
    """docs/dashboard.yaml as a new dashboard, as a user pastes it, with live values.

    Created through the websocket API the dashboards page and the raw
    configuration editor use, then opened from the sidebar's URL.
    """
    config = yaml.safe_load(DASHBOARD.read_text())
    page.evaluate(
        """async (config) => {
            const connection = document.querySelector("home-assistant").hass.connection;
            await connection.sendMessagePromise({
                type: "lovelace/dashboards/create",
                url_path: "linky-tempo",
                title: "Linky Tempo",
                icon: "mdi:meter-electric",
                show_in_sidebar: true,
                require_admin: false,
            });
            await connection.sendMessagePromise({
                type: "lovelace/config/save", url_path: "linky-tempo", config,
            });
        }""",
        config,
    )
    page.goto(f"{HA_URL}/linky-tempo/linky-tempo")
    view = page.locator("hui-sections-view")
    view.wait_for()
    # Every card rendered, none an error card (an unknown card or entity).
    sync_api.expect(view.locator("hui-tile-card")).to_have_count(9)
    sync_api.expect(view.locator("hui-gauge-card")).to_have_count(1)
    sync_api.expect(view.locator("hui-history-graph-card")).to_have_count(1)
    sync_api.expect(view.locator("hui-statistics-graph-card")).to_have_count(1)
    sync_api.expect(view.locator("hui-error-card")).to_have_count(0)
    sync_api.expect(view.locator("hui-warning")).to_have_count(0)
    # Live values: the meter's colour, the shedding and its reason, a price.
    sync_api.expect(view.get_by_text("Peak white day").first).to_be_visible()
    sync_api.expect(view.get_by_text("White-day peak hours").first).to_be_visible()
    sync_api.expect(view.get_by_text(re.compile(r"EUR/kWh")).first).to_be_visible()
    # The charts draw once their history has loaded.
    view.locator("hui-history-graph-card ha-chart-base").first.wait_for()
    page.wait_for_timeout(2000)
    shot("dashboard", keep="dashboard.png")


# One long journey through the UI, each step bounded by Playwright's own
# timeouts (30 s); the whole run is also bounded by scripts/browser-test.
@pytest.mark.timeout(600)
def test_from_onboarding_to_heating(page: Any) -> None:
    """A white-day peak: everything shed in Auto; Heat brings the heating back."""
    shot = Screens(page)
    onboard(page, shot)
    add_linky_tempo(page, shot)
    choose_loads(page, shot)

    # Automatic mode on a white-day peak: every load is shed.
    wait_for_states(page, {**SHED, CLIMATE: "auto"})
    open_dashboard(page, shot)
    open_device(page, shot)

    page.get_by_text("Heating", exact=True).first.click()
    control = page.locator("ha-state-control-climate-temperature")
    sync_api.expect(control).to_contain_text("Idle")
    sync_api.expect(control).to_contain_text("Auto")
    shot("climate-auto-idle", keep="climate-shedding.png")

    # Heat: white-day peak shedding cancelled until 22:00.
    page.locator("ha-control-select-menu").first.click()
    page.get_by_role("menuitem", name="Heat").click()
    sync_api.expect(control).to_contain_text("Heating")
    sync_api.expect(control).to_contain_text("Heat")
    sync_api.expect(control).not_to_contain_text("Idle")
    wait_for_states(page, {**RESTORED, CLIMATE: "heat"})
    shot("climate-heat-heating", keep="climate-heating.png")

    page.keyboard.press("Escape")
    sync_api.expect(page.get_by_text("Heating (Heat)")).to_be_visible()
    shot("device-heating")
