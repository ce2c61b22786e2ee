"""aqkg.build.pipeline."""
