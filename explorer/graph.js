// The explain chain as a small graph: identifiers and profiles are nodes, each event an edge
// labelled with its eventId. Built with DOM calls only (text goes in as textContent).

const SVG = 'http://www.w3.org/2000/svg'
const NODE_W = 200
const NODE_H = 40
const COL_GAP = 110
const ROW_GAP = 26
const PAD = 16
/** Room above the nodes for edges that arc over them. */
const ARC = 44

/** `p_d00a5e2171b0675cb4853c6ddbecb7b7` → `p_d00a…b7b7`. */
export function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id
}

const identifierKey = (i) => `i\u0000${i.type}\u0000${i.value}`
const profileKey = (id) => `p\u0000${id}`

/**
 * Nodes and edges of an explain answer. Together: its steps (attached: identifier → profile;
 * merged: merged profile → survivor). Apart: each side's attachment and merges, and for a
 * reassignment the move (dashed) from the profile it left to the one holding it.
 */
export function explainLayout(answer) {
  const nodes = new Map()
  const edges = []
  const node = (key, kind, label, title, extra = {}) => {
    if (!nodes.has(key)) nodes.set(key, { key, kind, label, title, level: 0, ...extra })
    return key
  }
  const ident = (i, asked) =>
    node(identifierKey(i), 'identifier', `${i.type} ${i.value}`, `${i.type} ${i.value}`, {
      asked,
    })
  const profile = (id) => node(profileKey(id), 'profile', shortId(id), id, { profileId: id })
  const edge = (from, to, e, kind, title) =>
    edges.push({ from, to, label: e.eventId, kind, title: `${e.eventId} (${e.source}) ${title}` })

  ident(answer.a, true)
  ident(answer.b, true)
  if (answer.together) {
    for (const s of answer.steps) {
      const via = s.identifier === null ? '' : ` via ${s.identifier.type} ${s.identifier.value}`
      if (s.action === 'attached' && s.identifier !== null)
        edge(ident(s.identifier, false), profile(s.profileId), s, 'attached', 'attached')
      else if (s.action === 'merged' && s.merged !== null)
        edge(profile(s.merged), profile(s.profileId), s, 'merged', `merged${via}`)
    }
    nodes.get(profileKey(answer.profileId)).live = true
  } else {
    for (const side of [answer.a, answer.b]) {
      edge(identifierKey(side), profile(side.attachedTo), side.attachedBy, 'attached', 'attached')
      for (const m of side.merges) {
        const via = m.via === null ? '' : ` via ${m.via.type} ${m.via.value}`
        edge(profile(m.merged), profile(m.survivor), m, 'merged', `merged${via}`)
      }
      nodes.get(profile(side.profileId)).live = true
    }
    const r = answer.reason
    if (r.kind === 'reassigned' && r.from !== undefined && r.to !== undefined)
      edge(
        profile(r.from),
        profile(r.to),
        r,
        'moved',
        `moved ${r.identifier.type} ${r.identifier.value}`,
      )
  }
  // columns: identifiers first, each profile right of what flows into it (moves do not count)
  for (let round = 0; round < nodes.size; round++)
    for (const e of edges) {
      if (e.kind === 'moved') continue
      const from = nodes.get(e.from)
      const to = nodes.get(e.to)
      if (to.level < from.level + 1) to.level = from.level + 1
    }
  // rows: each profile in the row of what first flows into it, when that row is free
  const columns = []
  for (const n of nodes.values()) (columns[n.level] ??= []).push(n)
  const taken = columns.map(() => new Set())
  for (const [c, column] of columns.entries()) {
    if (column === undefined) continue
    for (const n of column) {
      const first = c === 0 ? undefined : edges.find((e) => e.to === n.key && e.kind !== 'moved')
      let row = first === undefined ? 0 : nodes.get(first.from).row
      while (taken[c].has(row)) row++
      taken[c].add(row)
      n.row = row
    }
  }
  const rows = Math.max(...[...nodes.values()].map((n) => n.row)) + 1
  for (const n of nodes.values()) {
    n.x = PAD + n.level * (NODE_W + COL_GAP)
    n.y = PAD + 18 + n.row * (NODE_H + ROW_GAP)
  }
  // an edge across columns whose straight line would cross a node arcs over the nodes
  for (const e of edges) {
    const from = nodes.get(e.from)
    const to = nodes.get(e.to)
    e.arc =
      to.level - from.level > 1 &&
      [...nodes.values()].some(
        (n) =>
          n.level > from.level &&
          n.level < to.level &&
          Math.abs(
            n.y - (from.y + ((to.y - from.y) * (n.level - from.level)) / (to.level - from.level)),
          ) <
            NODE_H + 4,
      )
  }
  const arcs = edges.some((e) => e.arc) ? ARC : 0
  for (const n of nodes.values()) n.y += arcs
  // a move between two profiles of one column curves out on their right
  const loops = edges.some((e) => nodes.get(e.from).level === nodes.get(e.to).level) ? 110 : 0
  const width = PAD * 2 + columns.length * NODE_W + (columns.length - 1) * COL_GAP + loops
  const height = PAD * 2 + 18 + arcs + rows * NODE_H + (rows - 1) * ROW_GAP + 30
  return { nodes: [...nodes.values()], edges, width, height }
}

function el(name, attributes = {}, text) {
  const e = document.createElementNS(SVG, name)
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}

/** The graph as an <svg>; `onProfile(id)` runs when a profile node is clicked. */
export function explainGraph(answer, onProfile) {
  const layout = explainLayout(answer)
  const svg = el('svg', {
    class: 'graph',
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img',
    'aria-label': 'the chain of events between the two identifiers',
  })
  const defs = el('defs')
  const marker = el('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 8,
    markerHeight: 8,
    orient: 'auto-start-reverse',
  })
  marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))
  defs.append(marker)
  svg.append(defs)
  svg.append(el('text', { x: PAD, y: PAD + 4, class: 'caption' }, 'identifiers'))
  if (layout.nodes.some((n) => n.level > 0))
    svg.append(el('text', { x: PAD + NODE_W + COL_GAP, y: PAD + 4, class: 'caption' }, 'profiles'))

  const byKey = new Map(layout.nodes.map((n) => [n.key, n]))
  for (const e of layout.edges) {
    const from = byKey.get(e.from)
    const to = byKey.get(e.to)
    const g = el('g', { class: `edge ${e.kind}`, 'data-event': e.label })
    g.append(el('title', {}, e.title))
    let labelX
    let labelY
    if (e.arc) {
      const x1 = from.x + NODE_W
      const y1 = from.y + NODE_H / 2
      const x2 = to.x
      const y2 = to.y + NODE_H / 2
      const top = PAD + 18
      g.append(
        el('path', {
          d: `M ${x1} ${y1} C ${x1 + 60} ${top}, ${x2 - 60} ${top}, ${x2} ${y2}`,
          'marker-end': 'url(#arrow)',
        }),
      )
      labelX = (x1 + x2) / 2
      labelY = 0.75 * top + 0.125 * (y1 + y2)
    } else if (from.level === to.level) {
      // same column (a move between two profiles): a curve on the right
      const x = from.x + NODE_W
      const y1 = from.y + NODE_H / 2
      const y2 = to.y + NODE_H / 2
      const bulge = x + 80
      g.append(
        el('path', {
          d: `M ${x} ${y1} C ${bulge} ${y1}, ${bulge} ${y2}, ${x + 2} ${y2}`,
          'marker-end': 'url(#arrow)',
        }),
      )
      labelX = x + 62
      labelY = (y1 + y2) / 2
    } else {
      const x1 = from.x + NODE_W
      const y1 = from.y + NODE_H / 2
      const x2 = to.x
      const y2 = to.y + NODE_H / 2
      g.append(el('path', { d: `M ${x1} ${y1} L ${x2} ${y2}`, 'marker-end': 'url(#arrow)' }))
      labelX = (x1 + x2) / 2
      labelY = (y1 + y2) / 2
    }
    const w = e.label.length * 7 + 10
    g.append(el('rect', { x: labelX - w / 2, y: labelY - 9, width: w, height: 18, rx: 4 }))
    g.append(el('text', { x: labelX, y: labelY + 4, 'text-anchor': 'middle' }, e.label))
    svg.append(g)
  }
  for (const n of layout.nodes) {
    const classes = ['node', n.kind, n.asked ? 'asked' : '', n.live ? 'live' : ''].join(' ')
    const g = el('g', { class: classes.trim(), transform: `translate(${n.x} ${n.y})` })
    g.append(el('title', {}, n.title))
    g.append(el('rect', { width: NODE_W, height: NODE_H, rx: 8 }))
    const text = n.label.length > 26 ? `${n.label.slice(0, 25)}…` : n.label
    g.append(el('text', { x: NODE_W / 2, y: NODE_H / 2 + 5, 'text-anchor': 'middle' }, text))
    if (n.kind === 'profile') {
      g.setAttribute('tabindex', '0')
      g.setAttribute('data-profile', n.profileId)
      const open = () => onProfile(n.profileId)
      g.addEventListener('click', open)
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') open()
      })
    }
    svg.append(g)
  }
  return svg
}
