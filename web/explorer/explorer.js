// The sessions explorer (SPEC §8): a client of the getSessions API (§3-§5,
// §7) served by `sessiondb serve` itself. No dependencies, no inline script
// (the page's Content-Security-Policy allows only this file).
//
// Security: every value from the API reaches the page through textContent or
// an attribute, never as markup. The token is read from the field or from
// the URL fragment (which never reaches the server), kept in sessionStorage
// (this tab only), sent only in the Authorization header, and removed from
// the address bar once read.
'use strict';

(() => {
  const TOKEN_KEY = 'sessiondb.explorer.token';
  const CONTAINMENTS = ['selfService', 'agent', 'dropOff'];
  const CONTAINMENT_LABELS = {selfService: 'self-service', agent: 'agent', dropOff: 'drop-off'};
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const FRAGMENT_FIELDS = {
    bot: 'bot', dateFrom: 'date-from', dateTo: 'date-to', timeZone: 'time-zone',
    containmentType: 'containment', sessionType: 'session-type', userId: 'user-id', limit: 'limit',
  };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const svg = (tag, attrs) => {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  };
  const number = new Intl.NumberFormat('en-US');

  // The walk through the pages of one query: cursors[i] is the cursor that
  // asked for page i ("" for the first), so Previous asks again with
  // cursors[i - 1] and Next with the last answer's nextCursor.
  const state = {
    query: null,        // {url, body} of the search the pages belong to
    cursors: [''],
    page: 0,
    answer: null,       // the last successful answer
    sequence: 0,        // answers to older requests are dropped
    answered: 0,        // answers shown (data-answered on #results, for tests)
    selectedRow: null,
    days: undefined,    // facets.day of the first page, drawn by renderChart
  };

  // ---- the token ----

  function readFragment() {
    const hash = window.location.hash.replace(/^#/, '');
    if (!hash) return false;
    const params = new URLSearchParams(hash);
    const token = params.get('token');
    if (token) {
      $('token').value = token;
      saveToken(token);
    }
    for (const [key, id] of Object.entries(FRAGMENT_FIELDS)) {
      const value = params.get(key);
      if (value !== null) setFieldValue($(id), value);
    }
    if (params.has('bot')) {
      (params.get('bot') ? $('scope-bot') : $('scope-account')).checked = true;
    }
    if (params.get('scope') === 'account') $('scope-account').checked = true;
    $('bot').disabled = $('scope-account').checked;
    // The token leaves the address bar (and so the history and bookmarks).
    params.delete('token');
    const rest = params.toString();
    window.history.replaceState(null, '',
        window.location.pathname + window.location.search + (rest ? '#' + rest : ''));
    return Boolean(token || params.has('bot'));
  }

  function setFieldValue(field, value) {
    if (field.tagName === 'SELECT') {
      const match = Array.from(field.options).find(
          (o) => o.value.toLowerCase() === value.toLowerCase() ||
                 o.textContent.toLowerCase() === value.toLowerCase());
      if (match) field.value = match.value;
    } else {
      field.value = value;
    }
  }

  function saveToken(token) {
    try {
      if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage disabled: the field still holds it */ }
  }

  function loadToken() {
    try { return window.sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }

  // ---- the request ----

  function tagConditions() {
    const conditions = [];
    for (const row of $('tag-rows').querySelectorAll('.tag-row')) {
      const name = row.querySelector('.tag-name').value.trim();
      const values = row.querySelector('.tag-values').value.split(',')
          .map((v) => v.trim()).filter((v) => v !== '');
      const type = row.querySelector('.tag-type').value;
      if (!name && values.length === 0) continue;  // an empty row asks nothing
      const condition = {name};
      if (values.length) condition.values = values;
      if (type) condition.type = type;
      conditions.push(condition);
    }
    return conditions;
  }

  // buildQuery reads the form: the route and the body without paging.
  function buildQuery() {
    const account = $('scope-account').checked;
    const bot = $('bot').value.trim();
    if (!account && !bot) return {problem: 'Enter a bot ID, or choose every bot.'};
    let url = account ? '/api/public/getSessions'
                      : '/api/public/bot/' + encodeURIComponent(bot) + '/getSessions';
    const containment = $('containment').value;
    if (containment) url += '?containmentType=' + encodeURIComponent(containment);
    const body = {limit: Number($('limit').value)};
    const text = (id) => $(id).value.trim();
    if (text('date-from')) body.dateFrom = text('date-from');
    if (text('date-to')) body.dateTo = text('date-to');
    if (text('time-zone')) body.timeZone = text('time-zone');
    if ($('session-type').value) body.sessionType = $('session-type').value;
    if (text('user-id')) body.userId = text('user-id');
    const conditions = tagConditions();
    if (conditions.length) body.tags = {[$('tag-mode').value]: conditions};
    return {url, body, account, bot, timeZone: body.timeZone || 'UTC'};
  }

  async function post(url, body, token) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json'},
        body: JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      return {ok: false, code: 0, msg: 'The server did not answer (' + e.message + ').'};
    }
    let json = null;
    try { json = await response.json(); } catch (e) { /* not JSON */ }
    if (response.ok && json) return {ok: true, json};
    const error = json && Array.isArray(json.errors) && json.errors[0];
    return {
      ok: false,
      code: response.status,
      msg: error && error.msg ? String(error.msg) : 'HTTP ' + response.status + ' ' + response.statusText,
    };
  }

  // fetchPage asks for page `page` of the current query.
  async function fetchPage(page) {
    const token = $('token').value.trim();
    if (!token) {
      showError(null, 'Paste a token first: sessiondb token --apps APPS.json --app APPID');
      $('token').focus();
      return;
    }
    const query = state.query;
    const body = Object.assign({}, query.body, {cursor: state.cursors[page]});
    // The facets count every match, whatever the page: ask with the first.
    if (page === 0) body.facets = ['day', 'containmentType'];
    const sequence = ++state.sequence;
    setBusy(true);
    const result = await post(query.url, body, token);
    if (sequence !== state.sequence) return;  // a newer request was made
    setBusy(false);
    if (!result.ok) {
      showError(result.code, result.msg);
      if (page === 0) clearResults();
      else updatePager();
      markAnswered();
      return;
    }
    hideError();
    state.page = page;
    state.answer = result.json;
    state.cursors.length = page + 1;
    if (typeof result.json.nextCursor === 'string') state.cursors.push(result.json.nextCursor);
    if (page === 0) renderSummary(result.json);
    renderTable(result.json.sessions || []);
    updatePager();
    rememberBots(result.json.sessions || []);
    markAnswered();
  }

  // markAnswered counts the answers shown, so that a test can wait for one.
  function markAnswered() {
    $('results').dataset.answered = String(++state.answered);
  }

  function search() {
    const query = buildQuery();
    if (query.problem) {
      showError(null, query.problem);
      return;
    }
    saveToken($('token').value.trim());
    state.query = query;
    state.cursors = [''];
    state.page = 0;
    $('scope-line').textContent = (query.account ? 'Every bot' : 'Bot ' + query.bot) +
        ' · times in ' + query.timeZone;
    $('sessions').classList.toggle('account', query.account);
    // On a phone the filters fold away so the answer is in view.
    if (window.matchMedia('(max-width: 820px)').matches) $('filters-box').open = false;
    fetchPage(0);
  }

  // ---- showing the answer ----

  function setBusy(busy) {
    $('results').setAttribute('aria-busy', String(busy));
    $('search').disabled = busy;
    $('status').textContent = busy ? 'Loading…' : '';
    if (busy) {
      $('next').disabled = true;
      $('prev').disabled = true;
    }
  }

  function showError(code, msg) {
    const box = $('error');
    box.replaceChildren();
    if (code) box.append(el('span', 'code', code));
    box.append(document.createTextNode(msg));
    box.hidden = false;
  }

  function hideError() {
    $('error').hidden = true;
    $('error').replaceChildren();
  }

  function clearResults() {
    state.answer = null;
    state.cursors = [''];
    state.page = 0;
    $('total').textContent = '–';
    $('breakdown').replaceChildren();
    $('chart').replaceChildren();
    $('sessions').tBodies[0].replaceChildren();
    $('empty').hidden = true;
    $('page-info').textContent = '';
    updatePager();
  }

  function renderSummary(answer) {
    $('total').textContent = number.format(answer.total);
    $('total').dataset.total = String(answer.total);
    const breakdown = $('breakdown');
    breakdown.replaceChildren();
    const counts = answer.facets && answer.facets.containmentType;
    if (counts) {
      for (const c of CONTAINMENTS) {
        const item = el('li');
        item.append(el('span', 'swatch seg-' + c), el('span', null, CONTAINMENT_LABELS[c]),
                    el('strong', null, number.format(counts[c] || 0)));
        breakdown.append(item);
      }
    }
    renderChart(answer.facets && answer.facets.day);
  }

  // renderChart draws one stacked bar per day of facets.day (oldest first),
  // self-service at the bottom, then agent, then drop-off.
  function renderChart(days) {
    state.days = days;
    const chart = $('chart');
    chart.replaceChildren();
    if (!Array.isArray(days)) {
      chart.append(el('p', 'chart-note', 'The server answered no per-day counts (facets).'));
      return;
    }
    if (days.length === 0) {
      chart.append(el('p', 'chart-note', 'No days in this window.'));
      return;
    }
    const totals = days.map((d) => CONTAINMENTS.reduce((sum, c) => sum + (d[c] || 0), 0));
    const top = niceCeiling(Math.max(1, ...totals));
    // The drawing is as wide as its box, so its text keeps its size on a phone.
    const width = Math.max(300, Math.round(chart.clientWidth || 760));
    const height = width < 560 ? 190 : 210;
    const margin = {top: 18, right: 8, bottom: 34, left: 40};
    const plotW = width - margin.left - margin.right;
    const plotH = height - margin.top - margin.bottom;
    const slot = plotW / days.length;
    const barW = Math.min(64, slot * 0.64);
    const y = (v) => margin.top + plotH - (v / top) * plotH;

    const root = svg('svg', {
      viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-svg-title',
      preserveAspectRatio: 'xMidYMid meet',
    });
    const title = svg('title', {id: 'chart-svg-title'});
    const sum = totals.reduce((a, b) => a + b, 0);
    title.textContent = `Sessions per day by containment, ${days[0].date} to ` +
        `${days[days.length - 1].date}: ${number.format(sum)} in all`;
    root.append(title);

    for (let i = 0; i <= 4; i++) {
      const value = (top / 4) * i;
      root.append(svg('line', {class: 'grid', x1: margin.left, x2: width - margin.right,
                               y1: y(value), y2: y(value)}));
      const label = svg('text', {x: margin.left - 6, y: y(value) + 4, 'text-anchor': 'end'});
      label.textContent = number.format(value);
      root.append(label);
    }
    root.append(svg('line', {class: 'axis', x1: margin.left, x2: width - margin.right,
                             y1: y(0), y2: y(0)}));

    days.forEach((day, i) => {
      const x = margin.left + slot * i + (slot - barW) / 2;
      const group = svg('g', {class: 'day', 'data-date': day.date, 'data-total': totals[i]});
      const tip = svg('title');
      tip.textContent = `${day.date}: ${number.format(totals[i])} sessions — ` +
          CONTAINMENTS.map((c) => `${CONTAINMENT_LABELS[c]} ${number.format(day[c] || 0)}`).join(', ');
      group.append(tip);
      let base = 0;
      for (const c of CONTAINMENTS) {
        const count = day[c] || 0;
        const h = (count / top) * plotH;
        group.append(svg('rect', {
          class: 'seg seg-' + c, 'data-containment': c, 'data-count': count,
          x: x.toFixed(2), y: (y(base) - h).toFixed(2), width: barW.toFixed(2), height: h.toFixed(2),
        }));
        base += count;
      }
      if (totals[i] > 0) {
        const value = svg('text', {class: 'bar-total', x: (x + barW / 2).toFixed(2),
                                   y: (y(totals[i]) - 4).toFixed(2), 'text-anchor': 'middle'});
        value.textContent = number.format(totals[i]);
        group.append(value);
      }
      const label = svg('text', {x: (x + barW / 2).toFixed(2), y: height - margin.bottom + 14,
                                 'text-anchor': 'middle'});
      const [weekday, date] = shortDate(day.date);
      const second = svg('tspan', {x: (x + barW / 2).toFixed(2), dy: '1.2em'});
      label.textContent = weekday;
      second.textContent = date;
      label.append(second);
      group.append(label);
      root.append(group);
    });
    chart.append(root);
  }

  function niceCeiling(v) {
    const power = Math.pow(10, Math.floor(Math.log10(v)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (step * power >= v) return step * power;
    }
    return 10 * power;
  }

  // shortDate: ["Thu", "Jan 8"] for "2026-01-08" (a local day of the query's zone).
  function shortDate(date) {
    const parsed = new Date(date + 'T00:00:00Z');
    if (Number.isNaN(parsed.getTime())) return [date, ''];
    return [parsed.toLocaleDateString('en-US', {timeZone: 'UTC', weekday: 'short'}),
            parsed.toLocaleDateString('en-US', {timeZone: 'UTC', day: 'numeric', month: 'short'})];
  }

  // The table shows times in the query's time zone (the raw UTC value in the
  // tooltip and the datetime attribute).
  function timeFormatter(zone) {
    try {
      return new Intl.DateTimeFormat('sv-SE', {
        timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
      });
    } catch (e) {
      return null;  // a zone this browser does not know
    }
  }

  function timeCell(iso, formatter) {
    const td = el('td', 'time');
    if (!iso) {
      td.textContent = '—';
      return td;
    }
    const t = el('time');
    t.dateTime = iso;
    t.title = iso;
    const parsed = new Date(iso);
    t.textContent = formatter && !Number.isNaN(parsed.getTime()) ? formatter.format(parsed) : iso;
    td.append(t);
    return td;
  }

  function tagsCell(tags) {
    const td = el('td', 'tags');
    const add = (kind, list) => {
      for (const tag of list || []) {
        const chip = el('span', 'tag');
        chip.append(el('span', 'kind', kind + ':'), document.createTextNode(`${tag.name}=${tag.value}`));
        td.append(chip);
      }
    };
    add('user', tags && tags.userTags);
    add('session', tags && tags.sessionTags);
    return td;
  }

  function renderTable(sessions) {
    const body = $('sessions').tBodies[0];
    const formatter = timeFormatter(state.query.timeZone);
    const rows = sessions.map((s, index) => {
      const tr = el('tr');
      tr.tabIndex = 0;
      tr.dataset.index = String(index);
      tr.dataset.sessionId = s.sessionId;
      const user = el('td', 'user-id', s.userId);
      user.title = s.userId;
      tr.append(el('td', 'session-id', s.sessionId), el('td', 'col-bot', s.botId),
                timeCell(s.start_time, formatter), timeCell(s.end_time, formatter),
                user, el('td', null, s.channel));
      const containment = el('td');
      containment.append(el('span', 'pill seg-' + (CONTAINMENTS.includes(s.containmentType) ? s.containmentType : 'other'),
                            CONTAINMENT_LABELS[s.containmentType] || s.containmentType));
      tr.append(containment, el('td', null, s.sessionType), el('td', null, s.sessionStatus),
                el('td', 'num', s.noOfMessagesExchanged), tagsCell(s.tags));
      return tr;
    });
    body.replaceChildren(...rows);
    $('empty').hidden = sessions.length > 0;
  }

  function updatePager() {
    const answer = state.answer;
    const hasNext = Boolean(answer) && state.cursors.length > state.page + 1;
    $('next').disabled = !hasNext;
    $('prev').disabled = !answer || state.page === 0;
    if (!answer) {
      $('page-number').textContent = '';
      $('page-info').textContent = '';
      return;
    }
    const limit = state.query.body.limit;
    const count = (answer.sessions || []).length;
    const first = state.page * limit + 1;
    $('page-number').textContent = 'Page ' + (state.page + 1);
    $('page-info').textContent = count === 0 ? '' :
        `${number.format(first)}–${number.format(first + count - 1)} of ${number.format(answer.total)}`;
  }

  function rememberBots(sessions) {
    const list = $('bots');
    const known = new Set(Array.from(list.options, (o) => o.value));
    for (const s of sessions) {
      if (s.botId && !known.has(s.botId)) {
        known.add(s.botId);
        const option = document.createElement('option');
        option.value = s.botId;
        list.append(option);
      }
    }
  }

  // ---- the whole record ----

  function openDetail(row) {
    const session = state.answer && state.answer.sessions[Number(row.dataset.index)];
    if (!session) return;
    if (state.selectedRow) state.selectedRow.removeAttribute('aria-selected');
    state.selectedRow = row;
    row.setAttribute('aria-selected', 'true');
    $('detail-title').textContent = 'Session ' + session.sessionId;
    $('detail-json').textContent = JSON.stringify(session, null, 2);
    const dialog = $('detail');
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
    $('detail-close').focus();
  }

  function closeDetail() {
    const dialog = $('detail');
    if (dialog.open) dialog.close();
  }

  // ---- the form's controls ----

  function addTagRow(values) {
    const row = $('tag-row').content.firstElementChild.cloneNode(true);
    if (values) {
      row.querySelector('.tag-name').value = values.name || '';
      row.querySelector('.tag-values').value = values.values || '';
      row.querySelector('.tag-type').value = values.type || '';
    }
    row.querySelector('.tag-remove').addEventListener('click', () => {
      row.remove();
      $('add-tag').focus();
    });
    $('tag-rows').append(row);
    return row;
  }

  function fillZones() {
    const zones = new Set(['UTC']);
    try { zones.add(Intl.DateTimeFormat().resolvedOptions().timeZone); } catch (e) { /* none */ }
    for (const z of ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'America/Sao_Paulo',
                     'Europe/London', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Singapore', 'Asia/Tokyo',
                     'Australia/Sydney']) {
      zones.add(z);
    }
    const list = $('zones');
    for (const z of zones) {
      const option = document.createElement('option');
      option.value = z;
      list.append(option);
    }
  }

  function start() {
    fillZones();
    $('token').value = loadToken();
    const fromFragment = readFragment();

    $('query').addEventListener('submit', (event) => {
      event.preventDefault();
      search();
    });
    $('scope-account').addEventListener('change', () => { $('bot').disabled = true; });
    $('scope-bot').addEventListener('change', () => { $('bot').disabled = false; });
    $('bot').disabled = $('scope-account').checked;
    $('forget-token').addEventListener('click', () => {
      $('token').value = '';
      saveToken('');
      $('token').focus();
    });
    $('add-tag').addEventListener('click', () => addTagRow().querySelector('.tag-name').focus());
    $('limit').addEventListener('change', () => { if (state.query) search(); });
    // The filters fold only on a phone.
    $('filters-box').querySelector('summary').addEventListener('click', (event) => {
      if (!window.matchMedia('(max-width: 820px)').matches) event.preventDefault();
    });
    $('next').addEventListener('click', () => {
      if (state.cursors.length > state.page + 1) fetchPage(state.page + 1);
    });
    $('prev').addEventListener('click', () => {
      if (state.page > 0) fetchPage(state.page - 1);
    });

    const body = $('sessions').tBodies[0];
    body.addEventListener('click', (event) => {
      const row = event.target.closest('tr');
      if (row) openDetail(row);
    });
    body.addEventListener('keydown', (event) => {
      const row = event.target.closest('tr');
      if (!row) return;
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        openDetail(row);
      } else if (event.key === 'ArrowDown' && row.nextElementSibling) {
        event.preventDefault();
        row.nextElementSibling.focus();
      } else if (event.key === 'ArrowUp' && row.previousElementSibling) {
        event.preventDefault();
        row.previousElementSibling.focus();
      }
    });
    $('detail-close').addEventListener('click', closeDetail);
    $('detail').addEventListener('close', () => {
      if (state.selectedRow && document.contains(state.selectedRow)) state.selectedRow.focus();
    });
    let resizing = 0;
    window.addEventListener('resize', () => {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(() => { if (state.answer) renderChart(state.days); }, 150);
    });
    window.addEventListener('hashchange', () => {
      if (readFragment()) search();
    });

    if (fromFragment && $('token').value) search();
    else if (!$('token').value) {
      $('status').textContent = 'Paste a token (sessiondb token --apps APPS.json --app APPID) and search.';
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
