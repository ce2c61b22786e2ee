"""aqkg.sparql."""
