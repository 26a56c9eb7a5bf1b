"""The live knowledge handle: the one piece of global mutable state, swapped atomically.

A `Knowledge` bundles everything built from `corpus/` and `intents/` (corpus,
lexicon, rules, index). Readers take `live.current` once per message and use
that snapshot throughout, so a reload never shows them a half-swapped state.
"""
from __future__ import annotations

import gc
import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .crisis import CrisisRules
from .intents import Conversation
from .loader import LoadResult, load_corpus, load_files
from .lookup import Lookup
from .matcher import Matcher, Ranker
from .model import Corpus
from .normalize import Lexicon, Normalizer, vocabulary_of
from .offtopic import OffTopic
from .services import Service, ServiceGroups
from .services import services as services_of
from .validate import Problem, format_problems
from .wordlist import frequency
from .yamlio import YamlError

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Knowledge:
    corpus: Corpus
    lexicon: Lexicon
    crisis: CrisisRules
    conversation: Conversation
    lookup: Lookup
    offtopic: OffTopic
    service_groups: ServiceGroups
    normalizer: Normalizer
    matcher: Matcher
    glossary_names: dict[str, str]  # normalised term or alias -> glossary id
    loaded_at: float
    build_seconds: float
    # What channels derive from this snapshot alone (menus, the service list, shown entries).
    # It lives and dies with the snapshot, so a reload can never serve a stale screen.
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """`build()` once per snapshot and key. Only results that exist (not None) are kept,
        so keys taken from user input (button data) cannot grow the memo with misses."""
        found = self.memo.get(key)
        if found is None:
            found = build()
            if found is not None:
                self.memo[key] = found
        return found

    def services(self) -> tuple[Service, ...]:
        """The services behind /roller and the web page's filter, derived once per snapshot."""
        return self.derived("services", lambda: services_of(self.corpus, self.service_groups))


def build(corpus: Corpus, intents_dir: Path, classifier: object = None) -> Knowledge:
    """`classifier`: a fitted classifier's data in place of intents/classifier.json (rank-train's
    new fit, written only once the ranker on top of it is fitted too)."""
    started = time.perf_counter()
    lexicon = Lexicon.load(intents_dir / "lexicon.yaml")
    crisis = CrisisRules.load(intents_dir / "crisis.yaml")
    conversation = Conversation.load(intents_dir / "conversation.yaml")
    lookup = Lookup.load(intents_dir / "lookup.yaml")
    offtopic = OffTopic.load(intents_dir / "offtopic.yaml")
    service_groups = ServiceGroups.load(intents_dir / "services.yaml")
    texts: list[str] = []
    for entry in corpus.entries():
        texts.extend((entry.title, entry.text, entry.plain, *entry.examples, *entry.keywords))
    for term in corpus.glossary:
        texts.extend((term.term, term.definition, *term.aliases))
    normalizer = Normalizer(lexicon, vocabulary_of(texts, lexicon))
    frequency("og")  # load the word list now, not on the first message
    matcher = Matcher(corpus, normalizer, ranker=Ranker.from_data(_json(intents_dir / "ranker.json")),
                      classifier=classifier if classifier is not None else _json(intents_dir / "classifier.json"))
    names = {" ".join(normalizer.words(name)): term.id for term in corpus.glossary
             for name in (term.term, *term.aliases)}
    return Knowledge(corpus, lexicon, crisis, conversation, lookup, offtopic, service_groups, normalizer, matcher,
                     names, time.time(), time.perf_counter() - started)


def _json(path: Path) -> object:
    """A fitted model written by a training command; absent means not fitted (not an error)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


class LiveKnowledge:
    def __init__(self, corpus_dir: Path, intents_dir: Path, *, settle_heap: bool = False) -> None:
        """`settle_heap`: for a long-running bot (see `settle_heap`); tests that build many
        snapshots leave it off, since each settling walks the whole heap once."""
        self.corpus_dir = Path(corpus_dir)
        self.intents_dir = Path(intents_dir)
        self.settle_heap = settle_heap
        self._lock = threading.Lock()  # serialises reloads; readers never take it
        result = load_corpus(self.corpus_dir)
        if not result.ok or result.corpus is None:
            raise CorpusError(result.errors)
        self.current: Knowledge = build(result.corpus, self.intents_dir)
        if settle_heap:
            settle()

    def reload(self, files: dict[str, bytes] | None = None) -> LoadResult:
        """Validate and swap in a new corpus; on any error keep serving the old one."""
        with self._lock:
            result = load_files(files) if files is not None else load_corpus(self.corpus_dir)
            return self._install(result)

    def install(self, result: LoadResult) -> LoadResult:
        """Swap in a corpus the caller has already validated (publish), without checking it twice."""
        with self._lock:
            return self._install(result)

    def _install(self, result: LoadResult) -> LoadResult:
        if not result.ok or result.corpus is None:
            log.warning("corpus reload refused: %d errors; keeping %s", len(result.errors),
                        self.current.corpus.checksum[:12])
            return result
        try:
            knowledge = build(result.corpus, self.intents_dir)
        except (YamlError, KeyError, TypeError, ValueError) as exc:
            log.warning("intents reload refused: %s", exc)
            return LoadResult(None, [Problem("intents", getattr(exc, "line", 0), str(exc))])
        self.current = knowledge  # a single reference assignment: atomic for readers
        if self.settle_heap:
            settle()
        log.info("corpus live: %s", result.corpus.checksum[:12])
        return result


def settle() -> None:
    """Move the snapshot out of the garbage collector's sight.

    The index is hundreds of thousands of long-lived objects. Left in the oldest generation,
    every full collection walks them all, and whichever message triggers it waits ~40 ms (it
    was the worst single message in `ropbot bench`). Frozen, they are still freed by reference
    counting when a reload drops them; the unfreeze and collect first let a dropped snapshot's
    cycles go before the new one is frozen. This runs at start and on reload only."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class CorpusError(Exception):
    def __init__(self, errors: list[Problem]) -> None:
        super().__init__("corpus has errors:\n" + format_problems(errors))
        self.errors = errors
