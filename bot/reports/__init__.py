"""What a GP reads about one patient: the follow-up brief (and, later, outcome reports)."""
