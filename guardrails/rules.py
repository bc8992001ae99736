"""The guardrail lists compiled for matching, and the process-local cache of them.

A `words` pattern is a phrase of steps; each step a set of keys a text word may carry («=форма», «s:основа»,
«p:начало»). A text word's keys are worked out once per rule set and word (cached), so a check costs a few
dictionary lookups per word. The first step of every phrase is indexed, so only phrases that can start at a
word are tried there.

The compiled set lives in the process. Saving or deleting a category or pattern drops it here and bumps a
version in the shared cache (Redis); other processes compare that version at most every
`LOCAL_CHECK_SECONDS` and recompile when it moved.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from rapidfuzz.distance import OSA

from guardrails.models import WORD_ALTERNATIVE, PatternKind, PatternTarget
from guardrails.normalize import Normalized, Token

logger = logging.getLogger(__name__)

VERSION_KEY = "guardrails:rules-version"
LOCAL_CHECK_SECONDS = 5.0
MAX_GAP = 3  # other words allowed between two words of a phrase
# A word that turns a phrase around when it stands inside it or right before it: «мы не виноваты», «если это
# брак». Single words are found whatever precedes them («я не бот» still mentions a bot).
BREAKERS = frozenset({"не", "ни", "если", "ли", "вдруг"})
TYPO_MIN_STEM = 6  # stems this long also match with one typo (a letter missing, extra, wrong or swapped)

# Russian inflectional endings (nouns, adjectives, verbs, short participles), with the reflexive «-ся/-сь».
_ENDINGS_BASE = (  # noqa: SIM905 (a list of 120 words reads better as text)
    "а я о е у ю ы и ь й ом ем ой ей ою ею ам ям ах ях ами ями ов ев ью ия ие ий ии ию ием иям иями иях ья ье ьи "
    "ьев ьям ьями ьях ый ая яя ое ее ые ого его ому ему ым им ых их ую юю ыми ими ть ти ет ит ут ют ат ят ешь "
    "ишь ете ите ла ло ли л ал ял ил ела ила ило или ало яло али яли ать ять ить еть уть ает яет ают яют "
    "аем яем ует уют уем аю яю ала"
).split()
ENDINGS = frozenset(("", *_ENDINGS_BASE, *(e + "ся" for e in _ENDINGS_BASE), *(e + "сь" for e in _ENDINGS_BASE)))
MAX_ENDING = max(len(e) for e in ENDINGS)


@dataclass(frozen=True)
class CategoryRule:
    code: str
    name: str
    explanation: str
    public_verdict: str
    private_verdict: str
    ignore_if_buyer_used: bool
    allow_in_chats_if_buyer_asked: bool
    allow_in_chats_for_intents: frozenset[str]
    position: int


@dataclass(frozen=True)
class Phrase:
    category: str
    steps: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Hit:
    category: str
    start: int  # in the normalized text
    end: int


@dataclass
class Matcher:
    first: dict[str, list[Phrase]] = field(default_factory=lambda: defaultdict(list))
    exact: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    prefixes: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    # One letter taken out of a long stem → the stems it came from (typo tolerance, as in SymSpell).
    deletes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    regexes: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    _word_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_words(self, category: str, pattern: str) -> None:
        steps = []
        for word in pattern.lower().replace("ё", "е").split():
            keys = set()
            for alternative in word.split("|"):
                match = WORD_ALTERNATIVE.match(alternative)
                if match is None:
                    raise ValueError(alternative)
                exact, body, prefix = match.groups()
                if exact:
                    keys.add("=" + body)
                    self.exact.add(body)
                elif prefix:
                    keys.add("p:" + body)
                    self.prefixes[len(body)].add(body)
                else:
                    keys.add("s:" + body)
                    self.stems.add(body)
                    if len(body) >= TYPO_MIN_STEM:
                        for i in range(len(body)):
                            self.deletes[body[:i] + body[i + 1 :]].add(body)
            steps.append(frozenset(keys))
        if steps:
            phrase = Phrase(category=category, steps=tuple(steps))
            for key in steps[0]:
                self.first[key].append(phrase)

    def add_regex(self, category: str, pattern: str) -> None:
        self.regexes.append((category, re.compile(pattern)))

    def keys_of(self, word: str) -> frozenset[str]:
        keys = self._word_keys.get(word)
        if keys is not None:
            return keys
        found: set[str] = set()
        if word in self.exact:
            found.add("=" + word)
        for length, prefixes in self.prefixes.items():
            if len(word) >= length and word[:length] in prefixes:
                found.add("p:" + word[:length])
        for cut in range(min(MAX_ENDING, len(word) - 1) + 1):
            stem, ending = word[: len(word) - cut], word[len(word) - cut :]
            if ending not in ENDINGS or len(stem) < 2:
                continue
            if stem in self.stems:
                found.add("s:" + stem)
            if len(stem) >= TYPO_MIN_STEM - 1:
                found.update("s:" + s for s in self._near(stem))
        keys = frozenset(found)
        with self._lock:
            if len(self._word_keys) > 100_000:
                self._word_keys.clear()
            self._word_keys[word] = keys
        return keys

    def _near(self, stem: str) -> set[str]:
        """Pattern stems one typo away from this one."""
        candidates = set(self.deletes.get(stem, ()))  # a letter missing from the text
        for i in range(len(stem)):
            shorter = stem[:i] + stem[i + 1 :]
            if shorter in self.stems:
                candidates.add(shorter)  # an extra letter in the text
            candidates.update(self.deletes.get(shorter, ()))  # a wrong or swapped letter
        return {c for c in candidates if c != stem and len(c) >= TYPO_MIN_STEM and OSA.distance(c, stem) <= 1}

    def find(self, normalized: Normalized, words: list[Token]) -> list[Hit]:
        hits: list[Hit] = []
        if self.first:
            keys = [frozenset().union(*(self.keys_of(form) for form in token.forms)) for token in words]
            for i, token_keys in enumerate(keys):
                if not token_keys:
                    continue
                for key in token_keys:
                    for phrase in self.first.get(key, ()):
                        end = self._follow(phrase, words, keys, i)
                        if end is not None:
                            hits.append(Hit(phrase.category, words[i].start, words[end].end))
        for category, regex in self.regexes:
            for match in regex.finditer(normalized.text):
                if match.end() > match.start():
                    hits.append(Hit(category, match.start(), match.end()))
        return hits

    @staticmethod
    def _follow(phrase: Phrase, words: list[Token], keys: list[frozenset[str]], start: int) -> int | None:
        if len(phrase.steps) == 1:
            return start
        if start > 0 and words[start - 1].forms[0] in BREAKERS:
            return None
        position = start
        for step in phrase.steps[1:]:
            for candidate in range(position + 1, min(position + 2 + MAX_GAP, len(words))):
                if keys[candidate] & step:
                    position = candidate
                    break
                if words[candidate].forms[0] in BREAKERS:
                    return None
            else:
                return None
        return position


@dataclass
class RuleSet:
    categories: dict[str, CategoryRule]
    reply: Matcher
    # What shows the buyer raised it themselves: a category's «в сообщении покупателя» patterns, or, when it
    # has none, its reply patterns (the buyer used the same words).
    buyer: Matcher
    version: str = ""


def compile_rules() -> RuleSet:
    from guardrails.models import GuardrailCategory, GuardrailPattern

    categories = {
        c.code: CategoryRule(
            code=c.code,
            name=c.name,
            explanation=c.explanation,
            public_verdict=c.public_verdict,
            private_verdict=c.private_verdict,
            ignore_if_buyer_used=c.ignore_if_buyer_used,
            allow_in_chats_if_buyer_asked=c.allow_in_chats_if_buyer_asked,
            allow_in_chats_for_intents=frozenset(i for i in (c.allow_in_chats_for_intents or []) if isinstance(i, str)),
            position=c.position,
        )
        for c in GuardrailCategory.objects.filter(is_active=True)
    }
    reply, buyer = Matcher(), Matcher()
    patterns = list(
        GuardrailPattern.objects.filter(is_active=True, category__is_active=True)
        .values_list("category__code", "kind", "target", "pattern")
        .order_by("id")
    )
    with_buyer_patterns = {code for code, _, target, _ in patterns if target == PatternTarget.BUYER}
    for code, kind, target, pattern in patterns:
        matchers = []
        if target == PatternTarget.BUYER:
            matchers.append(buyer)
        else:
            matchers.append(reply)
            if code not in with_buyer_patterns:
                matchers.append(buyer)
        for matcher in matchers:
            try:
                if kind == PatternKind.REGEX:
                    matcher.add_regex(code, pattern)
                else:
                    matcher.add_words(code, pattern)
            except (re.error, ValueError):
                # The admin refuses such a pattern; one written around it must not break every check.
                logger.warning("guardrail pattern %r of %s skipped: it does not compile", pattern, code)
    return RuleSet(categories=categories, reply=reply, buyer=buyer)


_state: dict[str, object] = {}
_state_lock = threading.Lock()


def _shared_version() -> str | None:
    try:
        return cache.get(VERSION_KEY)
    except Exception:  # the cache (Redis) is away: recompile on the local clock alone
        return None


def current_rules() -> RuleSet:
    """The compiled lists, recompiled when staff changed them (here at once, elsewhere within seconds)."""
    now = time.monotonic()
    rules = _state.get("rules")
    if isinstance(rules, RuleSet) and now - float(_state.get("checked_at", 0.0)) < LOCAL_CHECK_SECONDS:
        return rules
    with _state_lock:
        rules = _state.get("rules")
        version = _shared_version()
        if not isinstance(rules, RuleSet) or version is None or version != rules.version:
            rules = compile_rules()
            if version is None:
                version = uuid.uuid4().hex
                try:
                    cache.add(VERSION_KEY, version, timeout=None)
                    version = cache.get(VERSION_KEY) or version
                except Exception:
                    logger.info("guardrails: the shared cache is away; rules are recompiled on the local clock")
            rules.version = version
            _state["rules"] = rules
        _state["checked_at"] = now
        return rules


def _bump() -> None:
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("guardrails: could not publish a rules change; other processes recompile on their own clock")


def rules_changed(**kwargs: object) -> None:
    """Signal receiver (a category or pattern saved or deleted): recompile here, tell the other processes."""
    _forget()
    # Again after commit, so a process that recompiled inside the transaction's window sees the committed lists.
    transaction.on_commit(_forget)


def _forget() -> None:
    _state.clear()
    _bump()


def forget_compiled() -> None:
    """Drop this process's compiled lists (tests: the database was rolled back under them)."""
    _state.clear()
