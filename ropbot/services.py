"""The services behind /roller and the web page's service filter, derived from the corpus
roles' `responsible` fields.

Why derived and not hard-coded: the corpus is edited by people who do not
touch code; when a role section names a new service it should show up in
/roller without a release. The table below only groups synonyms
(sosialtjenesten belongs with kommunen) and gives names and order; any
value it does not know becomes a service of its own.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .model import Corpus, Role

EVERYONE = ("alle tjenesteytere", "alle tjenester", "alle")


@dataclass(frozen=True)
class ServiceGroup:
    slug: str
    name: str
    term_id: str | None
    values: tuple[str, ...]      # responsible values (lower case) that belong here
    mentions: tuple[str, ...] = ()  # words that place a role here when its text mentions them


GROUPS: tuple[ServiceGroup, ...] = (
    ServiceGroup("kommunen", "Kommunen", "G-kommunehelsetjenesten",
                 ("kommunen", "kommune", "kommunene", "helse- og omsorgstjenesten", "sosialtjenesten",
                  "primærhelsetjenesten", "kommunehelsetjenesten", "boligsosialt arbeid", "helsetjenesten",
                  "koordinerende enhet", "legevakt", "legevakten")),
    ServiceGroup("fastlegen", "Fastlegen", "G-fastlege", ("fastlegen", "fastlege", "fastleger")),
    ServiceGroup("nav", "NAV", "G-nav", ("nav",)),
    ServiceGroup("dps", "DPS og psykisk helsevern", "G-dps",
                 ("dps", "psykisk helsevern", "distriktspsykiatrisk senter")),
    ServiceGroup("tsb", "TSB (rusbehandling i spesialisthelsetjenesten)", "G-tsb",
                 ("tsb", "tverrfaglig spesialisert behandling", "tverrfaglig spesialisert rusbehandling")),
    ServiceGroup("hf", "Helseforetakene og spesialisthelsetjenesten", "G-helseforetak",
                 ("helseforetakene", "helseforetak", "spesialisthelsetjenesten")),
    ServiceGroup("krim", "Kriminalomsorgen og fengselshelsetjenesten", "G-kriminalomsorgen",
                 ("kriminalomsorgen", "kriminalomsorg", "fengselshelsetjenesten"),
                 mentions=("fengsel", "kriminalomsorg", "soning", "innsatt")),
)


@dataclass(frozen=True)
class Service:
    slug: str
    name: str
    term_id: str | None
    roles: tuple[Role, ...]      # sections that name this service as responsible
    mentioned: tuple[Role, ...]  # sections that only mention it in their text


def services(corpus: Corpus) -> tuple[Service, ...]:
    """Services that have at least one role section, known groups first, in a stable order."""
    by_value = {v: g for g in GROUPS for v in g.values}
    named: dict[str, list[Role]] = {g.slug: [] for g in GROUPS}
    extra: dict[str, tuple[str, list[Role]]] = {}
    everyone: list[Role] = []
    for role in corpus.roles:
        for value in role.responsible:
            key = value.strip().lower()
            if key in EVERYONE:
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
    for group in GROUPS:
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


def service(corpus: Corpus, slug: str) -> Service | None:
    return next((s for s in services(corpus) if s.slug == slug), None)


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
