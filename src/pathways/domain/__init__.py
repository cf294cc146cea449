"""The domain: events, timelines, rules. Imports nothing from infrastructure."""
