/**
 * The model borrows only canonicalisation from src/core: identifier normalisation (rule 1) and
 * attribute parsing. Everything that decides profiles stays the model's own.
 */
import { parseAttributes } from '../../src/core/attributes.js'
import type { IdentityConfig } from '../../src/core/config.js'
import { normalizeIdentifier } from '../../src/core/identifiers.js'
import { compileTenants } from '../../src/core/tenant-rules.js'
import type { ModelHooks } from './reference-rules.js'

export function realHooks(config: IdentityConfig): ModelHooks {
  const tenants = compileTenants(config)
  const tenant = (name: string) => {
    const t = tenants.get(name)
    if (t === null) throw new Error(`no identity config for tenant ${name}`)
    return t
  }
  return {
    normalise(name, type, raw) {
      const r = normalizeIdentifier(tenant(name).identifierTypes, type, raw)
      if (r.ok) return { ok: true, value: r.value }
      if (r.reason === 'blocked' || r.reason === 'invalid' || r.reason === 'unknown-type')
        return { ok: false, reason: r.reason }
      throw new Error(`normalisation gave ${r.reason}, which is the model's to decide`)
    },
    parseAttribute(name, field, raw) {
      const parsed = parseAttributes(tenant(name), { [field]: raw })
      const dropped = parsed.dropped[0]
      if (dropped) return { kind: 'dropped', reason: dropped.reason }
      const value = parsed.values[0]
      return value ? { kind: 'value', value: value[1] } : { kind: 'empty' }
    },
  }
}
