"""Scheduling engines on integer minute offsets from the project origin."""
