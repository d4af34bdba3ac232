/** A compact, readable rendering of a failing scenario for assertion messages. */
import type { IdentityConfig } from '../../src/core/config.js'
import type { ContactEvent } from '../../src/core/types.js'

export function describeScenario(config: IdentityConfig, events: readonly ContactEvent[]): string {
  const lines: string[] = []
  const seen = new Set<string>()
  const sections = Object.entries(config.tenants)
  if (config.defaults !== null) sections.push(['*', config.defaults])
  for (const [tenant, t] of sections) {
    const shape = JSON.stringify({
      limits: Object.fromEntries(
        Object.entries(t.identifiers).map(([k, v]) => [k, `${v.limit}/p${v.priority}`]),
      ),
      sources: t.sourcePriority,
      timelineCap: t.timelineCap,
      suppressForgotten: t.suppressForgotten,
      window: t.idempotenceWindow,
    })
    if (seen.has(shape)) continue
    seen.add(shape)
    lines.push(`config ${tenant}: ${shape}`)
  }
  events.forEach((e, i) => {
    const ids = e.identifiers.map((id) => `${id.type}=${JSON.stringify(id.value)}`).join(' ')
    const attrs = Object.keys(e.attributes).length ? ` attrs=${JSON.stringify(e.attributes)}` : ''
    const note = e.note === null ? '' : ` note=${JSON.stringify(e.note)}`
    lines.push(
      `#${i} ${e.eventId} ${e.tenant} ${e.type} ${e.source} t+${e.timestamp - 1_700_000_000_000} ${ids}${attrs}${note}`,
    )
  })
  return lines.join('\n')
}
