import { describe, expect, it } from 'vitest'
import { ResolverDriver, type EventInput } from '../../support/resolver-driver.js'
import { withDeviceIds } from './identity-fixture.js'

const config = withDeviceIds()

const devices = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

// merges, reassignment, unlink, notes and a forget, over profiles large enough to need chunks
const events: EventInput[] = [
  { ids: { customer_id: 'C1', device_id: devices(150, 'a') } },
  { ids: { email: 'x@mail.org', device_id: devices(90, 'b') } },
  { ids: { phone: '+12125550100', device_id: ['b-1', 'z-1'] } },
  { ids: { customer_id: 'C1', device_id: 'b-0' }, attributes: { first_name: 'Ann' } },
  { ids: { customer_id: 'C2', device_id: 'a-7' }, note: 'moved' },
  { type: 'unlink', ids: { device_id: ['a-8', 'b-9'] } },
  { type: 'note', ids: { email: 'x@mail.org' }, note: 'called' },
  { ids: { email: 'x@mail.org' } },
  { type: 'forget', ids: { customer_id: 'C2' } },
]

describe('synchronous reads', () => {
  it('decide gives the same writes and outputs whether the reader answers synchronously or not', async () => {
    const run = async (sync: boolean) => {
      const d = new ResolverDriver(config)
      d.state.syncReads = sync
      const decisions = await d.sendAll(events)
      return { decisions, state: [...d.state.map].sort(([a], [b]) => (a < b ? -1 : 1)) }
    }
    const sync = await run(true)
    const async = await run(false)
    expect(sync.decisions).toEqual(async.decisions)
    expect(sync.state).toEqual(async.state)
    expect(sync.decisions.flatMap((d) => d.outputs).some((o) => o.kind === 'merged')).toBe(true)
  })
})
