"""aqkg: the knowledge graph of ASEAN qualifications and their recognition."""

__version__ = "0.1.0"
