"""The transit network: streets, timetable, stop links and transfers, and data checks."""
