"""Tests of the Linky Tempo integration."""
