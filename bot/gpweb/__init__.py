"""The GP web pages: the brief, acknowledging, recording a follow-up (signed links)."""
