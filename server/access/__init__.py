"""Who may see what: every visibility rule, in one package (see rules.py)."""
