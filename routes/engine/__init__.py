"""The built-in walk + public-transport routing engine (range-RAPTOR)."""
