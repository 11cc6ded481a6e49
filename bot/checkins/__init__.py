"""checkins."""
