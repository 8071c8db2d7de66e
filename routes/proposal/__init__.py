"""Proposals: the model, loading and validation, stops and schedules, costing, GTFS export."""
