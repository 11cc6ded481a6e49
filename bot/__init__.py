"""Guided self-help CBT chatbot for depression in general practice."""
