// Start the telegram-test-api Bot API emulator for ropbot's end-to-end tests.
// The package has no CLI. Usage: node emulator.js <port> [<parent pid>]  (127.0.0.1 only)
// With a parent pid it exits when that process is gone, so a killed test run leaves nothing behind.
// Prints "listening <port>" once ready; stops cleanly on SIGTERM/SIGINT.
'use strict';
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || process.env.EMULATOR_PORT || 9000);
// Keep stored messages for 10 minutes so long benchmark runs never lose replies to clean-up.
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });

async function stop() {
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const parent = Number(process.argv[3] || 0);
if (parent) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (err) {
      stop();
    }
  }, 1000).unref();
}

server.start().then(() => {
  console.log(`listening ${port}`);
}).catch((err) => {
  console.error(`emulator failed to start: ${err && err.message}`);
  process.exit(1);
});
