"""Study-area inputs read from files: points, zones, destination layers (and OSM files)."""
