"""The Telegram channel: turns updates into engine calls and `Reply` values into messages.

Modules: `app` (building and running the Application), `handlers` (thin async
handlers), `views` (plain functions that build screens), `render` (Reply → HTML
chunks and keyboards), `callbacks` (the button data codec), `hooks` (the store
interface), `texts` (user-facing wording), `loadtest` (the benchmark). The /roller
service list is core (`ropbot/services.py`): the web page filters by it too.
"""
