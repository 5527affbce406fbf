"""Soil Moisture Downscaling: a QGIS plugin (see README.md and metadata.txt)."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    """Entry point called by QGIS (desktop and qgis_process)."""
    from .plugin import SoilMoistureDownscalingPlugin
    return SoilMoistureDownscalingPlugin(iface)
