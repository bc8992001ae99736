"""Text as the guardrails read it: evasions undone, every position traceable to the original.

`normalize` folds case, ё/е, compatibility forms (NFKC), drops zero-width and combining characters and
squeezes a letter repeated three times or more («боооот»). Each character of the result remembers the
index of the original character it came from, so a match is reported as the seller typed it.

`tokens` splits that text into words. A word mixing Cyrillic with Latin look-alikes or digits («6oт»,
«нeйpoсеть») gets a Cyrillic reading as well; runs of single letters («б о т», «т.е.л.е.г.р.а.м») are read
as one more word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Latin letters and digits that pass for Cyrillic ones in a word that also holds Cyrillic letters; a word
# of look-alikes only («BOT» → «вот», «cpok» → «срок») is read both ways.
LOOKALIKES = str.maketrans("aeopcxykmtbhun0360", "аеорсхукмтвнипозбо")
_LOOKALIKE_CHARS = frozenset("aeopcxykmtbhun")
_DROP = frozenset("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d\u206e\u206f\ufeff")  # fmt: skip

_WORD = re.compile(r"[a-zа-я0-9]+")
_CYR = re.compile(r"[а-я]")
_LAT = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")
# A run of single letters, each followed by a space, a dot or a dash («б о т», «б.о.т», «б-о-т»).
_SPACED = re.compile(r"(?<![a-zа-я0-9])(?:[a-zа-я0-9][\s.\-_*·,]{1,3}){2,}[a-zа-я0-9](?![a-zа-я0-9])")

_TRIPLE = re.compile(r"([a-zа-я])\1\1")

_char_cache: dict[str, str] = {}


def _squeeze(out: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    """«боооот» → «бот»: no Russian word has one letter three times in a row; a double one stays."""
    kept_out: list[str] = []
    kept_origin: list[int] = []
    i = 0
    while i < len(out):
        j = i
        while j + 1 < len(out) and out[j + 1] == out[i]:
            j += 1
        if j - i >= 2 and out[i].isalpha():
            kept_out.append(out[i])
            kept_origin.append(origin[i])
        else:
            kept_out.extend(out[i : j + 1])
            kept_origin.extend(origin[i : j + 1])
        i = j + 1
    return kept_out, kept_origin


def _fold(char: str) -> str:
    folded = _char_cache.get(char)
    if folded is None:
        if char in _DROP or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            folded = ""
        else:
            folded = unicodedata.normalize("NFKC", char).lower().replace("ё", "е")
        if len(_char_cache) < 20000:
            _char_cache[char] = folded
    return folded


@dataclass(frozen=True)
class Normalized:
    text: str
    # origin[i]: the index in the original text of the character text[i] came from.
    origin: tuple[int, ...]
    original: str

    def fragment(self, start: int, end: int) -> str:
        """The original text behind text[start:end]."""
        if start >= end:
            return ""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def normalize(text: str) -> Normalized:
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = char if char.isascii() and not char.isupper() else _fold(char)
        for piece in folded:
            out.append(piece)
            origin.append(index)
    if _TRIPLE.search("".join(out)):
        out, origin = _squeeze(out, origin)
    return Normalized(text="".join(out), origin=tuple(origin), original=text)


@dataclass(frozen=True)
class Token:
    forms: tuple[str, ...]  # the word, and its Cyrillic reading when it has one
    start: int  # in the normalized text
    end: int


def _readings(word: str) -> tuple[str, ...]:
    if not _LAT.search(word) and not (_DIGIT.search(word) and _CYR.search(word)):
        return (word,)
    if _CYR.search(word) or set(word) <= _LOOKALIKE_CHARS | set("0369"):
        cyrillic = word.translate(LOOKALIKES)
        if cyrillic != word:
            return (word, cyrillic)
    return (word,)


# One-letter Russian words that a spaced-out word may follow: «пишите в т е л е г р а м».
_ONE_LETTER_WORDS = frozenset("вскуоиая")


def _run_tokens(match: re.Match[str]) -> list[Token]:
    letters = list(_WORD.finditer(match.group()))
    joined = "".join(m.group() for m in letters)
    if letters[0].group() in _ONE_LETTER_WORDS and len(letters) > 3:
        # «в т е л е г р а м»: the preposition, then the word (also read with it: «в к о н т а к т е»).
        first, second = letters[0], letters[1]
        return [
            Token((first.group(),), match.start() + first.start(), match.start() + first.end()),
            Token((*_readings(joined[1:]), *_readings(joined)), match.start() + second.start(), match.end()),
        ]
    return [Token(_readings(joined), match.start(), match.end())]


def tokens(normalized: Normalized) -> list[Token]:
    text = normalized.text
    found = [Token(_readings(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]
    spaced = [token for m in _SPACED.finditer(text) if len(m.group()) <= 80 for token in _run_tokens(m)]
    if not spaced:
        return found
    # The joined word takes the place of its letters, so a phrase can run through it.
    merged: list[Token] = []
    runs = iter(spaced)
    run = next(runs, None)
    for token in found:
        while run is not None and run.end <= token.start:
            merged.append(run)
            run = next(runs, None)
        if run is not None and run.start <= token.start < run.end:
            continue
        merged.append(token)
    while run is not None:
        merged.append(run)
        run = next(runs, None)
    return merged
