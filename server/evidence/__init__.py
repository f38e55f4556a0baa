"""Evidence packages: what a completed job proves, built once its media are in."""
