"""Widgets of the plugin (desktop only)."""
