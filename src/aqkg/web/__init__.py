"""aqkg.web."""
