// spec-kitty dashboard page: plain JavaScript, no build step, no network beyond this server.
// Everything shown comes from the server's JSON (built by the same library calls as the CLI); text goes into the
// DOM with textContent, and only the server's markdown rendering (raw HTML escaped there) uses innerHTML.
'use strict';

(() => {
  const LANE_LABEL = { planned: 'Planned', claimed: 'Claimed', in_progress: 'In progress', for_review: 'For review', done: 'Done', blocked: 'Blocked', canceled: 'Canceled', doing: 'Doing' };
  const ARTIFACT_LABEL = { spec: 'spec', plan: 'plan', tasks: 'tasks', research: 'research', quickstart: 'quickstart', data_model: 'data model', contracts: 'contracts', checklists: 'checklists', work_packages: 'WP files' };
  const RENDERABLE = new Set(['spec', 'plan', 'tasks', 'research', 'quickstart', 'data_model']);
  const state = {
    lanes: { lanes: ['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled'], lanes_4: ['planned', 'doing', 'for_review', 'done'], collapse_7_to_4: {} },
    features: [],
    selected: null,
    payload: null,
    view: localStorage.getItem('kitty.lanes') === '4' ? 4 : 7,
    sync: null,
    firstPaint: false,
  };
  const $ = (id) => document.getElementById(id);
  /**
   * Sets an element's children (null/false entries skipped) in place: children that stay are neither removed nor
   * moved unless their order changes, so an element under the pointer survives a live re-render.
   */
  function put(el, ...kids) {
    const want = kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false).map((k) => (typeof k === 'string' ? document.createTextNode(k) : k));
    const staying = new Set(want);
    for (const n of [...el.childNodes]) if (!staying.has(n)) n.remove();
    want.forEach((k, i) => {
      const at = el.childNodes[i];
      if (at !== k) el.insertBefore(k, at ?? null);
    });
  }

  // Elements kept across live re-renders while what they show is unchanged (same key, same signature): a click
  // under way (mouse down, a lane change arrives, mouse up) lands on the same, never detached, element.
  const kept = new Map();
  let keptUsed = new Set();
  function keep(key, sig, make) {
    keptUsed.add(key);
    const k = kept.get(key);
    if (k && k.sig === sig) return k.el;
    const el = make();
    kept.set(key, { sig, el });
    return el;
  }

  /** Creates an element: h('div', {class: 'x', text: 'y'}, child…). */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'class') el.className = v;
      else if (k === 'style') {
        // Through the CSSOM: the page's Content-Security-Policy refuses style attributes.
        for (const decl of String(v).split(';')) {
          const i = decl.indexOf(':');
          if (i > 0) el.style.setProperty(decl.slice(0, i).trim(), decl.slice(i + 1).trim());
        }
      }
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k.startsWith('data-')) el.setAttribute(k, String(v));
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return el;
  }

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw Object.assign(new Error((body && body.error && body.error.message) || `${url}: HTTP ${r.status}`), { body });
    return body;
  }

  function ago(iso) {
    if (!iso) return '';
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (!Number.isFinite(s)) return '';
    if (s < 60) return 'just now';
    if (s < 3600) return `${Math.floor(s / 60)}m ago`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
    return `${Math.floor(s / 86400)}d ago`;
  }
  const laneStyle = (lane) => `--c: var(--l-${lane})`;
  const lane4 = (lane) => state.lanes.collapse_7_to_4[lane] || lane;

  // ---- features list ----------------------------------------------------------------------------------
  function progressBar(byLane, total) {
    const bar = h('div', { class: 'bar', title: state.lanes.lanes.map((l) => `${LANE_LABEL[l]} ${byLane[l] || 0}`).join(', ') });
    if (total > 0) for (const l of state.lanes.lanes) if (byLane[l]) bar.append(h('span', { style: `width:${(100 * byLane[l]) / total}%;background:var(--l-${l})` }));
    return bar;
  }

  function renderFeatures() {
    const nav = $('features');
    put(nav);
    if (state.features.length === 0) {
      nav.append(h('p', { class: 'empty', text: 'No features yet.' }));
      return;
    }
    for (const f of state.features) {
      nav.append(
        h('button', { type: 'button', class: `feat${f.feature === state.selected ? ' on' : ''}`, 'data-feature': f.feature, onclick: () => select(f.feature) },
          h('div', { class: 'name' }, h('span', { class: 'num', text: f.number }), h('span', { text: f.friendly_name }), f.problems.length > 0 ? h('span', { class: 'warn-mark', title: `${f.problems.length} problem(s)`, text: '⚠' }) : null),
          progressBar(f.by_lane, f.total_wps),
          h('div', { class: 'meta' }, h('span', { text: `${f.total_wps} WP${f.total_wps === 1 ? '' : 's'} · ${f.by_lane.done || 0} done` }), h('span', { text: `${f.progress_percentage}%` })),
        ),
      );
    }
  }

  // ---- one feature ------------------------------------------------------------------------------------
  function rowsOf(p) {
    const facts = new Map(p.overview.work_packages.map((w) => [w.id, w]));
    if (p.kanban) return p.kanban.work_packages.map((k) => ({ ...(facts.get(k.id) || {}), ...k, facts: facts.get(k.id) || null }));
    return p.overview.work_packages.map((w) => ({ ...w, facts: w }));
  }

  function card(row) {
    const sig = JSON.stringify([row, state.view, row.facts && row.facts.last_event ? ago(row.facts.last_event.at) : '']);
    const el = keep(`card\u0000${state.selected}\u0000${row.id}`, sig, () => buildCard(row));
    el.classList.remove('flash');
    return el;
  }

  function buildCard(row) {
    const f = row.facts || {};
    const tags = [];
    if (state.view === 4 && row.lane !== lane4(row.lane)) tags.push(h('span', { class: 'lane', style: laneStyle(row.lane), text: LANE_LABEL[row.lane] || row.lane }));
    if (row.agent) tags.push(h('span', { class: 'tag agent', title: 'agent', text: row.agent }));
    if (f.ready) tags.push(h('span', { class: 'tag ready', text: 'ready' }));
    if (row.dependencies && row.dependencies.length > 0) {
      const waiting = new Set(f.waiting_on || []);
      tags.push(h('span', { class: `tag${waiting.size > 0 ? ' wait' : ''}`, title: 'dependencies (✓ done)', text: `needs ${row.dependencies.map((d) => (waiting.has(d) ? d : `${d}✓`)).join(', ')}` }));
    }
    if (row.review_status) tags.push(h('span', { class: `tag ${row.review_status === 'approved' ? 'approved' : 'review'}`, title: f.reviewed_by ? `reviewed by ${f.reviewed_by}` : 'review status', text: row.review_status.replace(/_/g, ' ') }));
    if (row.is_stale) tags.push(h('span', { class: 'tag stale', title: 'no commit in its worktree for a while', text: `stale ${row.minutes_since_commit}m` }));
    if (f.worktree_exists) tags.push(h('span', { class: 'tag wt', title: f.worktree, text: 'worktree' }));
    const total = f.subtasks_total || 0;
    return h('button', { type: 'button', class: 'card', 'data-wp': row.id, 'data-lane': row.lane, style: laneStyle(row.lane), onclick: () => openDetail(state.selected, row.id) },
      h('div', { class: 'id' }, h('span', { text: row.id }), h('span', { title: f.last_event ? `${f.last_event.from_lane} → ${f.last_event.to_lane} by ${f.last_event.actor}` : '', text: f.last_event ? ago(f.last_event.at) : '' })),
      h('div', { class: 'title', text: row.title }),
      h('div', { class: 'facts' }, tags),
      total > 0 ? h('div', { class: 'subbar', title: `subtasks ${f.subtasks_done}/${total}` }, h('span', { style: `width:${(100 * f.subtasks_done) / total}%` })) : null,
      total > 0 ? h('div', { class: 'id' }, h('span', { text: `subtasks ${f.subtasks_done}/${total}` })) : null,
      f.review_feedback ? h('div', { class: 'fb', title: f.review_feedback, text: f.review_feedback }) : null,
    );
  }

  function renderMain(flashIds) {
    const main = $('main');
    const p = state.payload;
    if (!p) {
      put(main, h('p', { class: 'empty', text: state.features.length === 0 ? 'This project has no features yet. Create one with /spec-kitty.specify (or spec-kitty agent feature create-feature <name>).' : 'Choose a feature.' }));
      return;
    }
    const o = p.overview;
    const artifacts = Object.entries(o.artifacts).map(([k, a]) => {
      const label = `${a.exists ? '✓' : '✗'} ${ARTIFACT_LABEL[k] || k}${a.files !== null && a.exists ? ` (${a.files})` : ''}`;
      const title = a.exists ? `${a.path} · changed ${ago(a.modified_at)}` : `${a.path} is missing`;
      const cls = `chip ${a.exists ? 'present' : 'missing'}`;
      if (a.exists && RENDERABLE.has(k)) return h('button', { type: 'button', class: cls, title, 'data-artifact': k, onclick: () => openArtifact(o.feature, k) }, label, h('span', { class: 'muted', text: ago(a.modified_at) }));
      return h('span', { class: cls, title, 'data-artifact': k }, label, a.exists ? h('span', { class: 'muted', text: ago(a.modified_at) }) : null);
    });
    const phases = Object.entries(o.workflow).map(([k, v]) => h('span', { class: `phase ${v}`, title: v.replace('_', ' '), text: `${k}: ${v.replace('_', ' ')}` }));
    const problems = [...o.problems, ...p.notes];
    if (p.kanban_error) problems.unshift(`${p.kanban_error.code}: ${p.kanban_error.message}`);
    const rows = rowsOf(p);
    const lanes = state.view === 4 ? state.lanes.lanes_4 : state.lanes.lanes;
    const colOf = (row) => (state.view === 4 ? lane4(row.lane) : row.lane);
    keptUsed = new Set();
    const at = `${state.selected}\u0000${state.view}`;
    const board = keep(`board\u0000${at}`, '', () => h('div', { class: 'board', 'data-view': String(state.view) }));
    put(board, lanes.map((l) => {
      const inLane = rows.filter((r) => colOf(r) === l);
      const col = keep(`col\u0000${at}\u0000${l}`, '', () => h('section', { class: 'col', 'data-lane': l, style: laneStyle(l), 'aria-label': LANE_LABEL[l] }));
      put(col, keep(`head\u0000${at}\u0000${l}`, String(inLane.length), () => h('h3', {}, h('span', { text: LANE_LABEL[l] || l }), h('span', { class: 'n', text: String(inLane.length) }))),
        inLane.map((r) => card(r)));
      return col;
    }));
    for (const k of kept.keys()) if (!keptUsed.has(k)) kept.delete(k);
    const events = h('section', { class: 'events' }, h('h2', { text: `Last events (${o.event_count} in the log)` }),
      o.recent_events.length === 0 ? h('p', { class: 'empty', text: 'No status events yet.' }) :
        h('ol', {}, o.recent_events.map((e) => h('li', {}, h('time', { datetime: e.at, title: e.at, text: ago(e.at) }), h('strong', { text: e.wp_id }),
          h('span', { class: 'lane', style: laneStyle(e.from_lane), text: LANE_LABEL[e.from_lane] || e.from_lane }), '→', h('span', { class: 'lane', style: laneStyle(e.to_lane), text: LANE_LABEL[e.to_lane] || e.to_lane }),
          h('span', { class: 'muted', text: `by ${e.actor}${e.force ? ' (forced)' : ''}${e.reason ? ` — ${e.reason}` : ''}` })))));
    put(main, 
      h('div', { class: 'fhead' }, h('h1', { text: o.friendly_name }), h('span', { class: 'slug', text: `${o.feature} · ${o.mission}` }), h('span', { class: 'pct', title: 'done, of all but canceled', text: `${o.progress_percentage}%` })),
      h('div', { class: 'row', 'aria-label': 'artifacts' }, artifacts),
      h('div', { class: 'row', 'aria-label': 'workflow' }, phases),
      problems.length > 0 ? h('div', { class: 'problems', 'data-problems': String(problems.length) }, h('strong', { text: p.kanban ? 'Some files could not be read (shown without them):' : 'The status log could not be read; lanes below come from the prompt files:' }), h('ul', {}, problems.slice(0, 30).map((x) => h('li', {}, h('code', { text: x }))))) : null,
      rows.length === 0 && problems.length === 0 ? h('p', { class: 'empty', text: 'No work packages yet (run /spec-kitty.tasks).' }) : null,
      board,
      events,
    );
    for (const id of flashIds || []) main.querySelector(`.card[data-wp="${CSS.escape(id)}"]`)?.classList.add('flash');
  }

  async function select(slug, { push = true } = {}) {
    state.selected = slug;
    if (push && location.hash !== `#/feature/${slug}`) history.replaceState(null, '', `#/feature/${encodeURIComponent(slug)}`);
    renderFeatures();
    try {
      state.payload = slug === null ? null : await getJson(`/api/feature/${encodeURIComponent(slug)}`);
    } catch (err) {
      state.payload = null;
      put($('main'), h('div', { class: 'problems' }, h('strong', { text: `Cannot show ${slug}: ` }), err.message));
      return;
    }
    if (state.selected === slug) renderMain();
  }

  function defaultFeature() {
    const fromHash = decodeURIComponent((location.hash.match(/^#\/feature\/(.+)$/) || [])[1] || '');
    if (fromHash && state.features.some((f) => f.feature === fromHash)) return fromHash;
    const open = [...state.features].reverse().find((f) => f.total_wps === 0 || f.progress_percentage < 100);
    return (open || state.features[state.features.length - 1] || {}).feature || null;
  }

  // ---- sync corner ------------------------------------------------------------------------------------
  function renderSync() {
    const s = state.sync;
    const el = $('sync');
    if (!s) return;
    const parts = [];
    if (s.error) parts.push(`sync unreadable: ${s.error.message}`);
    else if (!s.enabled) parts.push('sync off');
    else {
      parts.push(`queue ${s.queue_depth}${s.dead ? ` (+${s.dead} dead)` : ''}`);
      parts.push(s.last_sync ? `last delivery ${ago(s.last_sync.at)} (${s.last_sync.status})` : 'never delivered');
      parts.push(s.login ? (s.login.state === 'active' || s.login.state === 'refreshable' ? `logged in as ${s.login.username}` : s.login.state.replace('_', ' ')) : 'no server');
    }
    el.dataset.health = s.error || (s.enabled && !s.healthy) ? 'bad' : s.enabled ? 'ok' : 'off';
    el.title = [...(s.problems || []), s.server_url || ''].filter(Boolean).join('\n');
    put(el, h('span', { class: 'dot' }), h('span', { text: parts.join(' · ') }));
  }

  // ---- drawer: a package or an artifact ---------------------------------------------------------------
  function openDrawer(title, ...content) {
    $('drawer-title').textContent = title;
    put($('drawer-body'), ...content);
    $('drawer').hidden = false;
    $('drawer-close').focus();
  }
  function closeDrawer() {
    $('drawer').hidden = true;
  }
  function rendered(html) {
    const div = h('div', { class: 'prompt' });
    div.innerHTML = html; // rendered by the server with raw HTML escaped
    for (const a of div.querySelectorAll('a')) a.setAttribute('rel', 'noopener noreferrer');
    return div;
  }

  async function openDetail(slug, id) {
    openDrawer(`${id}`, h('p', { class: 'empty', text: 'Loading…' }));
    let d;
    try {
      d = await getJson(`/api/wp/${encodeURIComponent(slug)}/${encodeURIComponent(id)}`);
    } catch (err) {
      openDrawer(id, h('div', { class: 'problems', text: err.message }));
      return;
    }
    const fm = d.frontmatter || {};
    const kv = [['Lane', h('span', { class: 'lane', style: laneStyle(d.lane), text: LANE_LABEL[d.lane] || d.lane })], ['File', d.file], ['Agent', fm.agent || '—'], ['Assignee', fm.assignee || '—'],
      ['Dependencies', (Array.isArray(fm.dependencies) ? fm.dependencies.join(', ') : '') || '—'], ['Review', [fm.review_status, fm.reviewed_by && `by ${fm.reviewed_by}`].filter(Boolean).join(' ') || '—'], ['Phase', fm.phase || '—']];
    openDrawer(`${d.id} · ${d.title}`,
      h('dl', { class: 'kv', 'data-detail': d.id }, kv.map(([k, v]) => [h('dt', { text: k }), h('dd', {}, typeof v === 'string' ? v : v)])),
      d.problems.length ? h('div', { class: 'problems' }, h('ul', {}, d.problems.map((p) => h('li', { text: p })))) : null,
      h('h3', { text: `Status history (${d.events.length})` }),
      d.events.length === 0 ? h('p', { class: 'empty', text: 'No status events.' }) :
        h('table', { class: 'hist' }, h('tr', {}, h('th', { text: 'When' }), h('th', { text: 'Move' }), h('th', { text: 'By' }), h('th', { text: 'Reason' })),
          d.events.map((e) => h('tr', {}, h('td', { title: e.at, text: e.at.replace('T', ' ').slice(0, 19) }), h('td', { text: `${e.from_lane} → ${e.to_lane}` }), h('td', { text: e.actor }), h('td', { text: e.reason || (e.force ? 'forced' : '') })))),
      h('h3', { text: `Activity log (${d.activity.length})` }),
      d.activity.length === 0 ? h('p', { class: 'empty', text: 'No activity entries.' }) :
        h('table', { class: 'hist' }, d.activity.map((a) => h('tr', {}, h('td', { text: a.timestamp }), h('td', { text: a.agent }), h('td', { text: a.lane }), h('td', { text: a.note })))),
      h('h3', { text: 'Prompt' }),
      rendered(d.html));
  }

  async function openArtifact(slug, key) {
    openDrawer(`${ARTIFACT_LABEL[key] || key}`, h('p', { class: 'empty', text: 'Loading…' }));
    try {
      const a = await getJson(`/api/artifact/${encodeURIComponent(slug)}/${encodeURIComponent(key)}`);
      openDrawer(a.path, rendered(a.html));
    } catch (err) {
      openDrawer(key, h('div', { class: 'problems', text: err.message }));
    }
  }

  // ---- live updates -----------------------------------------------------------------------------------
  function setLive(s) {
    const el = $('live');
    el.dataset.live = s;
    el.textContent = s === 'live' ? 'live' : s === 'offline' ? 'reconnecting…' : 'connecting…';
  }

  function connect() {
    const es = new EventSource('/api/events');
    let hadError = false;
    es.addEventListener('open', () => {
      setLive('live');
      if (hadError) refreshAll(); // events may have been missed while disconnected
    });
    es.addEventListener('error', () => {
      hadError = true;
      setLive('offline');
    });
    es.addEventListener('feature', (ev) => {
      const msg = JSON.parse(ev.data);
      const i = state.features.findIndex((f) => f.feature === msg.feature);
      if (i >= 0) state.features[i] = msg.summary;
      renderFeatures();
      if (msg.feature === state.selected) {
        const before = new Map(state.payload ? rowsOf(state.payload).map((r) => [r.id, r.lane]) : []);
        state.payload = msg.payload;
        const moved = rowsOf(msg.payload).filter((r) => before.get(r.id) !== r.lane).map((r) => r.id);
        renderMain(moved);
      }
    });
    es.addEventListener('features', (ev) => {
      const msg = JSON.parse(ev.data);
      state.features = msg.features;
      if (!state.features.some((f) => f.feature === state.selected)) select(defaultFeature());
      else renderFeatures();
    });
    es.addEventListener('sync', (ev) => {
      state.sync = JSON.parse(ev.data);
      renderSync();
    });
  }

  async function refreshAll() {
    const list = await getJson('/api/features');
    state.lanes = list.lanes;
    state.features = list.features;
    $('project').textContent = list.project_path;
    $('project').title = list.project_path;
    await select(state.selected && state.features.some((f) => f.feature === state.selected) ? state.selected : defaultFeature(), { push: false });
    if (state.payload === null) renderMain();
  }

  function setView(v) {
    state.view = v;
    localStorage.setItem('kitty.lanes', String(v));
    $('lanes-7').classList.toggle('on', v === 7);
    $('lanes-4').classList.toggle('on', v === 4);
    $('lanes-7').setAttribute('aria-pressed', String(v === 7));
    $('lanes-4').setAttribute('aria-pressed', String(v === 4));
    if (state.payload) renderMain();
  }

  async function start() {
    $('lanes-7').addEventListener('click', () => setView(7));
    $('lanes-4').addEventListener('click', () => setView(4));
    $('drawer-close').addEventListener('click', closeDrawer);
    $('drawer-back').addEventListener('click', closeDrawer);
    document.addEventListener('keydown', (e) => e.key === 'Escape' && closeDrawer());
    setView(state.view);
    connect();
    try {
      await refreshAll();
    } catch (err) {
      put($('main'), h('div', { class: 'problems', text: `The dashboard could not load: ${err.message}` }));
    }
    window.__kittyFirstPaint = performance.now();
    document.body.dataset.state = 'ready';
    getJson('/api/sync').then((s) => {
      state.sync = s;
      renderSync();
    }, () => {});
  }

  start();
})();
