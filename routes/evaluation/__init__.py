"""Evaluating proposals: study inputs, scenarios, scorecards and rankings."""
