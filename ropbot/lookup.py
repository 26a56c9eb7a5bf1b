"""Number and section lookups, as people type them: «anbef. 12», «rec 31», «A13», «nr 9, 10 og 11»,
«den tolvte anbefalingen», «kapittel 7.8.1», «punkt 8.1». Language data: intents/lookup.yaml.

Why a small tokenizer instead of one regular expression: several numbers in one message,
misspelt keywords and number words all need the same walk over the words, and a pattern that
covers them all could not be read or extended by an admin.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from .yamlio import load_file

_TOKEN = re.compile(r"\b[a-z]\d{1,3}\b|\d+(?:\.\d+)+\.?|\d+\.?|[a-zæøå]+\.?|[#&,+–-]")
_SECTION = re.compile(r"^\d+(?:\.\d+)+$")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,3})\.(?!\d|\s+[A-ZÆØÅ])")
MAX_SUBSECTION = 20  # «8.3.14» is a section asked for; «8.3.24» or «1.1.2025» is a date
MAX_NUMBERS = 10  # a list longer than this is not a lookup someone typed on purpose
# «hva står i kapittel 7?» asks for a chapter: the number comes last, in a short message;
# «vi leste kap 2 i går» does not.
MAX_CHAPTER_TOKENS = 6
MAX_TOKENS = 200  # a lookup stands near the start; a 4,096-character message is not read to the end


@dataclass(frozen=True)
class Found:
    numbers: tuple[int, ...] = ()
    sections: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.numbers or self.sections)


@dataclass(frozen=True)
class Lookup:
    recommendation_words: frozenset[str]
    fuzzy_words: tuple[str, ...]
    prefixes: frozenset[str]
    section_words: frozenset[str]
    joiners: frozenset[str]
    ranges: frozenset[str]
    number_words: Mapping[str, int]  # cardinals and ordinals («tolv», «tolvte»)
    tens: Mapping[str, int]
    markers: frozenset[str] = frozenset()  # «nr», «nummer»: a number follows
    chapter_words: frozenset[str] = frozenset()  # «kapittel 7»: a whole chapter
    stems: tuple[str, ...] = ()  # «anbefalelse 26»: a word that starts so, with a number right after it
    verbs: frozenset[str] = frozenset()  # «kan du anbefale 2 bøker»: a stem's verbs announce nothing
    fillers: frozenset[str] = frozenset()  # «12, 13 og 31 takk»: words a bare list of numbers may carry
    tens_ordinal: frozenset[str] = frozenset()  # «førti|ende»: what makes a tens word an ordinal
    ordinal_suffixes: frozenset[str] = frozenset()  # «25th», «12te»: what makes digits an ordinal
    ordinal_words: frozenset[str] = frozenset()  # «tolvte», «first»: a number word that ranks, not counts
    articles: frozenset[str] = frozenset()  # «den første og den andre anbefalingen»: words an ordinal list may carry
    first_words: frozenset[str] = frozenset()  # «de tre første anbefalingene»: the first N
    continuers: frozenset[str] = frozenset()  # «anbefaling 86, men hva med 87 og 88?»: more numbers follow
    range_phrases: tuple[tuple[str, ...], ...] = ()  # «31 til og med 34»: read as the range word «til»
    plurals: frozenset[str] = frozenset()  # «andre anbefalinger» is «other», not «the second»
    ambiguous: frozenset[str] = frozenset()  # «en gang til», «to reduce»: number words that must end a list
    units: frozenset[str] = frozenset()  # «7.5 mg»: a number with a unit is a dose, not a section
    glossary_question: re.Pattern[str] = re.compile(r"(?!)")  # «hva er X?»: group 1 is the term

    @cached_property
    def _tens_starts(self) -> tuple[str, ...]:
        return tuple(self.tens)

    @cached_property
    def _fuzzy_starts(self) -> frozenset[str]:
        return frozenset(word[:1] for word in self.fuzzy_words)

    @cached_property
    def _phrase_starts(self) -> frozenset[str]:
        return frozenset(p[0] for p in self.range_phrases)

    @cached_property
    def _fuzzy_forms(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each fuzzy word with the inflections a misspelling is measured against: the listed
        recommendation words that start as it does and are no shorter."""
        return tuple((word, tuple(f for f in sorted(self.recommendation_words) if f.startswith(word[:3]) and len(f) >= len(word)))
                     for word in self.fuzzy_words)

    @classmethod
    def load(cls, path: Path) -> Lookup:
        data = load_file(path, f"intents/{path.name}")
        def words(key: str) -> frozenset[str]:
            items = data.get(key) or ()
            for w in items:
                if w is None:
                    raise ValueError(f"intents/{path.name}: {key}: a bare null was read as nothing; write 'null' in quotes")
                # YAML 1.1 reads a bare «no», «on» or «off» as a boolean: the word would silently be «false».
                if isinstance(w, bool):
                    raise ValueError(f"intents/{path.name}: {key}: {str(w).lower()!r} was read as a YAML boolean; "
                                     "write the word in quotes ('no')")
            return frozenset(str(w).lower() for w in items)

        def words_map(key: str) -> dict[str, int]:
            words(key)  # the keys, checked as a list's words are
            return {str(k).lower(): int(v) for k, v in (data.get(key) or {}).items()}

        fuzzy = data["fuzzy_word"]
        return cls(words("recommendation"), tuple(str(w).lower() for w in (fuzzy if isinstance(fuzzy, list) else [fuzzy])),
                   words("prefixes"),
                   words("section"), words("joiners"), words("ranges"),
                   {**words_map("numbers"), **words_map("ordinals")}, words_map("tens"),
                   words("markers"), words("chapter"), tuple(sorted(words("stems"))), words("verbs"), words("fillers"),
                   words("tens_ordinal"), words("ordinal_suffixes"), words("ordinals"),
                   words("articles"), words("first_words"),
                   words("continuers"), tuple(tuple(p.split()) for p in sorted(words("range_phrases"), key=len, reverse=True)),
                   words("plurals"), words("ambiguous"), words("units"),
                   re.compile(str(data.get("glossary_question") or "(?!)")))

    def find(self, text: str, known_sections: frozenset[str] | set[str] = frozenset(),
             whole: bool = True) -> Found:
        """Numbers and sections a message asks for. `whole`: the message may be only a number («69»)."""
        raw = _TOKEN.findall(text.lower())
        # «den 12. anbefalingen»: digits with a dot are an ordinal, unless the dot ends a sentence
        # («Vi var 5. Anbefalingen fra legen …»).
        dotted = frozenset(_DOTTED.findall(text[:MAX_TOKENS * 20]))
        tokens = [t.rstrip(".") for t in raw]
        tokens = self._join_phrases(self._join_ordinals([t for t in tokens if t][:MAX_TOKENS]))
        numbers: list[int] = []
        sections: list[str] = []
        if whole and (bare := self._bare_numbers(tokens)):
            return Found(bare)
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if _SECTION.match(tok):
                announced = i > 0 and self._is_section_word(tokens[i - 1])
                # «8.3.14» when 8.3 exists: a section asked for, told honestly that it does not
                # exist. Not «0.5» or «1.5» (an unknown two-level number may be a dose), nor a
                # date («8.3.2024», «7.4.24»).
                parent, last = tok.rsplit(".", 1)
                sub = tok.count(".") >= 2 and parent in known_sections and len(last) <= 2 and int(last) <= MAX_SUBSECTION
                dose = i + 1 < len(tokens) and tokens[i + 1] in self.units
                if (tok in known_sections or announced or sub) and not (dose and not announced):
                    sections.append(tok)
                    i += 1
                    i = self._more_sections(tokens, i, sections, known_sections)
                    continue
            if tok.isdigit() and len(tok) <= 3 and i > 0 and i == len(tokens) - 1 \
                    and len(tokens) <= MAX_CHAPTER_TOKENS and self._is_section_word(tokens[i - 1], self.chapter_words):
                sections.append(tok)  # «kapittel 7», «hva står i kap. 8?»: a whole chapter, asked for last
                i += 1
                continue
            prefixed = self._prefixed(tok)
            chain = self._ordinal_chain(tokens, i, dotted)
            if prefixed is not None:
                numbers.append(prefixed)
            elif chain is not None:
                numbers.extend(chain[0])  # «den første og den andre anbefalingen», «de tre første anbefalingene»
                i = chain[1]
                continue
            elif numbers and tok.isdigit() and len(tok) <= 3 and i > 0 and tokens[i - 1] in self.continuers:
                # «anbefaling 86, men hva med 87 og 88?»: more numbers, if the list ends the clause
                # («hva med 17 og 18 åringer?», «om 2-3 uker» count something).
                more: list[int] = []
                end = self._numbers_after(tokens, i, more)
                if end >= len(tokens) or tokens[end] in self.fillers or self._is_keyword(tokens[end]):
                    numbers.extend(more)
                i = max(end, i + 1)
                continue
            elif self._is_keyword(tok) or tok == "#" or \
                    (tok.startswith(self.stems) and tok not in self.verbs and i + 1 < len(tokens) and tokens[i + 1].isdigit()):
                i = self._numbers_after(tokens, i + 1, numbers)
                continue
            i += 1
        return Found(tuple(dict.fromkeys(numbers))[:MAX_NUMBERS], tuple(dict.fromkeys(sections))[:MAX_NUMBERS])

    def _ordinal_chain(self, tokens: list[str], i: int, dotted: frozenset[str]) -> tuple[list[int], int] | None:
        """Ordinals joined by «og», «and» or commas (each may carry «den», «the») and then a
        recommendation word: «den tolvte anbefalingen», «den 12. og 13. anbefalingen», «the 30th
        and 31st recommendations». A cardinal next to a first-word asks for the first N: «de tre
        første anbefalingene», «the first three recommendations». Returns the numbers and where
        the walk stopped (after the recommendation word)."""
        tok = tokens[i]
        if not (tok in self.number_words or tok in self.first_words or tok.isdigit() or tok.startswith(self._tens_starts)):
            return None  # most words of a story: a few set lookups
        found: list[int] = []
        first_n: int | None = None
        j = i
        while j < len(tokens):
            tok = tokens[j]
            if tok in self.first_words and j + 1 < len(tokens) and (n := self._number(tokens[j + 1])) is not None \
                    and self._is_keyword(tokens[j + 2] if j + 2 < len(tokens) else ""):
                first_n, j = n, j + 2  # «the first three recommendations»
                break
            if (n := self._number(tok)) is not None and j + 1 < len(tokens) and tokens[j + 1] in self.first_words:
                first_n, j = n, j + 2  # «de tre første anbefalingene»
                break
            value, width = self._ordinal(tokens, j, dotted)
            if value is None:
                return None
            found.append(value)
            j += width
            if j < len(tokens) and tokens[j] in self.joiners:
                j += 1
                while j < len(tokens) and tokens[j] in self.articles:
                    j += 1
                continue
            break
        if j >= len(tokens) or not self._is_keyword(tokens[j]) or tokens[j] in self.markers:
            return None
        if first_n is not None:
            if found:
                return None
            return list(range(1, min(first_n, MAX_NUMBERS) + 1)), j + 1  # «de 0 første»: none
        # One ordinal is «the second» only after an article or first in the message, and before
        # one recommendation: «andre anbefalinger» and «a second recommendation» mean «other».
        if len(found) == 1 and (tokens[j] in self.plurals or (i > 0 and tokens[i - 1] not in self.articles)):
            return None
        return found, j + 1

    def _ordinal(self, tokens: list[str], j: int, dotted: frozenset[str]) -> tuple[int | None, int]:
        """The ordinal at j and how many tokens it takes: a number word («tolvte»), digits with a
        dot («12.») or with a suffix («25th», «12te»). Bare digits are no ordinal here: «12
        anbefalinger» counts them."""
        tok = tokens[j]
        if tok.isdigit():
            if j + 1 < len(tokens) and tokens[j + 1] in self.ordinal_suffixes:
                return int(tok[:40]), 2
            return (int(tok[:40]), 1) if tok in dotted else (None, 1)
        value = self._number(tok)
        if value is None or tok in self.ordinal_words or tok not in self.number_words and tok.endswith(tuple(self.tens_ordinal)):
            return value, 1
        tail = next((tok[len(w):] for w in self.tens if tok.startswith(w)), "")
        return (value, 1) if tail in self.ordinal_words else (None, 1)  # «førtitredje», not «tolv» or «en»

    def _join_phrases(self, tokens: list[str]) -> list[str]:
        """«til og med», «t.o.m.», «through»: one range word."""
        if not self.range_phrases or self._phrase_starts.isdisjoint(tokens):
            return tokens
        joined = f" {' '.join(tokens)} "
        if not any(f" {' '.join(phrase)} " in joined for phrase in self.range_phrases):
            return tokens  # «til» alone is in most Norwegian stories
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for phrase in self.range_phrases:
                if tuple(tokens[i:i + len(phrase)]) == phrase:
                    out.append("til")
                    i += len(phrase)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _join_ordinals(self, tokens: list[str]) -> list[str]:
        """«førti-tredje», «tjue-en»: one number word, as «førtitredje» is."""
        if "-" not in tokens and "–" not in tokens:
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            if i + 2 < len(tokens) and tokens[i] in self.tens and tokens[i + 1] in ("-", "–") \
                    and tokens[i + 2] in self.number_words:
                out.append(tokens[i] + tokens[i + 2])
                i += 3
                continue
            out.append(tokens[i])
            i += 1
        return out

    def _bare_numbers(self, tokens: list[str]) -> tuple[int, ...]:
        """A message that is only numbers («69», «12, 13 og 31 takk», «5-7 pls»): each is a
        recommendation asked for. Any other word makes it prose («vi er 3 og 4 år»)."""
        content = [t for t in tokens if t not in self.fillers]
        if not content or not content[0].isdigit() or len(content[0]) > 3 or \
                not all((t.isdigit() and len(t) <= 3) or t in self.joiners or t in self.ranges for t in content):
            return ()
        numbers: list[int] = []
        if self._numbers_after(content, 0, numbers) < len(content):
            return ()
        return tuple(dict.fromkeys(numbers))[:MAX_NUMBERS]

    def _more_sections(self, tokens: list[str], i: int, sections: list[str], known: frozenset[str] | set[str]) -> int:
        while i + 1 < len(tokens) and tokens[i] in self.joiners and _SECTION.match(tokens[i + 1]):
            sections.append(tokens[i + 1])
            i += 2
        return i

    def _numbers_after(self, tokens: list[str], i: int, numbers: list[int]) -> int:
        while i < len(tokens) and (tokens[i] in self.markers or tokens[i] == "#" or tokens[i] in self.recommendation_words):
            i += 1
        if i + 1 < len(tokens) and tokens[i] in ("-", "–") and tokens[i + 1].isdigit():
            numbers.append(-int(tokens[i + 1][:40]))  # «anbefaling -1»: asked for, and does not exist
            return i + 2
        if i >= len(tokens):
            return i
        first = self._number(tokens[i])
        if first is None:
            return i
        if tokens[i] in self.ambiguous and i + 1 < len(tokens) and not (
                tokens[i + 1] in self.joiners or tokens[i + 1] in self.ranges or tokens[i + 1] in self.fillers):
            return i  # «anbefalingen en gang til», «a recommendation to reduce»
        numbers.append(first)
        i += 1
        while i < len(tokens):
            if tokens[i].isdigit() and len(tokens[i]) <= 3:
                numbers.append(int(tokens[i]))  # «anbefaling 14 15 16»: a list without commas
                i += 1
                continue
            if i + 1 >= len(tokens):
                break
            sep, nxt = tokens[i], self._number(tokens[i + 1])
            if nxt is None or not (sep in self.joiners or sep in self.ranges):
                break
            if sep in self.ranges and numbers[-1] < nxt <= numbers[-1] + MAX_NUMBERS:
                numbers.extend(range(numbers[-1] + 1, nxt + 1))
            else:
                numbers.append(nxt)
            i += 2
        return i

    def _is_keyword(self, tok: str) -> bool:
        if tok in self.recommendation_words:
            return True
        if tok[:1] not in self._fuzzy_starts or len(tok) < 6:
            return False  # most words: one set lookup
        # Two typos against a word or one of its inflections («anbefallingen», «anbefaing»,
        # «recomendation», «annbefaling», «ambefaling»), for words that begin with its letter.
        return any(len(tok) >= len(word) - 2 and tok[0] == word[0]
                   and any(Levenshtein.distance(tok, form, score_cutoff=2) <= 2 for form in forms)
                   for word, forms in self._fuzzy_forms)

    def _is_section_word(self, tok: str, words: frozenset[str] | None = None) -> bool:
        """A section word or its abbreviation as listed (intents/lookup.yaml: «avsn», «kap»,
        «seksj»), or one typo in a word of six letters or more («kapitel»). Not any prefix: «under»
        begins «underkapittel», and «under 0.5 promille» is no lookup."""
        words = self.section_words if words is None else words
        if tok in words:
            return True
        return len(tok) >= 6 and any(Levenshtein.distance(tok, word, score_cutoff=1) <= 1 for word in words)

    def _prefixed(self, tok: str) -> int | None:
        if len(tok) >= 2 and tok[0] in self.prefixes and tok[1:].isdigit() and len(tok) <= 3:
            return int(tok[1:])
        return None

    def _number(self, tok: str) -> int | None:
        if tok.isdigit():
            return int(tok[:40])  # any number is looked up; one that does not exist is told so
        if tok in self.number_words:
            return self.number_words[tok]
        if not tok.startswith(self._tens_starts):  # most words of a story: one call in C
            return None
        for word, tens in self.tens.items():
            if tok.startswith(word):
                rest = tok[len(word):]
                if not rest or rest in self.tens_ordinal:
                    return tens  # «førti», «førtiende»
                unit = self.number_words.get(rest)
                if unit is not None and 0 < unit < 10:
                    return tens + unit
        return None
