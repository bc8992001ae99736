"""Russian nouns after a number: «1 правило», «2 правила», «5 правил».

Russian picks one of three forms by the number's last digits: one (1, 21, 101; not 11), few (2–4, 22–24;
not 12–14) and many (0, 5–20, 25–30, 111). Adjectives agree with the noun, so a phrase carries all three
forms whole: («просроченное обращение», «просроченных обращения», «просроченных обращений»). The forms are
nominative; a sentence that needs another case passes that case's three forms."""

from __future__ import annotations

# (one, few, many): «правило SLA», «правила SLA», «правил SLA».
PluralForms = tuple[str, str, str]


def plural_index(n: int) -> int:
    """0 for one, 1 for few, 2 for many."""
    n = abs(int(n))
    last, last_two = n % 10, n % 100
    if last == 1 and last_two != 11:
        return 0
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return 1
    return 2


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    """The form that goes after n: ru_plural(5, "правило", "правила", "правил") == "правил"."""
    return (one, few, many)[plural_index(n)]


def count_label(n: int, forms: PluralForms) -> str:
    """The number and its noun: count_label(6, ("правило SLA", "правила SLA", "правил SLA")) == "6 правил SLA"."""
    return f"{n} {ru_plural(n, *forms)}"
