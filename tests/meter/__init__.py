"""Pure tests of the meter pipeline library (meter/): no Home Assistant."""
