"""The walking street network: read from OpenStreetMap, snapped to."""
