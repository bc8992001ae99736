"""Text normalization and feature extraction, shared by training and inference.

One function, `extract`, turns (kind, rating, text) into three groups of raw counts: word stems (with
bigrams and marker tokens), character n-grams of each word, and meta features (kind, stars, lexicon
cues). Training (`ai.offline.train`) and the analyzer call the same code, so what was learnt is what
is looked up.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

import snowballstemmer

CHAR_NGRAMS = (2, 5)  # inclusive range of character n-gram lengths, taken inside each padded word

# Latin letters that look like Cyrillic ones; folded only inside words that also hold Cyrillic letters
# («пpишлo» typed with a Latin p and o), so «iphone» or «xl» stay Latin.
_LOOKALIKES = str.maketrans("aeopcxykmtbhu", "аеорсхукмтвни")
_CYR = re.compile(r"[а-я]")
_LAT = re.compile(r"[a-z]")

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:ru|com|рф|net|org|info|shop|site|me)\b(?:/\S*)?")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_HANDLE = re.compile(r"(?<!\w)@\w{3,}")
_PHONE = re.compile(r"(?:\+7|\b8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b")
_SMILE_POS = re.compile(r"(?::-?\)|\){2,}|;\)|:d\b|\bxd\b)")
_SMILE_NEG = re.compile(r"(?::-?\(|\({2,})")
_EXCL = re.compile(r"!{2,}")
_QMARK = re.compile(r"\?+")
_REPEATS = re.compile(r"([а-яa-z])\1{2,}")
_TOKEN = re.compile(r"_[a-z]+_|[а-яa-z]+|\d+")
_DIGIT = re.compile(r"\d")
_CAPS_WORD = re.compile(r"\b[А-ЯЁA-Z]{4,}\b")

# Emoji mapped to sentiment markers; any other pictograph becomes a neutral marker.
_EMOJI_POS = set("😀😃😄😁😆😊☺🙂😉😍🥰😘😻💖💗💓💕💞❤♥💚💙💜🧡🤍👍👌🔥💯🙏🎉✨⭐🌟💪🤗😇🥳👏💐🌹🤩😋😎✅🚀⚡💣")
_EMOJI_NEG = set("😡🤬😠😤👎😢😭😞😔☹🙁😒😩😫🤮🤢💩😱😨😰😖😣😓❌🙄😑😐🤦😬💔")
_PICTO = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")

_stemmer = snowballstemmer.stemmer("russian")
_stems: dict[str, str] = {}
_words: dict[str, tuple[str, tuple[str, ...]]] = {}

# Lexicon cues, matched on the normalized text. They become meta features the model weighs, and the
# priority rules read them directly (legal threats, health harm, wrong or missing items).
CUES: dict[str, re.Pattern[str]] = {
    "legal": re.compile(
        # A claim only when it is a formal one: «претензии к упаковке» or «претензий нет» are not.
        r"\bсуд\b|\bсуда\b|\bсуде\b|судом|судебн|роспотребнадзор|\bюрист|адвокат|прокуратур|"
        r"(?:письменн|официальн|подам|подаю|отправлю|напишу|составлю|направлю|готовлю|готовит)\w* претензи|"
        r"защите прав потребител|\bзозпп\b|заявлени[ея] в полици"
    ),
    "health": re.compile(
        r"аллерг|\bожог|обжег|травм|\bсып[ьи]|покраснел|жжени|\bзуд|чешется|чесотк|отравил|отравлен|поранил|порезал|"
        r"ударил[оа]? током|бьет током|кровь|в кровь|задыха|астм|волосы выпада|выпадают волосы"
    ),
    "wrong_item": re.compile(
        r"\bне (?:тот|ту|та|то|те|мой|мою|моя|мое|мои|ту модель|тот товар)\b|другой товар|другую модель|другая модель|"
        r"друг(?:ой|ую|ое|ая) (?:цвет|размер|вещь|артикул)|перепутал|\bвместо\b|чуж(?:ой|ую|ая|ое|ие|им)\b|"
        r"совершенно друг|совсем друг|вообще друг|не соответствует (?:фото|описани|заказ)"
    ),
    "missing": re.compile(
        r"не хватает|не хватало|недоложил|недовлож|не положили|нет в комплекте|пуст(?:ая|ую) (?:коробк|упаковк)|"
        r"пришл[оа] (?:только )?\d+ из \d+|\bпол(?:овины|овину) нет|не было (?:в комплекте|обещанн)|комплект неполн"
    ),
    "return": re.compile(r"возврат|вернут|верните|вернуть|вернул|обмен|поменять на|сдать обратно|сдала|деньги"),
    "delivery": re.compile(r"доставк|доставл|курьер|пункт выдачи|\bпвз\b|привез|довез|везли|трек|посылк"),
    "order": re.compile(r"заказ|отправ|отгруз|собира|сборк|статус|отмен"),
    "size": re.compile(r"размер|маломер|большемер|велик|мал[аоы]?\b|тесн|узк|длинн|коротк|\bв груди|в плечах|в поясе"),
    "defect": re.compile(
        r"брак|сломал|слома|порвал|порва|треснул|трещин|не работает|не включается|не заряжа|перестал|отклеил|"
        r"отвалил|протека|теч[её]т|дырк|дыр[аыу]\b|пятн|разбит|скол|вмятин|искрит|задымил|дымит|расползл|разош[её]л|"
        r"разошлась|лопнул|не горит|не держит заряд|не реагирует"
    ),
    "thanks": re.compile(r"спасиб|благодар|\bспс\b|рекоменд|довол|понравил|восторг|отличн|супер|класс"),
    "question": re.compile(r"_q_|подскажите|\bли\b|сколько|как(?:ой|ая|ое|ие|ого|ую)?\b|есть ли|можно ли"),
}


@dataclass(frozen=True)
class Features:
    """Raw feature counts of one text, by group, plus what the rules need."""

    words: dict[str, int]
    chars: dict[str, int]
    meta: dict[str, float]
    cues: frozenset[str]
    normalized: str
    tokens: list[str] = field(default_factory=list)


def stem(word: str) -> str:
    cached = _stems.get(word)
    if cached is None:
        cached = _stemmer.stemWord(word) if _CYR.search(word) else word
        if len(_stems) < 200_000:
            _stems[word] = cached
    return cached


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if _CYR.search(word) and _LAT.search(word):
        return word.translate(_LOOKALIKES)
    return word


def _emoji(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _EMOJI_POS:
        return " _emopos_ "
    if ch in _EMOJI_NEG:
        return " _emoneg_ "
    return " _emo_ "


_EMOJI = re.compile("[" + re.escape("".join(sorted(_EMOJI_POS | _EMOJI_NEG))) + _PICTO.pattern[1:-1] + "]")
_LATIN_WORD = re.compile(r"[a-zа-я]*[a-z][a-zа-я]*")


def normalize(text: str) -> str:
    """Lowercase, ё→е, Latin look-alikes folded, runs of a letter squashed, emoji and links as markers."""
    shouting = len(text) > 8 and (text.isupper() or len(_CAPS_WORD.findall(text)) >= 2)
    t = text.lower().replace("ё", "е")
    # Each pattern only runs when the character it needs is there: most texts have no link or emoji.
    if "." in t or "/" in t:
        t = _URL.sub(" _url_ ", t)
    if "@" in t:
        t = _EMAIL.sub(" _email_ ", t)
        t = _HANDLE.sub(" _handle_ ", t)
    if _DIGIT.search(t):
        t = _PHONE.sub(" _phone_ ", t)
    if "(" in t or ")" in t:
        t = _SMILE_POS.sub(" _emopos_ ", t)
        t = _SMILE_NEG.sub(" _emoneg_ ", t)
    t = _EMOJI.sub(_emoji, t)
    if "!!" in t:
        t = _EXCL.sub(" _excl_ ", t)
    if "?" in t:
        t = _QMARK.sub(" _q_ ", t)
    t = _LATIN_WORD.sub(_fold_word, t)
    t = _REPEATS.sub(r"\1", t)
    if shouting:
        t += " _caps_"
    return " ".join(t.split())


def _word(token: str) -> tuple[str, tuple[str, ...]]:
    """A token's word feature and character n-grams, cached: buyers reuse the same few thousand words."""
    cached = _words.get(token)
    if cached is None:
        if token[0] == "_":
            cached = ("w:" + token, ())
        elif token.isdigit():
            cached = ("w:_num_", ())
        else:
            padded = f" {token} "
            size = len(padded)
            lo, hi = CHAR_NGRAMS
            grams = tuple("c:" + padded[i : i + n] for n in range(lo, min(hi, size) + 1) for i in range(size - n + 1))
            cached = ("w:" + stem(token), grams)
        if len(_words) < 200_000:
            _words[token] = cached
    return cached


def extract(*, kind: str, rating: int | None, text: str) -> Features:
    normalized = normalize(text or "")
    tokens = _TOKEN.findall(normalized)
    parts = [_word(t) for t in tokens]
    stems = [w for w, _ in parts]
    words = Counter(stems)
    words.update(f"b:{a[2:]} {b[2:]}" for a, b in itertools.pairwise(stems))
    chars = Counter(itertools.chain.from_iterable(g for _, g in parts))

    cues = frozenset(name for name, pattern in CUES.items() if pattern.search(normalized))
    meta: dict[str, float] = {"m:kind=" + kind: 1.0}
    letters = sum(1 for t in tokens if t[0] != "_" and not t.isdigit())
    if letters == 0:
        meta["m:noletters"] = 1.0
    elif letters <= 2:
        meta["m:short"] = 1.0
    if kind == "review" and rating is not None:
        meta[f"m:stars={rating}"] = 1.0
        meta["m:stars_low" if rating <= 2 else "m:stars_mid" if rating == 3 else "m:stars_high"] = 1.0
    for cue in cues:
        meta["m:cue=" + cue] = 1.0
    return Features(words=words, chars=chars, meta=meta, cues=cues, normalized=normalized, tokens=tokens)
