"""The core's own Norwegian wording, in one place (the Telegram channel's is telegram/texts.py).

Guideline content lives in corpus/, conversation wording in intents/conversation.yaml; these are
the labels and fixed sentences the engine and compose.py put around them. `{}` fields are filled
with str.format."""
from __future__ import annotations

# Headings and labels of an entry
RECOMMENDATION = "Anbefaling {}"
ROLE = "Roller og ansvar {}"
TERM = "Ordliste: {}"
TOPIC = "For pasienter og pårørende"
CHAPTER = "Kapittel {} {}"
NO_LOCATION = "Plassering i retningslinjen ikke kjent i ropbot"
RESPONSIBLE = "Ansvarlig: "
ALSO_CALLED = "Også kalt: "
OFFICIAL_TEXT = "Les den offisielle teksten"
OFFICIAL_TEXT_SHORT = "Offisiell tekst"
SOURCE = "Kilde"

# Who wrote what
OTHER_SOURCE_CREDIT = "Skrevet med egne ord av ropbot. Den offisielle teksten finner du via lenken."
TERM_CREDIT = "Ordforklaring skrevet av ropbot."
NOT_WRITTEN = ("Teksten til anbefaling {} er ikke skrevet inn i ropbot ennå. "
               "Les den offisielle teksten hos Helsebiblioteket.")
NOT_WRITTEN_SHORT = "ikke skrevet inn ennå"

# Buttons
TO_PRO = "Fagtekst"
TO_PLAIN = "Enklere språk"
WHOLE_SECTION = "Hele {}"
BROWSE_CHAPTERS = "Bla i kapitlene"
BROWSE_CHAPTER = "Bla i kapittel {}"
ROLES = "Roller og ansvar"

# Browsing
SECTION_RECOMMENDATIONS = "Anbefalinger i dette underkapitlet:"
SECTION_EMPTY = "ropbot har ingen anbefalinger fra dette underkapitlet."
CHAPTERS = "Kapitler med anbefalinger"
CHAPTER_LINE = "Kapittel {} {} ({} anbefalinger)"
CHAPTER_HEADING = "Kapittel {} {}"
CHAPTER_SECTIONS = "Underkapitler:"
CHAPTER_DIRECT = "Anbefalinger uten underkapittel:"
CHAPTER_EMPTY = "ropbot har ingen anbefalinger fra dette kapitlet."
CHAPTER_SOURCE = "Les kapitlet hos Helsebiblioteket"
COUNT_ONE = "1 anbefaling"
COUNT_MANY = "{} anbefalinger"
COUNT_ROLES = "roller og ansvar"

# When ropbot is unsure or cannot answer
DID_YOU_MEAN = "Kanskje et av disse?"
EXAMPLES = "Eksempler på spørsmål:"
EMPTY = "Skriv et spørsmål med ord, så skal jeg prøve å svare. Skriv /hjelp for eksempler."
NO_SUCH_NUMBER = "Retningslinjen har anbefalingene 1–{}. Anbefaling {} finnes ikke."
NO_SUCH_SECTION = "Retningslinjen har ikke noe underkapittel {} som ropbot kjenner. Skriv /kapitler for å se kapitlene."
NO_SUCH_CHAPTER = "Retningslinjen har ikke noe kapittel {} som ropbot kjenner. Skriv /kapitler for å se kapitlene."
