"""The guideline as a web page and Telegram Mini App (issue 15).

`api` turns engine replies and corpus entries into JSON (plain functions), `server` serves them
and the page with tornado, `static/` holds the page itself (HTML, CSS, vanilla JS, no build step).
Like the rest of the core it never imports `telegram`.
"""
