"""The synthetic Demo Town study area (``routes demo``)."""
