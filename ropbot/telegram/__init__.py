"""The Telegram channel: turns updates into engine calls and `Reply` values into messages.

Modules: `app` (building and running the Application), `handlers` (thin async
handlers), `context` (the typed handler context), `views` (plain functions that build
screens), `render` (Reply → HTML chunks and keyboards), `callbacks` (the button data
codec), `hooks` (the store interface), `texts` (user-facing wording), `admin` (admin
commands and the store's wiring), `testing` (the test backend: offline Bot API, fake
bot, update builders, memory recorder). Its load benchmark is `ropbot/bench/telegram.py`. The /roller
service list is core (`ropbot/services.py`): the web page filters by it too.
"""
