"""User-facing wording of the Telegram channel (bokmål), kept in one place so it can be reviewed.

Answers themselves are worded by the core (`compose.py`, `intents/`); these
are the channel's own messages. All strings are plain text: the renderer
escapes them before adding HTML.
"""
from __future__ import annotations

# (command, description) in the order Telegram shows them in the menu.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Hva ropbot kan hjelpe med"),
    ("hjelp", "Slik spør du, med eksempler"),
    ("anbefaling", "Slå opp en anbefaling: /anbefaling 69"),
    ("kapitler", "Bla i retningslinjen etter kapittel"),
    ("roller", "Hva har kommunen, fastlegen, NAV, DPS og TSB ansvar for?"),
    ("parorende", "Svar i enklere språk, for pasienter og pårørende"),
    ("fagperson", "Svar med fagteksten, for ansatte"),
    ("ordliste", "Forklaring av ord og forkortelser: /ordliste DPS"),
    ("om", "Kilden, versjonen og personvern"),
    ("glem", "Slett det ropbot har lagret om deg"),
)

START_HEADING = "ropbot – ROP-retningslinjen"
BROWSE_BUTTON = "Bla i kapitlene"
START_INTRO = (
    "Hei! Jeg er ropbot. Jeg svarer på spørsmål om den nasjonale faglige retningslinjen for "
    "utredning, behandling og oppfølging av personer med samtidig ruslidelse og psykisk lidelse "
    "(ROP-lidelser)."
)
START_WHO = (
    "Jeg er laget for ansatte i helse- og sosialtjenestene, og for pasienter og pårørende. "
    "Skriv spørsmålet ditt med egne ord, slå opp et nummer («anbefaling 69»), eller bruk knappene under."
)
START_NOT_TREATMENT = (
    "ropbot gir informasjon, ikke behandling, og kan ikke vurdere enkeltpersoner. "
    "Er noen i fare, ring 113."
)
START_RELATIVE = "Du får nå svar i enklere språk. Skriv /fagperson for fagteksten."
DEEP_LINK_UNKNOWN = "Lenken du fulgte peker på noe ropbot ikke kjenner lenger. Spør gjerne med egne ord."

HELP_HEADING = "Slik spør du ropbot"
HELP_BODY = (
    "Skriv spørsmålet med egne ord, gjerne som du ville spurt en kollega. Nevn gjerne tjenesten "
    "(fastlegen, NAV, DPS, TSB, kommunen) eller temaet (bolig, kartlegging, innleggelse)."
)
HELP_EXAMPLES_HEADING = "Eksempler:"
HELP_COMMANDS_HEADING = "Kommandoer:"
HELP_GROUPS = "I grupper svarer jeg bare på kommandoer og når noen nevner meg (@{bot})."
HELP_INLINE = "Du kan også skrive @{bot} og et spørsmål i en hvilken som helst chat."

NUMBER_USAGE = "Skriv nummeret på anbefalingen, for eksempel /anbefaling 69. Retningslinjen har anbefalingene 1–{total}."

CHAPTER_BACK = "« Alle kapitler"
CHAPTER_BACK_TO = "« Kapittel {number}"
SERVICES_BACK = "« Alle tjenester"
SECTION_ROLE_BUTTON = "Roller og ansvar {section}"
CHAPTERS_PICK = "Velg et kapittel."
UNPLACED_BUTTON = "Uten plassering ({count})"
UNPLACED_HEADING = "Anbefalinger ropbot ikke har plassert i et kapittel"
UNPLACED_BODY = "Velg et nummer. Teksten til noen av dem er ikke skrevet inn i ropbot ennå."
ROLES_BUTTON = "Roller og ansvar"
ROLES_HEADING = "Roller og ansvar"
ROLES_BODY = "Velg en tjeneste for å se hva retningslinjen sier om ansvaret den har."
SERVICE_SECTIONS = "Dette sier retningslinjen om ansvaret (kapittel 8):"
SERVICE_MENTIONS = "Retningslinjen nevner dette ansvaret i:"

WEB_MENU_BUTTON = "Retningslinjen"
WEB_APP_BUTTON = "Åpne i appen"
WEB_LINK_BUTTON = "Åpne nettsiden"

GLOSSARY_HEADING = "Ordliste"
GLOSSARY_BODY = "Skriv /ordliste og ordet, for eksempel /ordliste DPS. Ordene ropbot forklarer:"
GLOSSARY_NOT_FOUND = "Fant ikke «{term}» i ordlisten."
GLOSSARY_SUGGEST = "Mente du et av disse ordene?"
GLOSSARY_BUTTON = "Ordliste"

ABOUT_HEADING = "Om ropbot"
ABOUT_SOURCE = "Kilde: {title} ({is_number}), {publisher}."
ABOUT_SOURCE_LINK = "Retningslinjen hos Helsebiblioteket"
ABOUT_RETOLD = (
    "ropbot gjenforteller retningslinjen med egne ord og lenker alltid til den offisielle teksten. "
    "ropbot er ikke laget av Helsedirektoratet."
)
ABOUT_VERSION = "Innholdsversjon: {version} ({written} av {total} anbefalinger skrevet inn, lastet {loaded})."
ABOUT_NOT_TREATMENT = "ropbot gir informasjon, ikke behandling. Er noen i fare, ring 113."
PRIVACY_FALLBACK = (
    "Personvern: ropbot lagrer så lite som mulig. Skriv /glem for å slette det som er lagret om deg."
)

FORGET_ASK = (
    "Vil du slette alt ropbot har lagret om deg: spørsmålene dine, tilbakemeldingene dine og "
    "om du er fagperson eller pårørende? Dette kan ikke angres."
)
FORGET_YES = "Ja, slett"
FORGET_NO = "Avbryt"
FORGET_DONE = ("Ferdig. Spørsmålene dine, tilbakemeldingene dine og valget ditt av fagperson eller pårørende er "
               "slettet ({count} oppføringer). Har du vært administrator, beholdes loggen over endringer du har "
               "gjort i innholdet, med en kode i stedet for Telegram-id-en din, fordi den viser hvem som endret hva.")
FORGET_NOTHING = "Ferdig. ropbot hadde ikke lagret noe om deg."
FORGET_CANCELLED = "Greit, ingenting er slettet."
FORGET_FAILED = "Beklager, slettingen gikk ikke. Prøv igjen om litt."

AUDIENCE_STAFF_BUTTON = "Jeg er fagperson"
AUDIENCE_RELATIVE_BUTTON = "Jeg er pasient eller pårørende"

FEEDBACK_UP = "👍"
FEEDBACK_DOWN = "👎"
FEEDBACK_THANKS_UP = "Takk for tilbakemeldingen!"
FEEDBACK_THANKS_DOWN = "Takk! Prøv gjerne å spørre med andre ord, eller bla i /kapitler."

EXPIRED = "Denne knappen er utgått. Spør gjerne på nytt, eller skriv /kapitler for å bla."
UNKNOWN_COMMAND = "Den kommandoen kjenner jeg ikke. Skriv /hjelp for å se hva jeg kan."
NON_TEXT = (
    "Jeg kan bare lese tekst. Skriv spørsmålet ditt med ord, eller skriv /hjelp for eksempler."
)
ERROR = "Beklager, noe gikk galt hos meg. Prøv igjen om litt."
SLOW_DOWN = ("Du sender mange meldinger på kort tid, så jeg tar en liten pause med å svare. Send spørsmålet "
             "igjen om noen sekunder. Er noen i fare nå, ring 113.")

INLINE_EMPTY_BUTTON = "Spør ropbot i en privat chat"
INLINE_NO_ANSWER_BUTTON = "Fant ikke noe svar – spør ropbot direkte"
INLINE_CRISIS_TITLE = "Er noen i fare nå? Ring 113"
