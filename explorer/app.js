// The explorer page: search, a profile with its evidence, and explain, over this server's
// Profile API (docs/api.md). The page's state lives in the URL fragment
// (#tenant=…&q=…&profile=…&a=…&b=…), so views can be linked and Back works. Everything shown is
// inserted as text (textContent, DOM calls); nothing is logged.
import { explainGraph, shortId } from './graph.js'

const TOKEN_KEY = 'profile-unifier.token'
const TENANT_KEY = 'profile-unifier.tenant'
const $ = (id) => document.getElementById(id)
const enc = encodeURIComponent

/** An element; children are nodes or text (never parsed as HTML). */
function h(tag, props = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
    else if (k === 'class') e.className = v
    else e.setAttribute(k, String(v))
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue
    e.append(c instanceof Node ? c : String(c))
  }
  return e
}

const time = (ms) =>
  typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : ''
const ident = (i) => (i ? `${i.type} ${i.value}` : '')
const evidence = (e) => (e ? [h('code', {}, e.eventId), ` ${e.source}, ${time(e.timestamp)}`] : '')

// --- state in the fragment --------------------------------------------------------------

function state() {
  return new URLSearchParams(location.hash.slice(1))
}

/** Sets (or, with null, removes) fragment parameters; the hashchange renders. */
function go(changes) {
  const s = state()
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') s.delete(k)
    else s.set(k, v)
  }
  const next = s.toString()
  if (next === location.hash.slice(1)) render(true)
  else location.hash = next
}

const profileLink = (id, text = id) =>
  h(
    'a',
    {
      href: `#${withParams({ profile: id })}`,
      class: 'profile-link',
      title: id,
      'data-profile': id,
    },
    text,
  )

function withParams(changes) {
  const s = state()
  for (const [k, v] of Object.entries(changes)) s.set(k, v)
  return s.toString()
}

// --- the API ------------------------------------------------------------------------------

async function api(path) {
  const headers = { accept: 'application/json' }
  const token = sessionStorage.getItem(TOKEN_KEY)
  if (token) headers.authorization = `Bearer ${token}`
  let response
  try {
    response = await fetch(path, { headers })
  } catch {
    return { status: 0, body: null }
  }
  let body
  try {
    body = await response.json()
  } catch {
    body = null
  }
  return { status: response.status, body }
}

const tenantPath = (tenant, path) => `/v1/tenants/${enc(tenant)}${path}`

/** `{"error": {code, message}}` as a line of text (messages never hold request values). */
function problem(r) {
  if (r.status === 0) return 'the server did not answer'
  if (r.status === 401) return '401: this server needs a token (the Token field above)'
  const e = r.body?.error
  return e ? `${r.status} ${e.code}: ${e.message}` : `${r.status}`
}

const routeMissing = (r) => r.status === 404 && r.body?.error?.code === 'route-not-found'

/** `email:ann@x.com` → {type, value}; anything else null. */
function asIdentifier(q) {
  const m = /^([A-Za-z][A-Za-z0-9_.-]*):(.+)$/.exec(q.trim())
  return m ? { type: m[1], value: m[2].trim() } : null
}

// --- search -------------------------------------------------------------------------------

async function renderSearch(tenant, q, gen) {
  const list = $('results')
  const status = $('search-status')
  list.replaceChildren()
  status.textContent = ''
  $('q').value = q
  if (!q) return
  status.textContent = 'Searching…'
  const id = asIdentifier(q)
  const [found, exact] = await Promise.all([
    api(tenantPath(tenant, `/search?q=${enc(q)}&limit=20`)),
    id === null
      ? Promise.resolve(null)
      : api(tenantPath(tenant, `/identifiers/${enc(id.type)}/${enc(id.value)}`)),
  ])
  if (superseded('search', gen)) return
  const rows = []
  if (exact?.status === 200)
    rows.push({
      profileId: exact.body.profileId,
      score: null,
      identifiers: exact.body.identifiers,
      attributes: exact.body.attributes,
      matched: [`${exact.body.matched.type}:${exact.body.matched.value}`],
    })
  const notes = []
  if (found.status === 200) {
    for (const r of found.body.results)
      if (!rows.some((x) => x.profileId === r.profileId)) rows.push(r)
  } else if (routeMissing(found)) {
    notes.push(
      'Keyword search is not on this server; type:value (email:ann@x.com) finds one identifier.',
    )
  } else notes.push(problem(found))
  if (exact !== null && exact.status !== 200 && exact.status !== 404) notes.push(problem(exact))
  status.textContent = [
    `${rows.length} ${rows.length === 1 ? 'profile' : 'profiles'}`,
    ...notes,
  ].join(' · ')
  for (const r of rows) list.append(resultItem(r))
  const cursor = found.status === 200 ? found.body.nextCursor : null
  if (cursor) list.append(moreResults(tenant, q, cursor, rows))
}

function resultItem(r) {
  const a = r.attributes ?? {}
  const name = [a.first_name, a.last_name].filter((x) => typeof x === 'string').join(' ')
  return h(
    'li',
    { class: 'result' },
    h(
      'div',
      {},
      profileLink(r.profileId, name || shortId(r.profileId)),
      name ? h('small', {}, ` ${shortId(r.profileId)}`) : '',
    ),
    h(
      'div',
      { class: 'chips' },
      (r.identifiers ?? []).map((i) => h('span', { class: 'chip' }, ident(i))),
    ),
    r.matched?.length ? h('small', { class: 'matched' }, `matched: ${r.matched.join(', ')}`) : '',
  )
}

function moreResults(tenant, q, cursor, rows) {
  const li = h(
    'li',
    { class: 'more' },
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          const r = await api(
            tenantPath(tenant, `/search?q=${enc(q)}&limit=20&cursor=${enc(cursor)}`),
          )
          li.remove()
          if (r.status !== 200) {
            $('search-status').textContent = problem(r)
            return
          }
          for (const x of r.body.results)
            if (!rows.some((y) => y.profileId === x.profileId)) {
              rows.push(x)
              $('results').append(resultItem(x))
            }
          if (r.body.nextCursor)
            $('results').append(moreResults(tenant, q, r.body.nextCursor, rows))
        },
      },
      'More results',
    ),
  )
  return li
}

// --- a profile ----------------------------------------------------------------------------

async function renderProfile(tenant, id, gen) {
  const panel = $('profile-panel')
  const view = $('profile')
  panel.hidden = !id
  view.replaceChildren()
  if (!id) return
  view.append(h('p', { class: 'status' }, 'Loading…'))
  const base = tenantPath(tenant, `/profiles/${enc(id)}`)
  const [profile, identifiers, history, timeline] = await Promise.all([
    api(base),
    api(`${base}/identifiers`),
    api(`${base}/history`),
    api(`${base}/timeline?limit=20`),
  ])
  if (superseded('profile', gen)) return
  view.replaceChildren()
  if (profile.status !== 200) {
    view.append(h('p', { class: 'error' }, problem(profile)))
    return
  }
  const p = profile.body
  const merges =
    history.status === 200 ? history.body.entries.filter((e) => e.kind === 'merged') : []
  view.append(
    h(
      'div',
      { class: 'profile-head' },
      h('code', { id: 'profile-id' }, p.profileId),
      h(
        'span',
        {},
        ` anchor ${p.anchor ? ident(p.anchor) : 'none'} · channels ${p.channels.join(', ')} · created ${time(p.createdAt)} · updated ${time(p.updatedAt)}`,
      ),
    ),
  )
  if (p.resolvedFrom) {
    const last = p.resolvedFrom.chain.at(-1)
    view.append(
      h(
        'p',
        { class: 'notice' },
        h('code', {}, p.resolvedFrom.retiredId),
        ' was merged into this profile',
        last
          ? [' by ', h('code', {}, last.eventId), last.via ? ` via ${ident(last.via)}` : '']
          : '',
        '.',
      ),
    )
  }

  view.append(h('h3', {}, `Merged into it (${p.mergedFrom.length})`))
  view.append(
    p.mergedFrom.length === 0
      ? h('p', { class: 'status' }, 'No profile was merged into this one.')
      : h(
          'ul',
          { id: 'merged-from' },
          p.mergedFrom.map((m) => {
            const e = merges.find((x) => x.merged === m)
            return h(
              'li',
              {},
              profileLink(m),
              e ? [' by ', h('code', {}, e.eventId), `, ${time(e.timestamp)}`] : '',
              e?.via ? ` via ${ident(e.via)}` : '',
            )
          }),
        ),
  )

  view.append(h('h3', {}, 'Identifiers'))
  if (identifiers.status !== 200) view.append(h('p', { class: 'error' }, problem(identifiers)))
  else view.append(identifiersTable(identifiers.body, p.profileId))

  view.append(h('h3', {}, 'Attributes'))
  view.append(attributesTable(p))

  view.append(h('h3', {}, 'Timeline'))
  if (timeline.status === 200)
    view.append(timelineList(timeline.body.entries, tenant, base, timeline.body.nextCursor))
  else if (routeMissing(timeline)) view.append(timelineList(p.timeline, tenant, base, null))
  else view.append(h('p', { class: 'error' }, problem(timeline)))

  view.append(h('h3', {}, 'History'))
  if (history.status !== 200) view.append(h('p', { class: 'error' }, problem(history)))
  else view.append(historyTable(history.body.entries))
}

/** Puts an identifier into the explain form (a first, then b). */
function explainButton(i) {
  return h(
    'button',
    {
      type: 'button',
      class: 'small',
      title: 'use in Explain',
      onclick: () => {
        const text = `${i.type}:${i.value}`
        if (!$('a').value || $('b').value) {
          $('a').value = text
          $('b').value = ''
          $('b').focus()
        } else $('b').value = text
      },
    },
    'explain',
  )
}

function identifiersTable(body, profileId) {
  const rows = body.identifiers.map((i) =>
    h(
      'tr',
      {},
      h('td', {}, i.type),
      h('td', {}, h('code', {}, i.value)),
      h('td', {}, evidence(i.attachedBy)),
      h(
        'td',
        {},
        i.attachedTo === profileId
          ? 'directly'
          : ['to ', profileLink(i.attachedTo, shortId(i.attachedTo))],
        i.merges.map((m) => [
          h('br'),
          'merged by ',
          h('code', {}, m.eventId),
          ` into ${shortId(m.survivor)}`,
        ]),
      ),
      h('td', {}, explainButton(i)),
    ),
  )
  const departed = body.departed.map((d) =>
    h(
      'tr',
      { class: 'departed' },
      h('td', {}, d.type),
      h('td', {}, h('code', {}, d.value)),
      h('td', {}, 'came with ', h('code', {}, d.arrived.eventId)),
      h(
        'td',
        {},
        d.kind,
        d.movedBy ? [' by ', h('code', {}, d.movedBy.eventId)] : '',
        d.heldBy ? [' · now in ', profileLink(d.heldBy, shortId(d.heldBy))] : '',
      ),
      h('td', {}, d.heldBy ? explainButton(d) : ''),
    ),
  )
  return h(
    'table',
    { id: 'identifiers' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'type'),
        h('th', {}, 'value'),
        h('th', {}, 'attached by'),
        h('th', {}, 'how it got here'),
        h('th'),
      ),
    ),
    h('tbody', {}, rows, departed),
  )
}

function attributesTable(p) {
  const names = Object.keys(p.attributes).sort()
  if (names.length === 0) return h('p', { class: 'status' }, 'No attributes.')
  return h(
    'table',
    { id: 'attributes' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'attribute'), h('th', {}, 'value'), h('th', {}, 'from')),
    ),
    h(
      'tbody',
      {},
      names.map((n) =>
        h(
          'tr',
          {},
          h('td', {}, n),
          h('td', {}, String(p.attributes[n])),
          h('td', {}, evidence(p.provenance?.[n])),
        ),
      ),
    ),
  )
}

function timelineList(entries, tenant, base, cursor) {
  const list = h('ol', { id: 'timeline', class: 'timeline' })
  const add = (items) => {
    for (const e of items)
      list.append(
        h(
          'li',
          {},
          h('time', {}, time(e.timestamp)),
          ` ${e.source} `,
          h('code', {}, e.eventId),
          e.note ? h('div', {}, e.note) : '',
        ),
      )
  }
  add(entries)
  if (entries.length === 0) return h('p', { class: 'status' }, 'No timeline entries.')
  const wrap = h('div', {}, list)
  const more = (next) => {
    if (!next) return
    const button = h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          button.remove()
          const r = await api(`${base}/timeline?limit=20&cursor=${enc(next)}`)
          if (r.status !== 200) wrap.append(h('p', { class: 'error' }, problem(r)))
          else {
            add(r.body.entries)
            more(r.body.nextCursor)
          }
        },
      },
      'Older entries',
    )
    wrap.append(button)
  }
  more(cursor)
  return wrap
}

function historyTable(entries) {
  if (entries.length === 0)
    return h('p', { class: 'status' }, 'No merges, reassignments or refused merges.')
  const what = (e) => {
    switch (e.kind) {
      case 'merged':
        return [
          profileLink(e.merged, shortId(e.merged)),
          ' merged into ',
          profileLink(e.survivor, shortId(e.survivor)),
          e.via ? ` via ${ident(e.via)}` : '',
        ]
      case 'reassigned':
        return [
          `${ident(e.identifier)} moved from `,
          profileLink(e.from, shortId(e.from)),
          ' to ',
          profileLink(e.to, shortId(e.to)),
        ]
      case 'merge-refused':
        return [
          profileLink(e.refused, shortId(e.refused)),
          ' not merged into ',
          profileLink(e.target, shortId(e.target)),
          ` (limit of ${e.limitType})`,
          e.via ? ` via ${ident(e.via)}` : '',
        ]
      default:
        return e.kind
    }
  }
  return h(
    'table',
    { id: 'history' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'event'),
        h('th', {}, 'time'),
        h('th', {}, 'kind'),
        h('th', {}, 'what'),
      ),
    ),
    h(
      'tbody',
      {},
      entries.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, h('code', {}, e.eventId)),
          h('td', {}, time(e.timestamp)),
          h('td', {}, e.kind),
          h('td', {}, what(e)),
        ),
      ),
    ),
  )
}

// --- explain --------------------------------------------------------------------------------

async function renderExplain(tenant, a, b, gen) {
  const view = $('explanation')
  $('a').value = a
  $('b').value = b
  view.replaceChildren()
  if (!a || !b) return
  view.append(h('p', { class: 'status' }, 'Explaining…'))
  const r = await api(tenantPath(tenant, `/explain?a=${enc(a)}&b=${enc(b)}`))
  if (superseded('explain', gen)) return
  view.replaceChildren()
  if (r.status !== 200) {
    view.append(h('p', { class: 'error' }, problem(r)))
    return
  }
  const x = r.body
  const open = (id) => go({ profile: id })
  if (x.together)
    view.append(
      h(
        'p',
        { class: 'verdict together', id: 'verdict' },
        `Together in `,
        profileLink(x.profileId),
        `: ${ident(x.a)} and ${ident(x.b)}, joined by these events.`,
      ),
    )
  else
    view.append(
      h(
        'p',
        { class: 'verdict apart', id: 'verdict' },
        `Apart (${x.reason.kind}): ${x.reason.message}`,
      ),
    )
  view.append(h('div', { class: 'graph-wrap' }, explainGraph(x, open)))
  if (x.together)
    view.append(
      h(
        'table',
        { id: 'steps' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'event'),
            h('th', {}, 'source'),
            h('th', {}, 'time'),
            h('th', {}, 'what'),
          ),
        ),
        h(
          'tbody',
          {},
          x.steps.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', {}, s.eventId)),
              h('td', {}, s.source),
              h('td', {}, time(s.timestamp)),
              h(
                'td',
                {},
                s.action === 'attached'
                  ? [
                      `attached ${ident(s.identifier)} to `,
                      profileLink(s.profileId, shortId(s.profileId)),
                    ]
                  : [
                      'merged ',
                      profileLink(s.merged, shortId(s.merged)),
                      ' into ',
                      profileLink(s.profileId, shortId(s.profileId)),
                      s.identifier ? ` via ${ident(s.identifier)}` : '',
                    ],
              ),
            ),
          ),
        ),
      ),
    )
}

// --- wiring ---------------------------------------------------------------------------------

let shown = {}
/** Each panel's latest render: an older one still awaiting the API drops its answer. */
const generation = { search: 0, profile: 0, explain: 0 }
const superseded = (panel, gen) => generation[panel] !== gen

/** Re-renders the panels whose inputs changed (all of them with `force`). */
function render(force = false) {
  const s = state()
  const tenant = s.get('tenant') ?? $('tenant').value
  $('tenant').value = tenant
  const want = {
    search: [tenant, s.get('q') ?? ''],
    profile: [tenant, s.get('profile') ?? ''],
    explain: [tenant, s.get('a') ?? '', s.get('b') ?? ''],
  }
  const changed = (k) => force || JSON.stringify(shown[k]) !== JSON.stringify(want[k])
  if (changed('search')) void renderSearch(...want.search, ++generation.search)
  if (changed('profile')) void renderProfile(...want.profile, ++generation.profile)
  if (changed('explain')) void renderExplain(...want.explain, ++generation.explain)
  shown = want
}

async function start() {
  const tenants = await api('/explorer/tenants.json')
  const listed = tenants.status === 200 ? tenants.body.tenants : []
  $('tenants').replaceChildren(...listed.map((t) => h('option', { value: t })))
  const s = state()
  const tenant = s.get('tenant') ?? localStorage.getItem(TENANT_KEY) ?? listed[0] ?? ''
  $('tenant').value = tenant
  $('token').value = sessionStorage.getItem(TOKEN_KEY) ?? ''

  $('settings').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const token = $('token').value.trim()
    if (token) sessionStorage.setItem(TOKEN_KEY, token)
    else sessionStorage.removeItem(TOKEN_KEY)
    const t = $('tenant').value.trim()
    localStorage.setItem(TENANT_KEY, t)
    go({ tenant: t })
  })
  $('search').addEventListener('submit', (ev) => {
    ev.preventDefault()
    go({ tenant: $('tenant').value.trim(), q: $('q').value.trim() })
  })
  $('explain').addEventListener('submit', (ev) => {
    ev.preventDefault()
    go({ tenant: $('tenant').value.trim(), a: $('a').value.trim(), b: $('b').value.trim() })
  })
  window.addEventListener('hashchange', () => render())
  if (tenant && !s.get('tenant')) history.replaceState(null, '', `#${withParams({ tenant })}`)
  render(true)
  document.body.dataset.ready = 'true'
}

start()
