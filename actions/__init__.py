"""Thin rasa-sdk actions: read the tracker, call a service in bot/, return events.

The action server imports every submodule of this package.
"""
