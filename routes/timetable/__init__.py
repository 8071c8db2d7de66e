"""GTFS timetables: reading feeds, times, the feed doctor, the routing timetable."""
