// Start the telegram-test-api Bot API emulator for ropbot's end-to-end tests.
// The package has no CLI. Usage: node emulator.js <port> [<parent pid>]  (127.0.0.1 only)
// With a parent pid it exits when that process is gone, so a killed test run leaves nothing behind.
// Prints "listening <port>" once ready; stops cleanly on SIGTERM/SIGINT.
//
// The package has no sendPhoto or sendMediaGroup, so this file adds them (photos only, PNG
// only, as ropbot's /stats sends them), plus getFile and the file download URL so a test can
// fetch the uploaded bytes back. Each photo becomes a bot message in the emulator's own store
// (so the test client's /getUpdates and /getUpdatesHistory see it), with a `ropbot_upload`
// field holding what the emulator read from the upload: bytes, PNG width and height, sha256.
'use strict';
const crypto = require('crypto');
const zlib = require('zlib');
const TelegramServer = require('telegram-test-api');

// express as telegram-test-api itself resolves it: no dependency of our own to keep in step.
const express = require(require.resolve('express', { paths: [require.resolve('telegram-test-api')] }));

const port = Number(process.argv[2] || process.env.EMULATOR_PORT || 9000);
const storeSeconds = 600;
// Keep stored messages for 10 minutes so long benchmark runs never lose replies to clean-up.
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: storeSeconds });

// --- photos: sendPhoto, sendMediaGroup, getFile -------------------------------------------------

// What getMe answers in the package; Telegram puts the bot in `from` of every message it sends.
const BOT = { id: 666, is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
const MAX_UPLOAD = 50 * 1024 * 1024; // Telegram's limit for a multipart upload
const MAX_PHOTO = 10 * 1024 * 1024; // and for one photo
const MAX_CAPTION = 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

class BadRequest extends Error {}

// file_id -> { token, data, facts, time }: what getFile and the download URL serve.
const uploads = new Map();
let fileCount = 0;
let groupCount = 0;

function forgetOldUploads() {
  const oldest = Date.now() - storeSeconds * 1000;
  for (const [id, upload] of uploads) {
    if (upload.time < oldest) uploads.delete(id);
  }
}

// One `name="value"` parameter of a header such as Content-Disposition; quoted or bare.
function headerParam(header, name) {
  const pattern = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const match = pattern.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

// multipart/form-data (RFC 7578) from the raw body: text fields as strings, file parts as bytes.
// Parts are cut at "CRLF--boundary", which by the RFC cannot occur inside a part.
function parseMultipart(body, contentType) {
  const boundary = headerParam(`;${contentType.split(';').slice(1).join(';')}`, 'boundary');
  if (!boundary) throw new BadRequest('multipart body without a boundary');
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may open the body with no CRLF before it; one prepended makes all alike.
  const data = Buffer.concat([Buffer.from('\r\n'), body]);
  const fields = {};
  const files = {};
  let at = data.indexOf(delimiter);
  if (at < 0) throw new BadRequest('multipart body without its boundary');
  for (;;) {
    at += delimiter.length;
    if (data.toString('latin1', at, at + 2) === '--') return { fields, files }; // the close delimiter
    const lineEnd = data.indexOf('\r\n', at);
    const headersEnd = lineEnd < 0 ? -1 : data.indexOf('\r\n\r\n', lineEnd);
    if (headersEnd < 0) throw new BadRequest('multipart part without headers');
    const next = data.indexOf(delimiter, headersEnd + 4);
    if (next < 0) throw new BadRequest('multipart body is truncated');
    const headers = {};
    for (const line of data.toString('utf8', lineEnd + 2, headersEnd).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers['content-disposition'] || '';
    const name = headerParam(disposition, 'name');
    if (!name) throw new BadRequest('multipart part without a name');
    const content = data.subarray(headersEnd + 4, next);
    const filename = headerParam(disposition, 'filename');
    if (filename !== undefined) {
      files[name] = { filename, type: headers['content-type'] || '', data: Buffer.from(content) };
    } else {
      fields[name] = content.toString('utf8');
    }
    at = next;
  }
}

// Width and height from the PNG's IHDR chunk (the first chunk, CRC checked), or null.
function pngSize(data) {
  if (data.length < 33 || !data.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  if (data.readUInt32BE(8) !== 13 || data.toString('latin1', 12, 16) !== 'IHDR') return null;
  if (typeof zlib.crc32 === 'function' && zlib.crc32(data.subarray(12, 29)) !== data.readUInt32BE(29)) return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

// Store one uploaded photo; its PhotoSize and the facts a test checks.
function keepUpload(token, upload) {
  const { data } = upload;
  if (data.length === 0) throw new BadRequest('file must be non-empty');
  if (data.length > MAX_PHOTO) throw new BadRequest('PHOTO_TOO_BIG (over 10 MB)');
  const size = pngSize(data);
  if (!size) throw new BadRequest('IMAGE_PROCESS_FAILED (this emulator reads PNG photos only)');
  if (size.width + size.height > 10000 || Math.max(size.width, size.height) > 20 * Math.min(size.width, size.height)) {
    throw new BadRequest('PHOTO_INVALID_DIMENSIONS');
  }
  const sha256 = crypto.createHash('sha256').update(data).digest('hex');
  fileCount += 1;
  const fileId = `ropbot-photo-${fileCount}-${sha256.slice(0, 16)}`;
  const photo = { file_id: fileId, file_unique_id: sha256.slice(0, 16), width: size.width, height: size.height,
    file_size: data.length };
  const facts = { filename: upload.filename, bytes: data.length, width: size.width, height: size.height, sha256 };
  forgetOldUploads();
  uploads.set(fileId, { token, data, photo, facts, time: Date.now() });
  return { photo, facts };
}

// A photo given as a file part ("attach://name" or the field itself) or as a file_id sent before.
function resolvePhoto(token, value, files, field) {
  if (typeof value === 'string' && value.startsWith('attach://')) {
    const file = files[value.slice('attach://'.length)];
    if (!file) throw new BadRequest(`no file part named ${value.slice('attach://'.length)} for ${field}`);
    return keepUpload(token, file);
  }
  if (value === undefined && files[field]) return keepUpload(token, files[field]);
  const known = typeof value === 'string' ? uploads.get(value) : undefined;
  if (known && known.token === token) return { photo: known.photo, facts: known.facts };
  if (typeof value === 'string' && /^https?:\/\//i.test(value)) {
    throw new BadRequest('this emulator cannot fetch photos by URL; upload the bytes');
  }
  throw new BadRequest(`wrong file identifier/HTTP URL specified for ${field}`);
}

function chatId(fields) {
  const text = String(fields.chat_id === undefined ? '' : fields.chat_id).trim();
  if (!/^-?\d+$/.test(text)) throw new BadRequest('chat not found (this emulator takes numeric chat ids)');
  return text;
}

function caption(item) {
  if (item.caption === undefined || item.caption === null) return undefined;
  const text = String(item.caption);
  if ([...text].length > MAX_CAPTION) throw new BadRequest('message caption is too long');
  return text;
}

// Add a photo as a bot message in the package's store and answer with a Telegram Message.
// `shown` goes into both; `kept` (e.g. parse_mode, which Telegram applies and does not echo) only
// into the stored message, as the package keeps whatever sendMessage was given.
function addPhotoMessage(token, chat, uploaded, shown, kept = {}) {
  const fields = defined({ photo: [uploaded.photo], ...shown });
  const stored = server.addBotMessage({ chat_id: chat, ...fields, ...defined(kept), ropbot_upload: uploaded.facts },
    token);
  const id = Number(chat);
  return { message_id: stored.message_id, from: BOT, date: Math.floor(stored.date / 1000),
    chat: id > 0 ? { id, type: 'private', first_name: 'Bot' } : { id, type: 'group', title: 'Group' }, ...fields };
}

function defined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

// The request's fields and file parts, whether it came as multipart, JSON or urlencoded.
function requestParts(req) {
  if (Buffer.isBuffer(req.body)) return parseMultipart(req.body, req.headers['content-type'] || '');
  return { fields: req.body || {}, files: {} };
}

function jsonField(fields, name) {
  const value = fields[name];
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new BadRequest(`can't parse ${name} JSON object`);
  }
}

function sendMediaGroup(req) {
  const token = req.params.token;
  const { fields, files } = requestParts(req);
  const chat = chatId(fields);
  const media = jsonField(fields, 'media');
  if (!Array.isArray(media) || media.length < 2 || media.length > 10) {
    throw new BadRequest('media must be an array of 2 to 10 items');
  }
  // Check every item before storing any, so a bad album leaves no half of it behind.
  const items = media.map((item, i) => {
    if (!item || item.type !== 'photo') throw new BadRequest(`media #${i + 1}: this emulator takes photos only`);
    return { uploaded: resolvePhoto(token, item.media, files, `media #${i + 1}`), caption: caption(item),
      parse_mode: item.parse_mode };
  });
  groupCount += 1;
  const group = String(13000000000000000 + groupCount);
  return items.map((item) => addPhotoMessage(token, chat, item.uploaded, { media_group_id: group, caption: item.caption },
    { parse_mode: item.caption ? item.parse_mode : undefined }));
}

function sendPhoto(req) {
  const token = req.params.token;
  const { fields, files } = requestParts(req);
  const chat = chatId(fields);
  const uploaded = resolvePhoto(token, fields.photo, files, 'photo');
  const text = caption(fields);
  let markup = jsonField(fields, 'reply_markup');
  if (!(markup && markup.inline_keyboard)) markup = undefined;
  return addPhotoMessage(token, chat, uploaded, { caption: text, reply_markup: markup },
    { parse_mode: text ? fields.parse_mode : undefined });
}

function getFile(req) {
  const { fields } = requestParts(req);
  const upload = uploads.get(String(fields.file_id || ''));
  if (!upload || upload.token !== req.params.token) throw new BadRequest('invalid file_id');
  const { file_id: fileId, file_unique_id: uniqueId, file_size: size } = upload.photo;
  return { file_id: fileId, file_unique_id: uniqueId, file_size: size, file_path: `photos/${fileId}.png` };
}

// Telegram's error shape, so python-telegram-bot raises BadRequest with the description.
function answer(method) {
  return (req, res) => {
    let result;
    try {
      result = method(req);
    } catch (err) {
      if (!(err instanceof BadRequest)) console.error(`emulator: ${req.path}: ${err && err.stack}`);
      const code = err instanceof BadRequest ? 400 : 500;
      res.status(code).json({ ok: false, error_code: code,
        description: code === 400 ? `Bad Request: ${err.message}` : `Internal Server Error: ${err.message}` });
      return;
    }
    res.json({ ok: true, result });
  };
}

// The package registers its routes in its constructor and ends with a catch-all for unknown
// methods, a "Route not found" fallback and an error handler, so a route added to its app later
// is never reached. Its start() serves whatever `webServer` is then, so a front app with the new
// routes takes that place and passes everything else on to the package's app unchanged. (Moving
// layers in express's private _router.stack would also work, but breaks with express 5.)
const front = express();
const body = [
  express.raw({ type: 'multipart/form-data', limit: MAX_UPLOAD }),
  express.json({ limit: MAX_UPLOAD }),
  express.urlencoded({ extended: true, limit: MAX_UPLOAD }),
];
front.post('/bot:token/sendMediaGroup', body, answer(sendMediaGroup));
front.post('/bot:token/sendPhoto', body, answer(sendPhoto));
front.post('/bot:token/getFile', body, answer(getFile));
front.get('/file/bot:token/photos/:name', (req, res) => {
  const upload = uploads.get(req.params.name.replace(/\.png$/, ''));
  if (!upload || upload.token !== req.params.token) {
    res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' });
    return;
  }
  res.type('image/png').send(upload.data);
});
// A body too large or malformed for the parsers above: answer as Telegram would, not with HTML.
front.use(['/bot:token/sendMediaGroup', '/bot:token/sendPhoto', '/bot:token/getFile'], (err, req, res, next) => {
  const code = err.status === 413 ? 413 : 400;
  res.status(code).json({ ok: false, error_code: code,
    description: code === 413 ? 'Request Entity Too Large' : `Bad Request: ${err.message}` });
});
front.use(server.webServer);
server.webServer = front;

// --- start and stop -----------------------------------------------------------------------------

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
