"""Fault injection: the real stack under corruption, outages, restarts, switches."""
