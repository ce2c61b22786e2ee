"""aqkg.recognition."""
