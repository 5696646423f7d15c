"""Pure tests of the TIC protocol module (no Home Assistant)."""
