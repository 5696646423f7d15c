"""Tests that run the integration in a real Home Assistant."""
