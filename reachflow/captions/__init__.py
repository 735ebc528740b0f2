"""Captions: cues from timed words, line breaking, formats (SRT, WebVTT, DFXP, TXT, JSON), profanity,
keywords and quality findings. Pure code: no Prefect, no network.

Modules: ``model`` (Word, NonSpeech, Cue, CaptionStyle), ``segment`` (build_cues, break_lines),
``formats`` (render_* / parse_*, CaptionFormat), ``profanity``, ``quality``, ``keywords``.
"""
