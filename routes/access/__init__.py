"""Accessibility metrics per zone: opportunities, decay, community metrics, equity."""
