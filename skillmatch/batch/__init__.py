"""Batch jobs beyond one process: mapping files of texts, re-mapping a catalogue and ranking
candidates over shards, in this process or on a Ray cluster (``pip install 'skillmatch[distributed]'``).

``lines`` reads the inputs, ``mapping`` maps lines with one matcher as ``skillmatch map-skills``
does, ``shards`` plans a job's output shards and writes them, ``job`` runs a job here or on Ray,
``cluster`` connects to Ray, ``remap`` re-maps a catalogue on Ray and ``ranking`` ranks candidates
over an index held in shards by actors. Ray is imported only where a job runs on it.
"""
