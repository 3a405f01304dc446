"""skillmatch: link (micro)credentials to the ESCO skills taxonomy.

This service uses the ESCO classification of the European Commission.
"""

__version__ = "0.1.0"
