"""The soil moisture colours, shared by the styled layers (processing/styling.py) and the reports."""

#: (m³/m³, colour, legend label): dry soil brown → yellow → green → blue → wet dark blue.
SOIL_MOISTURE_RAMP = ((0.00, '#8c510a', '0.00 (dry)'), (0.10, '#d8b365', '0.10'), (0.20, '#f6e8c3', '0.20'),
                      (0.30, '#80cdc1', '0.30'), (0.40, '#2c7fb8', '0.40'), (0.50, '#08306b', '0.50 m³/m³ (wet)'))
#: The range the ramp spans (m³/m³).
SOIL_MOISTURE_RANGE = (SOIL_MOISTURE_RAMP[0][0], SOIL_MOISTURE_RAMP[-1][0])


def soil_moisture_colormap():
    """The ramp as a matplotlib colormap over SOIL_MOISTURE_RANGE."""
    from matplotlib.colors import LinearSegmentedColormap
    low, high = SOIL_MOISTURE_RANGE
    return LinearSegmentedColormap.from_list(
        'soil_moisture', [((value - low) / (high - low), colour) for value, colour, _ in SOIL_MOISTURE_RAMP])
