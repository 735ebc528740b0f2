"""Captions: cues from timed words, line breaking, formats (SRT, WebVTT, DFXP, TXT), quality."""
