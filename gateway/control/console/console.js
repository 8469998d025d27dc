// riskgate ops console: plain JavaScript, no framework, no build step (the
// README says why). It reads the admin API riskgatectl uses, once a second,
// and sends kills and releases through the same API and audit.
//
// Security rules this file keeps (README "The ops console in a browser"):
//  * the token lives in the `token` variable of this closure only: never in
//    a cookie, web storage, a URL or the DOM after login (web_console_test
//    checks that this file names none of those APIs);
//  * every API call sends it as `Authorization: Bearer` (a cross-site page
//    cannot make a browser add that header: CSRF-safe), with
//    credentials 'omit' and no referrer;
//  * text from the gateway (reasons, reject texts, names) is only ever put
//    into the page as textContent, never parsed as HTML.
'use strict';

(() => {
  const POLL_MS = 1000;
  let token = null;  // The bearer token, in memory only.
  let me = null;     // {name, role} from GET /whoami.
  let timer = null;
  let generation = 0;  // Bumped at each login/logout: stale polls are dropped.
  let pending = null;  // The action the dialog is about to send.

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------------ API
  async function api(method, path, body) {
    const init = {
      method,
      headers: {Authorization: 'Bearer ' + token},
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return {status: res.status, data};
  }

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('data-')) e.setAttribute(k, v);
        else e[k] = v;
      }
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  function badge(text, kind) {
    return el('span', {class: 'badge' + (kind ? ' ' + kind : ''), text});
  }

  // Updates tbody in place: one <tr> per item, keyed, so a row (and the
  // button under the pointer) survives the once-a-second refresh.
  function syncRows(tbody, items, key, fill) {
    const old = new Map();
    for (const tr of Array.from(tbody.rows)) old.set(tr.dataset.key, tr);
    let before = tbody.firstChild;
    for (const item of items) {
      const k = key(item);
      let tr = old.get(k);
      if (tr) {
        old.delete(k);
      } else {
        tr = el('tr');
        tr.dataset.key = k;
      }
      fill(tr, item);
      if (tr !== before) tbody.insertBefore(tr, before);
      before = tr.nextSibling;
    }
    for (const tr of old.values()) tr.remove();
  }

  // Sets a row's cells; a cell is a string, a number, a Node, or
  // {node, class}. Cells are rebuilt only when their content changed.
  function setCells(tr, cells) {
    while (tr.cells.length > cells.length) tr.deleteCell(-1);
    cells.forEach((c, i) => {
      const td = tr.cells[i] || tr.insertCell(-1);
      let cls = '';
      let content = c;
      if (c && typeof c === 'object' && !(c instanceof Node)) {
        cls = c.class || '';
        content = c.node;
      }
      if (td.className !== cls) td.className = cls;
      if (content instanceof Node) {
        const sig = content.outerHTML;
        if (td.dataset.sig !== sig) {
          td.replaceChildren(content);
          td.dataset.sig = sig;
        }
      } else {
        const text = content === null || content === undefined ? '' : String(content);
        if (td.dataset.sig !== 't:' + text) {
          td.textContent = text;
          td.dataset.sig = 't:' + text;
        }
      }
    });
  }

  const fmtInt = (n) => (typeof n === 'number' ? Math.round(n).toLocaleString('en-US') : '–');
  const fmtMoney = (n) =>
    typeof n === 'number' ? n.toLocaleString('en-US', {maximumFractionDigits: 0}) : '–';

  // A bar of `value` against `limit` (null: no limit set, the check is off).
  function bar(value, limit, fmt) {
    const wrap = el('div', {class: 'bar'});
    if (typeof limit === 'number' && limit > 0) {
      const m = el('meter');
      m.min = 0;
      m.max = limit;
      m.low = 0.6 * limit;
      m.high = 0.8 * limit;  // The alert line (issue 13: above 80 % of a limit).
      m.optimum = 0;
      m.value = Math.max(0, value || 0);
      const pct = ((100 * (value || 0)) / limit).toFixed(1);
      wrap.append(m, el('span', {text: `${fmt(value)} / ${fmt(limit)} (${pct} %)`}));
    } else {
      wrap.append(el('span', {text: `${fmt(value)} (no limit)`}));
    }
    return wrap;
  }

  function stateBadge(state) {
    if (state === 'active') return badge('active', 'ok');
    if (state === 'disconnected') return badge('disconnected', 'bad');
    return badge(state || '?', 'warn');
  }

  // ------------------------------------------------------------------ actions
  function killButton(scope, target) {
    const b = el('button', {type: 'button', class: 'danger', text: 'Kill…'});
    b.dataset.action = 'kill';
    b.dataset.scope = scope;
    b.dataset.target = target;
    b.title = `Kill ${scope} ${target}`;
    return b;
  }

  // Release is offered to admins only; the server refuses it (403) for an
  // operator whatever the page shows.
  function releaseButton(scope, target) {
    if (!me || me.role !== 'admin') return null;
    const b = el('button', {type: 'button', class: 'release', text: 'Release…'});
    b.dataset.action = 'release';
    b.dataset.scope = scope;
    b.dataset.target = target;
    b.title = `Release ${scope} ${target || ''}`.trim();
    return b;
  }

  function describe(scope, target) {
    return scope === 'global' ? 'everything (global kill)' : `${scope} ${target}`;
  }

  function openDialog(action, scope, target) {
    pending = {action, scope, target};
    const kill = action === 'kill';
    $('action-title').textContent = kill ? 'Engage a kill' : 'Release a kill';
    $('action-what').textContent = (kill ? 'Kill ' : 'Release ') + describe(scope, target);
    $('action-reason').value = '';
    $('action-error').textContent = '';
    $('step-reason').hidden = false;
    $('step-confirm').hidden = true;
    $('action-confirm').textContent = kill ? 'Confirm kill' : 'Confirm release';
    $('action-confirm').className = kill ? 'danger' : 'release';
    $('action-dialog').showModal();
    $('action-reason').focus();
  }

  function toConfirmStep(ev) {
    ev.preventDefault();
    const reason = $('action-reason').value.trim();
    if (!reason) {
      $('action-error').textContent = 'A reason is required.';
      return;
    }
    const p = pending;
    $('action-error').textContent = '';
    $('action-confirm-text').textContent =
      p.action === 'kill'
        ? `Kill ${describe(p.scope, p.target)}? New orders will be refused and working ` +
          `orders cancelled. Reason: “${reason}”`
        : `Release the kill on ${describe(p.scope, p.target)}? Orders will flow again. ` +
          `Reason: “${reason}”`;
    $('step-reason').hidden = true;
    $('step-confirm').hidden = false;
    $('action-confirm').focus();
  }

  async function confirmAction() {
    const p = pending;
    const reason = $('action-reason').value.trim();
    if (!p || !reason) return;
    const body = {scope: p.scope, reason};
    if (p.scope !== 'global') body.target = p.target;
    $('action-confirm').disabled = true;
    try {
      const r = await api('POST', '/' + p.action, body);
      if (r.status === 200) {
        $('action-dialog').close();
        showResult(`${p.action}: ${(r.data && r.data.message) || 'done'}`, false);
        refreshNow();
      } else {
        const why = (r.data && r.data.error) || 'refused';
        $('action-error').textContent = `Refused (${r.status}): ${why}`;
        showResult(`${p.action} refused (${r.status}): ${why}`, true);
        if (r.status === 401) logout('The token is no longer accepted; log in again.');
      }
    } catch (e) {
      $('action-error').textContent = 'The gateway did not answer: ' + e.message;
    } finally {
      $('action-confirm').disabled = false;
    }
  }

  function showResult(text, isError) {
    const p = $('action-result');
    p.textContent = text;
    p.className = 'banner' + (isError ? ' error' : '');
    p.hidden = false;
  }

  // ------------------------------------------------------------------ rendering
  function killIndex(kills) {
    const m = new Map();
    for (const k of kills || []) m.set(k.scope + '\u001f' + (k.target || ''), k);
    return m;
  }

  function killCell(kills, scope, target, flag) {
    const k = kills.get(scope + '\u001f' + target);
    if (k || flag) return badge('KILLED', 'bad');
    return badge('live', 'ok');
  }

  function render(st, rf) {
    $('instance').textContent =
      `${st.instance || '?'} · version ${st.version || '?'} · build ${st.build_id || '?'}`;
    const g = $('global-state');
    g.hidden = !st.global_killed;
    g.className = 'badge bad';
    g.textContent = 'GLOBAL KILL ENGAGED';
    const a = $('audit-state');
    const healthy = st.audit && st.audit.healthy;
    a.hidden = !!healthy;
    a.className = 'badge bad';
    a.textContent = 'AUDIT UNHEALTHY: new orders refused';

    const kills = killIndex(st.kills);
    const sessions = st.sessions || [];
    const engines = sessions.filter((s) => s.role === 'acceptor');
    const legs = sessions.filter((s) => s.role !== 'acceptor');
    const accounts = Object.entries(st.limits || {}).map(([name, v]) => ({name, ...v}));

    // Kill board.
    syncRows($('kills').tBodies[0], st.kills || [], (k) => k.scope + '/' + (k.target || ''),
      (tr, k) => {
        tr.className = 'killed';
        setCells(tr, [k.scope, k.target || '(all)', k.reason, k.actor, k.ts,
          releaseButton(k.scope, k.target || '') || '']);
      });
    $('kills-empty').hidden = (st.kills || []).length > 0;
    $('release-note').hidden = !(me && me.role !== 'admin' && (st.kills || []).length > 0);

    syncRows($('engines').tBodies[0], engines, (s) => s.name, (tr, s) => {
      const killed = kills.has('session\u001f' + s.name) || s.killed;
      tr.className = killed ? 'killed' : '';
      const e = s.engine;
      const engine = e ? `${e.app_name} (${e.vendor})${s.peer_host ? ' from ' + s.peer_host : ''}`
                       : '–';
      let version = '–';
      if (e) {
        version = el('span', null, e.version + ' ',
          e.approved ? badge('approved', 'ok') : badge('NOT APPROVED: ' + e.reason, 'bad'));
      }
      setCells(tr, [s.name, stateBadge(s.state), engine, version,
        {node: fmtInt(s.orders_in), class: 'num'}, {node: fmtInt(s.forwarded), class: 'num'},
        {node: fmtInt(s.refused), class: 'num'},
        killCell(kills, 'session', s.name, s.killed),
        killed ? releaseButton('session', s.name) || '' : killButton('session', s.name)]);
    });

    syncRows($('legs').tBodies[0], legs, (s) => s.name, (tr, s) => {
      const killed = kills.has('exchange\u001f' + s.name);
      tr.className = killed ? 'killed' : '';
      setCells(tr, [s.name, stateBadge(s.state), {node: fmtInt(s.kill_cancels), class: 'num'},
        {node: fmtInt(s.reports_rejected), class: 'num'}, s.reconciling ? badge('yes', 'warn') : 'no',
        killCell(kills, 'exchange', s.name, false),
        killed ? releaseButton('exchange', s.name) || '' : killButton('exchange', s.name)]);
    });

    syncRows($('accounts').tBodies[0], accounts, (x) => x.name, (tr, x) => {
      const killed = kills.has('account\u001f' + x.name);
      tr.className = killed ? 'killed' : '';
      setCells(tr, [x.name, bar(x.open_orders, x.max_open_orders, fmtInt),
        bar(x.open_notional, x.max_open_notional, fmtMoney),
        bar(x.gross_notional_day, x.max_gross_notional_day, fmtMoney),
        killCell(kills, 'account', x.name, false),
        killed ? releaseButton('account', x.name) || '' : killButton('account', x.name)]);
    });

    const refusals = (rf && rf.refusals) || [];
    syncRows($('refusals').tBodies[0], refusals, (r) => `${r.utc_ns}/${r.cl_ord_id}/${r.session}`,
      (tr, r) => {
        setCells(tr, [(r.ts || '').replace(/^.*T/, '').replace(/(\.\d{3})\d*Z$/, '$1'),
          r.session || '', r.account || '', r.symbol || '',
          r.side === '1' ? 'buy' : r.side === '2' ? 'sell' : r.side === '5' ? 'short' : '',
          {node: fmtInt(r.qty), class: 'num'}, r.rule || r.event || '', r.text || '']);
      });
    $('refusals-empty').hidden = refusals.length > 0;
    $('refusals-seen').textContent =
      rf && typeof rf.seen === 'number' ? `(${fmtInt(rf.seen)} since start)` : '';

    // Targets the kill form offers.
    const dl = $('kill-targets');
    const names = [...engines.map((s) => s.name), ...legs.map((s) => s.name),
      ...accounts.map((x) => x.name)];
    const sig = names.join(',');
    if (dl.dataset.sig !== sig) {
      dl.replaceChildren(...names.map((n) => el('option', {value: n})));
      dl.dataset.sig = sig;
    }
    $('updated').textContent = 'Updated ' + new Date().toISOString().replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC') + ' · every ' + POLL_MS / 1000 + ' s';
  }

  // ------------------------------------------------------------------ polling
  async function tick(gen) {
    if (gen !== generation) return;
    try {
      const [st, rf] = await Promise.all([api('GET', '/status'), api('GET', '/refusals')]);
      if (gen !== generation) return;
      if (st.status === 401) {
        logout('The token is no longer accepted; log in again.');
        return;
      }
      if (st.status !== 200) throw new Error(`/status answered ${st.status}`);
      $('conn-error').hidden = true;
      render(st.data, rf.status === 200 ? rf.data : null);
    } catch (e) {
      if (gen !== generation) return;
      $('conn-error').textContent = 'Cannot read the gateway: ' + e.message;
      $('conn-error').hidden = false;
    }
    if (gen === generation) timer = setTimeout(() => tick(gen), POLL_MS);
  }

  function refreshNow() {
    clearTimeout(timer);
    tick(generation);
  }

  // ------------------------------------------------------------------ login
  async function login(ev) {
    ev.preventDefault();
    const input = $('token');
    const candidate = input.value.trim();
    input.value = '';  // Not left in the DOM.
    $('login-error').textContent = '';
    if (!candidate) return;
    token = candidate;
    let r;
    try {
      r = await api('GET', '/whoami');
    } catch (e) {
      token = null;
      $('login-error').textContent = 'The gateway did not answer: ' + e.message;
      return;
    }
    if (r.status !== 200 || !r.data || !r.data.role) {
      token = null;
      $('login-error').textContent =
        r.status === 401 ? 'Unknown token.' : `Refused (${r.status}).`;
      return;
    }
    me = {name: r.data.name, role: r.data.role};
    $('who').textContent = `${me.name} (${me.role})`;
    $('logout').hidden = false;
    $('login-view').hidden = true;
    $('console-view').hidden = false;
    $('action-result').hidden = true;
    generation++;
    tick(generation);
  }

  function logout(message) {
    token = null;
    me = null;
    generation++;
    clearTimeout(timer);
    for (const id of ['kills', 'engines', 'legs', 'accounts', 'refusals'])
      $(id).tBodies[0].replaceChildren();
    if ($('action-dialog').open) $('action-dialog').close();
    $('who').textContent = '';
    $('instance').textContent = '';
    $('global-state').hidden = true;
    $('audit-state').hidden = true;
    $('logout').hidden = true;
    $('console-view').hidden = true;
    $('login-view').hidden = false;
    $('login-error').textContent = typeof message === 'string' ? message : '';
    $('token').focus();
  }

  // ------------------------------------------------------------------ wiring
  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', login);
    $('logout').addEventListener('click', () => logout(''));
    $('kill-global').addEventListener('click', () => openDialog('kill', 'global', ''));
    $('kill-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const target = $('kill-target').value.trim();
      if (target) openDialog('kill', $('kill-scope').value, target);
    });
    // Row buttons are created by render(): one listener for all of them.
    $('console-view').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (b) openDialog(b.dataset.action, b.dataset.scope, b.dataset.target);
    });
    $('action-form').addEventListener('submit', toConfirmStep);
    $('action-cancel').addEventListener('click', () => $('action-dialog').close());
    $('action-back').addEventListener('click', () => {
      $('step-confirm').hidden = true;
      $('step-reason').hidden = false;
      $('action-reason').focus();
    });
    $('action-confirm').addEventListener('click', confirmAction);
    $('token').focus();
  });
})();
