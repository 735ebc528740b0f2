"""The application shell: the ``reachflow`` CLI, the demo, the job table and review queries.

The only part of ``reachflow/`` that talks to Prefect or imports ``tasks``/``blocks``/``flows``;
the rest of ``reachflow/`` is the pure core.
"""
