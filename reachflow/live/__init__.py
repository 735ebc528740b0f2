"""Live captions (LIVE_CAPTION, serviceFeature 8): the pure part.

* :mod:`reachflow.live.window`: the event window a task may be served in, and why one cannot be.
* :mod:`reachflow.live.messages`: the caption websocket messages (reach-spec §7 schema).
* :mod:`reachflow.live.recognizer`: streaming recognition, a sliding window over faster-whisper.
"""
