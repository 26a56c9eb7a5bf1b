"""The services behind /roller and the web page's service filter, derived from the corpus
roles' `responsible` fields.

Why derived and not hard-coded: the corpus is edited by people who do not
touch code; when a role section names a new service it should show up in
/roller without a release. intents/services.yaml only groups synonyms
(sosialtjenesten belongs with kommunen) and gives names and order; any
value it does not know becomes a service of its own.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .model import Corpus, Role
from .yamlio import load_file


@dataclass(frozen=True)
class ServiceGroup:
    slug: str
    name: str
    term_id: str | None
    values: tuple[str, ...]      # responsible values (lower case) that belong here
    mentions: tuple[str, ...] = ()  # words that place a role here when its text mentions them


@dataclass(frozen=True)
class ServiceGroups:
    """Which `responsible` values are one service, in the order the list shows them
    (intents/services.yaml: service synonyms are language data)."""

    groups: tuple[ServiceGroup, ...] = ()
    everyone: tuple[str, ...] = ()  # values meaning every service («alle tjenesteytere»)

    @classmethod
    def load(cls, path: Path) -> ServiceGroups:
        data = load_file(path, f"intents/{path.name}") or {}
        lower = lambda values: tuple(str(v).strip().lower() for v in values or ())  # noqa: E731
        return cls(tuple(ServiceGroup(str(g["slug"]), str(g["name"]), g.get("term"), lower(g.get("values")),
                                      lower(g.get("mentions"))) for g in data.get("groups") or ()),
                   lower(data.get("everyone")))


@dataclass(frozen=True)
class Service:
    slug: str
    name: str
    term_id: str | None
    roles: tuple[Role, ...]      # sections that name this service as responsible
    mentioned: tuple[Role, ...]  # sections that only mention it in their text


def services(corpus: Corpus, known: ServiceGroups) -> tuple[Service, ...]:
    """Services that have at least one role section, known groups first, in a stable order."""
    by_value = {v: g for g in known.groups for v in g.values}
    named: dict[str, list[Role]] = {g.slug: [] for g in known.groups}
    extra: dict[str, tuple[str, list[Role]]] = {}
    everyone: list[Role] = []
    for role in corpus.roles:
        for value in role.responsible:
            key = value.strip().lower()
            if key in known.everyone:
                everyone.append(role)
                continue
            group = by_value.get(key)
            if group is not None:
                _add(named[group.slug], role)
            else:
                slug = slugify(value)
                extra.setdefault(slug, (value.strip()[:1].upper() + value.strip()[1:], []))
                _add(extra[slug][1], role)
    out: list[Service] = []
    for group in known.groups:
        roles = named[group.slug]
        mentioned = [r for r in corpus.roles if r not in roles and _mentions(r, group.mentions)]
        if not roles and not mentioned:
            continue
        for role in everyone:
            if roles:
                _add(roles, role)
        out.append(Service(group.slug, group.name, group.term_id, _ordered(roles), _ordered(mentioned)))
    for slug in sorted(extra):
        name, roles = extra[slug]
        out.append(Service(slug, name, None, _ordered(roles), ()))
    return tuple(out)


def slugify(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value.lower().replace("ø", "o").replace("æ", "ae"))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    return (re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-") or "tjeneste")[:24]


def _add(roles: list[Role], role: Role) -> None:
    if role not in roles:
        roles.append(role)


def _ordered(roles: list[Role]) -> tuple[Role, ...]:
    return tuple(sorted(roles, key=lambda r: tuple(int(p) for p in r.section.split(".") if p.isdigit())))


def _mentions(role: Role, words: tuple[str, ...]) -> bool:
    if not words:
        return False
    haystack = " ".join((role.title, role.text, role.plain, *role.points)).lower()
    return any(w in haystack for w in words)
