/* ropbot's web page: search as you type, an entry view, deep links (/R69, /S8.3.2) and the back button.
 *
 * Every corpus string reaches the page through textContent (never innerHTML), so nothing in the
 * corpus or in a query can become markup. The page keeps nothing about its visitor: no cookies,
 * no storage; the search is in the address only so the back button can return to it.
 *
 * Inside Telegram it is a Mini App without telegram.org's script (the page loads nothing from
 * elsewhere): it uses window.Telegram.WebApp when something provides it, and otherwise reads the
 * theme from the tgWebAppThemeParams launch parameter in the URL fragment and talks to the client
 * through the documented web events (web_app_ready, theme_changed, the back button).
 */
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var STAFF = 'staff', RELATIVE = 'relative';
  var DEBOUNCE_MS = 120;
  var PHONE = /(\b(?:11[0-9](?: \d{3})?|\d{2} \d{2} \d{2} \d{2})\b)/;

  var state = { q: '', chapter: '', service: '', audience: STAFF };
  var timer = 0, seq = 0, controller = null, view = 'pro', returnTo = null;
  var cache = {};  // the last search's results by address, so going back shows them at once

  // --- small DOM helpers: text only, never markup ----------------------------------------

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) if (arguments[i] != null) node.append(arguments[i]);
    return node;
  }

  // Phone numbers in the crisis lines become tel: links (digits only in the href).
  function withPhones(text) {
    var frag = document.createDocumentFragment();
    text.split(PHONE).forEach(function (piece, i) {
      frag.append(i % 2 ? el('a', { href: 'tel:' + piece.replace(/\D/g, ''), text: piece }) : piece);
    });
    return frag;
  }

  function safeUrl(url) { return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null; }

  function outLink(url, text) {
    return el('a', { href: url, rel: 'noopener noreferrer', target: '_blank', text: text });
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  // --- Telegram ----------------------------------------------------------------------------

  var tgApp = window.Telegram && window.Telegram.WebApp;
  var launch = new URLSearchParams(location.hash.slice(1));
  var inTelegram = !!(tgApp || launch.get('tgWebAppVersion') || window.TelegramWebviewProxy || window.parent !== window);
  var THEME = { bg_color: '--bg', text_color: '--text', hint_color: '--hint', link_color: '--link',
                button_color: '--accent', button_text_color: '--accent-text', secondary_bg_color: '--surface' };

  function applyTheme(params) {
    if (!params || typeof params !== 'object') return;
    var root = document.documentElement;
    Object.keys(THEME).forEach(function (key) {
      var value = params[key];
      if (typeof value === 'string' && /^#[0-9a-f]{6}$/i.test(value)) root.style.setProperty(THEME[key], value);
    });
    var bg = params.bg_color;
    if (typeof bg === 'string' && /^#[0-9a-f]{6}$/i.test(bg)) {
      var n = parseInt(bg.slice(1), 16);
      var light = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255) > 140;
      root.setAttribute('data-scheme', light ? 'light' : 'dark');
    }
  }

  function postEvent(type, data) {
    var payload = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, payload);
      else if (window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data || {} }), 'https://web.telegram.org');
      }
    } catch (e) { /* not inside a Telegram client after all */ }
  }

  function onTelegramEvent(type, data) {
    if (type === 'theme_changed' && data) applyTheme(data.theme_params);
    else if (type === 'back_button_pressed') history.back();
  }

  function setupTelegram() {
    if (tgApp) {
      applyTheme(tgApp.themeParams);
      if (tgApp.onEvent) tgApp.onEvent('themeChanged', function () { applyTheme(tgApp.themeParams); });
      if (tgApp.ready) tgApp.ready();
      return;
    }
    var raw = launch.get('tgWebAppThemeParams');
    if (raw) { try { applyTheme(JSON.parse(raw)); } catch (e) { /* a malformed fragment keeps the default colours */ } }
    if (launch.get('tgWebAppData') || launch.get('tgWebAppVersion')) {
      // The fragment also carries who the user is; the page never reads it, so it leaves the address.
      history.replaceState(history.state, '', location.pathname + location.search);
    }
    if (!inTelegram) return;
    window.Telegram = window.Telegram || {};
    window.Telegram.WebView = { receiveEvent: onTelegramEvent };
    window.addEventListener('message', function (event) {
      if (event.origin !== 'https://web.telegram.org' || event.source !== window.parent) return;
      try { var msg = JSON.parse(event.data); onTelegramEvent(msg.eventType, msg.eventData); } catch (e) { /* ignore */ }
    });
    postEvent('web_app_ready');
    postEvent('web_app_request_theme');
  }

  function telegramBackButton(visible) {
    if (!inTelegram) return;
    if (tgApp && tgApp.BackButton) {
      if (visible) tgApp.BackButton.show(); else tgApp.BackButton.hide();
    } else {
      postEvent('web_app_setup_back_button', { is_visible: visible });
    }
  }

  // --- addresses -----------------------------------------------------------------------------

  function searchAddress() {
    var p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.chapter) p.set('kapittel', state.chapter);
    if (state.service) p.set('tjeneste', state.service);
    if (state.audience === RELATIVE) p.set('for', 'parorende');
    var s = p.toString();
    return '/' + (s ? '?' + s : '');
  }

  function entryAddress(id) {
    return '/' + encodeURIComponent(id) + (state.audience === RELATIVE ? '?for=parorende' : '');
  }

  function readAddress() {
    var p = new URLSearchParams(location.search);
    state.audience = p.get('for') === 'parorende' ? RELATIVE : STAFF;
    var id = decodeURIComponent(location.pathname.slice(1));
    if (!id) {
      state.q = p.get('q') || '';
      state.chapter = p.get('kapittel') || '';
      state.service = p.get('tjeneste') || '';
    }
    return id;
  }

  function go(address) {
    history.pushState({ inApp: true }, '', address);
    route();
  }

  // --- search --------------------------------------------------------------------------------

  function syncForm() {
    $('q').value = state.q;
    $('chapter').value = state.chapter;
    $('service').value = state.service;
    if (state.chapter || state.service) $('filters').open = true;
    document.querySelectorAll('input[name="for"]').forEach(function (r) { r.checked = r.value === state.audience; });
  }

  function scheduleSearch(now) {
    clearTimeout(timer);
    timer = setTimeout(runSearch, now ? 0 : DEBOUNCE_MS);
  }

  function runSearch() {
    history.replaceState(history.state, '', searchAddress());
    var key = searchAddress();
    if (cache[key]) { showResults(cache[key]); return; }
    if (!state.q.trim() && !state.chapter && !state.service) { showResults(null); return; }
    var p = new URLSearchParams({ q: state.q, audience: state.audience });
    if (state.chapter) p.set('chapter', state.chapter);
    if (state.service) p.set('service', state.service);
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var mine = ++seq;
    fetch('/api/search?' + p.toString(), { signal: controller ? controller.signal : undefined,
                                           headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        if (mine !== seq) return;
        cache = {};
        cache[key] = data;
        showResults(data);
      })
      .catch(function (e) {
        if (e && e.name === 'AbortError') return;
        if (mine === seq) $('status').textContent = 'Søket virket ikke akkurat nå. Prøv igjen om litt.';
      });
  }

  function showResults(data) {
    var crisis = clear($('crisis')), notice = clear($('notice')), list = clear($('results'));
    var safety = clear($('safety'));
    crisis.hidden = notice.hidden = safety.hidden = true;
    if (!data) { $('status').textContent = ''; return; }
    if (data.crisis && data.crisis.length) {
      var lines = null;
      data.crisis.forEach(function (part) {
        if (part.kind !== 'bullet') lines = null;
        if (part.kind === 'alert') crisis.append(el('h2', null, withPhones(part.text)));
        else if (part.kind !== 'bullet') crisis.append(el('p', null, withPhones(part.text)));
        else {
          if (!lines) { lines = el('ul'); crisis.append(lines); }
          lines.append(el('li', null, withPhones(part.text)));
        }
      });
      crisis.hidden = false;
    }
    if (data.safety) { safety.append(withPhones(data.safety)); safety.hidden = false; }
    if (data.notice && data.notice.length) {
      var bullets = null;
      data.notice.forEach(function (part) {
        if (part.kind === 'bullet') {
          if (!bullets) { bullets = el('ul'); notice.append(bullets); }
          bullets.append(el('li', { text: part.text }));
          return;
        }
        bullets = null;
        var url = safeUrl(part.url);
        if (part.kind === 'source' && url) notice.append(el('p', null, outLink(url, part.text)));
        else notice.append(el('p', { text: part.text }));
      });
      notice.hidden = false;
    }
    var n = data.results.length;
    var status = data.heading ? data.heading + ' ' : '';
    if (n) status += n === 1 ? '1 treff.' : n + ' treff.';
    else if (!data.notice.length && !data.crisis.length) status += 'Ingen treff. Prøv andre ord, eller velg et annet kapittel eller en annen tjeneste.';
    $('status').textContent = status;
    data.results.forEach(function (r) {
      var link = el('a', { href: entryAddress(r.id), 'data-id': r.id },
                    el('span', { 'class': 'label', text: r.label }),
                    el('span', { 'class': 'title', text: r.title }),
                    r.answer ? el('span', { 'class': 'badge', text: 'Beste svar' }) : null);
      var item = el('li', r.answer ? { 'class': 'answer' } : null, link);
      var meta = [];
      if (r.section) meta.push(r.section + ' ' + r.section_title);
      if (r.kind === 'recommendation') meta.push(r.grade ? 'Gradering: ' + r.grade : 'Ikke gradert');
      if (meta.length) item.append(el('p', { 'class': 'meta', text: meta.join(' · ') }));
      if (r.snippet) item.append(el('p', { 'class': 'snippet', text: r.snippet }));
      else if (!r.written) item.append(el('p', { 'class': 'snippet', text: 'Teksten er ikke skrevet inn i ropbot ennå.' }));
      list.append(item);
    });
    if (returnTo) {  // back from an entry: focus stays where the reader left the list
      var back = list.querySelector('a[data-id="' + CSS.escape(returnTo) + '"]');
      returnTo = null;
      if (back) back.focus();
    }
  }

  // --- one entry -----------------------------------------------------------------------------

  function showEntry(id) {
    var article = clear($('entry-view'));
    article.append(backLink());
    var mine = ++seq;
    fetch('/api/entry/' + encodeURIComponent(id), { headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.status === 404) return null;
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (entry) {
        if (mine !== seq) return;
        if (!entry) {
          article.append(el('h1', { id: 'entry-title', tabindex: '-1', text: 'Fant ikke siden' }),
                         el('p', { text: 'Lenken peker på noe ropbot ikke kjenner. Søk gjerne med egne ord.' }));
          document.title = 'Fant ikke siden – ropbot';
        } else {
          view = state.audience === RELATIVE && entry.plain ? 'plain' : 'pro';
          renderEntry(article, entry);
        }
        window.scrollTo(0, 0);
        var h = $('entry-title');
        if (h) h.focus();
      })
      .catch(function () {
        if (mine === seq) article.append(el('p', { text: 'Siden kunne ikke hentes akkurat nå. Prøv igjen om litt.' }));
      });
  }

  // «Back» is the browser's back when the page itself got here, else the way to the search.
  function backLink() {
    var inApp = !!(history.state && history.state.inApp);
    var a = el('a', { href: searchAddress(), 'class': 'back', id: 'back', text: inApp ? '‹ Tilbake' : '‹ Til søket' });
    a.addEventListener('click', function (e) {
      if (e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      if (inApp) history.back(); else go(searchAddress());
    });
    return a;
  }

  function paragraphs(text) {
    var box = el('div', { 'class': 'body', id: 'entry-text' });
    text.split(/\n\s*\n|\n/).forEach(function (p) { if (p.trim()) box.append(el('p', { text: p.trim() })); });
    return box;
  }

  function renderEntry(article, entry) {
    clear(article).append(backLink());
    article.append(el('p', { 'class': 'label', text: entry.label }),
                   el('h1', { id: 'entry-title', tabindex: '-1', text: entry.title }));
    var meta = [];
    if (entry.location) meta.push(entry.location);
    if (entry.kind === 'recommendation') meta.push(entry.grade ? 'Gradering: ' + entry.grade : 'Ikke gradert');
    if (meta.length) article.append(el('p', { 'class': 'meta', id: 'entry-meta', text: meta.join(' · ') }));
    if (entry.responsible.length) article.append(el('p', { 'class': 'meta', text: 'Ansvarlig: ' + entry.responsible.join(', ') }));
    if (entry.aliases.length) article.append(el('p', { 'class': 'meta', text: 'Også kalt: ' + entry.aliases.join(', ') }));
    if (entry.plain && entry.text) {
      var group = el('div', { 'class': 'switch', role: 'group', 'aria-label': 'Språk' });
      [['pro', 'Fagtekst'], ['plain', 'Enklere språk']].forEach(function (pair) {
        var b = el('button', { type: 'button', id: 'view-' + pair[0], 'aria-pressed': String(view === pair[0]), text: pair[1] });
        b.addEventListener('click', function () { view = pair[0]; renderEntry(article, entry); $('view-' + pair[0]).focus(); });
        group.append(b);
      });
      article.append(group);
    }
    article.append(paragraphs(view === 'plain' && entry.plain ? entry.plain : entry.text));
    if (view === 'pro' && entry.points.length) {
      article.append(el('ul', { 'class': 'points' }));
      entry.points.forEach(function (p) { article.lastChild.append(el('li', { text: p })); });
    }
    if (entry.related.length) {
      var list = el('ul', { 'class': 'related' });
      entry.related.forEach(function (r) {
        list.append(el('li', null, el('a', { href: entryAddress(r.id), 'data-id': r.id, text: r.label + ': ' + r.title })));
      });
      article.append(el('h2', { text: 'Se også' }), list);
    }
    var url = safeUrl(entry.source);
    if (url) article.append(el('p', { 'class': 'source' }, outLink(url, 'Les den offisielle teksten')));
    if (entry.credit) article.append(el('p', { 'class': 'credit', text: entry.credit }));
    document.title = entry.label + ': ' + entry.title + ' – ropbot';
  }

  // --- routing -------------------------------------------------------------------------------

  function route() {
    var id = readAddress();
    var onEntry = !!id;
    $('search-view').hidden = onEntry;
    $('entry-view').hidden = !onEntry;
    telegramBackButton(onEntry);
    if (onEntry) { showEntry(id); return; }
    document.title = 'ROP-retningslinjen – ropbot';
    syncForm();
    seq++;  // an entry still loading must not draw over the search
    scheduleSearch(true);
  }

  function onLinkClick(e) {
    var a = e.target.closest && e.target.closest('a[data-id]');
    if (!a || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (!$('search-view').hidden) returnTo = a.getAttribute('data-id');
    go(a.getAttribute('href'));
  }

  function fillSelect(select, items, value, text) {
    items.forEach(function (item) { select.append(el('option', { value: value(item), text: text(item) })); });
  }

  function loadMeta() {
    fetch('/api/meta', { headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (meta) {
        if (!meta) return;
        fillSelect($('chapter'), meta.chapters, function (c) { return c.number; },
                   function (c) { return c.number + ' ' + c.title; });
        fillSelect($('service'), meta.services, function (s) { return s.slug; }, function (s) { return s.name; });
        $('credit').textContent = meta.guideline.credit;
        $('chapter').value = state.chapter;
        $('service').value = state.service;
      })
      .catch(function () { /* the filters stay at «all»; searching still works */ });
  }

  function init() {
    setupTelegram();
    if (window.matchMedia && window.matchMedia('(min-width: 40rem)').matches) $('filters').open = true;
    $('search').addEventListener('submit', function (e) { e.preventDefault(); scheduleSearch(true); });
    $('q').addEventListener('input', function () { state.q = $('q').value; scheduleSearch(false); });
    $('q').addEventListener('keydown', function (e) {
      var first = $('results').querySelector('a');
      if (e.key === 'ArrowDown' && first) { e.preventDefault(); first.focus(); }
    });
    $('chapter').addEventListener('change', function () { state.chapter = this.value; scheduleSearch(true); });
    $('service').addEventListener('change', function () { state.service = this.value; scheduleSearch(true); });
    document.querySelectorAll('input[name="for"]').forEach(function (r) {
      r.addEventListener('change', function () { state.audience = this.value; scheduleSearch(true); });
    });
    $('home').addEventListener('click', function (e) {
      if (e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      state.q = ''; state.chapter = ''; state.service = '';
      go(searchAddress());
    });
    document.addEventListener('click', onLinkClick);
    window.addEventListener('popstate', route);
    loadMeta();
    route();
  }

  init();
})();
