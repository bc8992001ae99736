"""How likely two interactions of one shop come from one buyer: pure scoring, no ORM.

PRODUCT_RULES (linking): the same buyer id is strong; the same product within 45 days is required for a
suggestion; name similarity, time closeness and text overlap are weak hints. A suggestion carries a
score in 0..1 and the reasons a seller reads, in Russian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

LINK_WINDOW = timedelta(days=45)
SUGGEST_MIN_SCORE = 0.55  # the product and the time alone never suffice: a name or the words must hint too

PRODUCT_WEIGHT = 0.3
SAME_NAME_WEIGHT = 0.4
SIMILAR_NAME_WEIGHT = 0.3
OTHER_NAME_PENALTY = 0.4
TIME_WEIGHT = 0.2
TEXT_WEIGHT = 0.2
TEXT_FULL_AT_WORDS = 3
NAME_SIMILAR_RATIO = 80  # rapidfuzz ratio: "наталья"/"наталия" 86, "сергей"/"сергеи" 83, "сергей"/"анна" 0

# What marketplaces put where a buyer hid their name: no hint at all.
NAME_PLACEHOLDERS = frozenset({"покупатель", "пользователь", "клиент", "аноним", "анонимный", "гость", "user"})

# Common Russian first names and the short forms buyers sign with («Сергей» writes a chat as «Серёжа»).
# Keys and values are normalized (lowercase, ё → е). A short form may belong to several names.
NAME_FORMS: dict[str, tuple[str, ...]] = {
    "александр": ("саша", "саня", "шура", "санек", "алекс"),
    "александра": ("саша", "шура"),
    "алексей": ("леша", "алеша", "леха"),
    "анастасия": ("настя", "настена"),
    "анна": ("аня", "анечка", "анька", "анюта"),
    "андрей": ("андрюша",),
    "валентина": ("валя",),
    "виктор": ("витя",),
    "виктория": ("вика",),
    "владимир": ("вова", "володя"),
    "владислав": ("влад", "владик"),
    "вячеслав": ("слава",),
    "галина": ("галя",),
    "дарья": ("даша",),
    "дмитрий": ("дима", "митя"),
    "евгений": ("женя",),
    "евгения": ("женя",),
    "екатерина": ("катя", "катюша"),
    "елена": ("лена", "леночка"),
    "елизавета": ("лиза",),
    "иван": ("ваня",),
    "ирина": ("ира", "иришка"),
    "константин": ("костя",),
    "ксения": ("ксюша",),
    "людмила": ("люда", "люся"),
    "маргарита": ("рита",),
    "мария": ("маша", "маруся"),
    "михаил": ("миша",),
    "наталья": ("наташа",),
    "николай": ("коля",),
    "ольга": ("оля",),
    "павел": ("паша",),
    "полина": ("поля",),
    "светлана": ("света",),
    "сергей": ("сережа", "серега"),
    "софья": ("соня",),
    "станислав": ("стас", "слава"),
    "татьяна": ("таня",),
    "юлия": ("юля",),
    "юрий": ("юра",),
    "ярослав": ("слава",),
}
_FULL_NAMES: dict[str, set[str]] = {}
for _full, _forms in NAME_FORMS.items():
    for _form in (_full, *_forms):
        _FULL_NAMES.setdefault(_form, set()).add(_full)

# Words that say nothing about who wrote (greetings, the marketplace's own vocabulary); compared by stem.
STOP_WORDS = frozenset(
    (
        "здравствуйте",
        "добрый",
        "доброе",
        "день",
        "вечер",
        "утро",
        "спасибо",
        "пожалуйста",
        "подскажите",
        "скажите",
        "можно",
        "нужно",
        "очень",
        "этот",
        "этого",
        "этой",
        "было",
        "были",
        "будет",
        "есть",
        "если",
        "только",
        "меня",
        "мной",
        "вас",
        "вам",
        "ваш",
        "ваша",
        "ваши",
        "хочу",
        "хотела",
        "хотел",
        "просто",
        "когда",
        "какой",
        "какая",
        "какие",
        "почему",
        "тоже",
        "также",
        "вообще",
        "всего",
        "всех",
        "свой",
        "своя",
        "товар",
        "заказ",
        "продавец",
        "магазин",
        "отзыв",
        "вопрос",
    )
)
_WORD = re.compile(r"[a-zа-я0-9]+")
STEM_CHARS = 5
MIN_WORD_CHARS = 4
_STOP_STEMS = frozenset(word[:STEM_CHARS] for word in STOP_WORDS)


@dataclass(frozen=True)
class LinkSide:
    """What one interaction brings to the comparison."""

    id: int
    marketplace: str
    product_id: str
    product_name: str
    started_at: datetime
    last_buyer_at: datetime | None
    name: str
    buyer_text: str
    customer_id: int | None

    @property
    def ended_at(self) -> datetime:
        return max(self.started_at, self.last_buyer_at or self.started_at)


@dataclass(frozen=True)
class Suggestion:
    score: float
    reasons: list[str]


def normalize_name(name: str) -> str:
    """The first word of a buyer's name, lowercased, ё as е; "" for a placeholder."""
    words = _WORD.findall((name or "").lower().replace("ё", "е"))
    first = next((w for w in words if not w.isdigit()), "")
    return "" if first in NAME_PLACEHOLDERS else first


def _name_forms(name: str) -> set[str]:
    return {name, *_FULL_NAMES.get(name, ())}


def names_similar(a: str, b: str) -> bool:
    """Two normalized names that may be one person: a short form of one another, or a typo apart."""
    forms_a, forms_b = _name_forms(a), _name_forms(b)
    if forms_a & forms_b:
        return True
    return any(fuzz.ratio(x, y) >= NAME_SIMILAR_RATIO for x in forms_a for y in forms_b)


def gap_between(a: LinkSide, b: LinkSide) -> timedelta:
    """Time between the two buyers' activity (zero when it overlaps)."""
    return max(timedelta(0), a.started_at - b.ended_at, b.started_at - a.ended_at)


def word_stems(text: str) -> dict[str, str]:
    """Meaningful words by a crude stem (the first letters: «маломерит»/«маломерка»), first spelling kept."""
    stems: dict[str, str] = {}
    for word in _WORD.findall((text or "").lower().replace("ё", "е")):
        stem = word[:STEM_CHARS]
        if len(word) >= MIN_WORD_CHARS and stem not in _STOP_STEMS and not word.isdigit():
            stems.setdefault(stem, word)
    return stems


def is_candidate(a: LinkSide, b: LinkSide) -> bool:
    """The required part: one marketplace, one product, within 45 days, and no two different buyer ids."""
    if a.id == b.id or a.marketplace != b.marketplace or not a.product_id or a.product_id != b.product_id:
        return False
    if a.customer_id is not None and b.customer_id is not None and a.customer_id != b.customer_id:
        return False  # two stable ids: two people, whatever the names say
    return gap_between(a, b) <= LINK_WINDOW


def _days(days: int) -> str:
    if days % 10 == 1 and days % 100 != 11:
        word = "день"
    elif days % 10 in (2, 3, 4) and days % 100 not in (12, 13, 14):
        word = "дня"
    else:
        word = "дней"
    return f"{days} {word}"


def suggest(a: LinkSide, b: LinkSide) -> Suggestion | None:
    """The score and reasons of a possible link, or None when the pair is no candidate at all."""
    if not is_candidate(a, b):
        return None
    score = PRODUCT_WEIGHT
    reasons = ["тот же товар"]

    name_a, name_b = normalize_name(a.name), normalize_name(b.name)
    if name_a and name_b:
        if name_a == name_b:
            score += SAME_NAME_WEIGHT
            reasons.append(f"то же имя: {a.name}")
        elif names_similar(name_a, name_b):
            score += SIMILAR_NAME_WEIGHT
            reasons.append(f"похожее имя: {a.name} / {b.name}")
        else:
            score -= OTHER_NAME_PENALTY
            reasons.append(f"разные имена: {a.name} / {b.name}")

    gap = gap_between(a, b)
    score += TIME_WEIGHT * (1 - gap / LINK_WINDOW)
    reasons.append("в один день" if gap < timedelta(days=1) else f"{_days(gap.days)} между сообщениями")

    product_words = set(word_stems(a.product_name)) | set(word_stems(b.product_name))
    stems_b = word_stems(b.buyer_text)
    shared = [word for stem, word in word_stems(a.buyer_text).items() if stem in stems_b and stem not in product_words]
    if shared:
        score += TEXT_WEIGHT * min(1.0, len(shared) / TEXT_FULL_AT_WORDS)
        reasons.append("общие слова: " + ", ".join(shared[:TEXT_FULL_AT_WORDS]))

    return Suggestion(score=round(min(1.0, max(0.0, score)), 2), reasons=reasons)
