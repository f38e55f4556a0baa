"""Media: content-addressed uploads, Pillow normalization, signatures, safe serving."""
