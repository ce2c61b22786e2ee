"""aqkg.submissions."""
