/**
 * The answers the "Done when" lists for the spec's worked example, asserted over any
 * transport: fastify's inject (routes.test.ts), real HTTP to `unifier start`
 * (start-serves.test.ts) or to `unifier api` over Kafka (unifier-api.int.test.ts). `get`
 * returns status, the x-request-id header and the JSON body.
 */
import { expect } from 'vitest'

export interface Got {
  readonly status: number
  readonly requestId: string | undefined
  readonly body: any // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type Get = (path: string) => Promise<Got>

const T = '/v1/tenants/acme'
const enc = encodeURIComponent

export async function assertWorkedExampleAnswers(get: Get): Promise<void> {
  // C1's email and the phone, in any format, answer C1's profile: email and phone, no L9
  const byEmail = await get(`${T}/identifiers/email/${enc(' Ann@X.com ')}`)
  expect(byEmail.status).toBe(200)
  expect(byEmail.requestId).toMatch(/.+/)
  const c1 = byEmail.body
  expect(c1.anchor).toEqual({ type: 'customer_id', value: 'C1' })
  expect(c1.identifiers).toEqual([
    { type: 'customer_id', value: 'C1' },
    { type: 'email', value: 'ann@x.com' },
    { type: 'phone', value: '+12125550100' },
  ])
  expect(c1.matched).toEqual({ type: 'email', value: 'ann@x.com' })
  for (const phone of ['+1 (212) 555-0100', '(212) 555-0100', '+12125550100', '212.555.0100']) {
    const r = await get(`${T}/identifiers/phone/${enc(phone)}`)
    expect(r.status, phone).toBe(200)
    expect(r.body.profileId).toBe(c1.profileId)
    expect(r.body.matched).toEqual({ type: 'phone', value: '+12125550100' })
  }

  // P2's and P3's ids (merged away at event 4) answer C1's profile and the chain
  expect(c1.mergedFrom).toHaveLength(2)
  for (const retired of c1.mergedFrom as string[]) {
    const r = await get(`${T}/profiles/${retired}`)
    expect(r.status).toBe(200)
    expect(r.body.profileId).toBe(c1.profileId)
    expect(r.body.identifiers).toEqual(c1.identifiers)
    expect(r.body.resolvedFrom).toEqual({
      retiredId: retired,
      chain: [
        expect.objectContaining({
          merged: retired,
          survivor: c1.profileId,
          eventId: 'web-0002',
          source: 'web',
        }),
      ],
    })
  }
  const live = await get(`${T}/profiles/${c1.profileId}`)
  expect(live.status).toBe(200)
  expect(live.body).toEqual(Object.fromEntries(Object.entries(c1).filter(([k]) => k !== 'matched')))

  // L9 answers C7's profile
  const card = await get(`${T}/identifiers/loyalty_card/L9`)
  expect(card.status).toBe(200)
  expect(card.body.anchor).toEqual({ type: 'customer_id', value: 'C7' })
  expect(card.body.profileId).not.toBe(c1.profileId)

  // explain(email, phone): together, event 4 among the steps
  const together = await get(
    `${T}/explain?a=${enc('email:ann@x.com')}&b=${enc('phone:+1 212 555 0100')}`,
  )
  expect(together.status).toBe(200)
  expect(together.body.together).toBe(true)
  expect(together.body.profileId).toBe(c1.profileId)
  expect(together.body.steps.map((s: { eventId: string }) => s.eventId)).toContain('web-0002')
  expect(together.body.steps).toContainEqual(
    expect.objectContaining({
      action: 'merged',
      eventId: 'web-0002',
      identifier: { type: 'phone', value: '+12125550100' },
      profileId: c1.profileId,
    }),
  )

  // explain(customer_id C1, loyalty_card L9): apart, naming the reassignment of event 5
  const apart = await get(`${T}/explain?a=customer_id:C1&b=loyalty_card:L9`)
  expect(apart.status).toBe(200)
  expect(apart.body.together).toBe(false)
  expect(apart.body.reason).toMatchObject({
    kind: 'reassigned',
    identifier: { type: 'loyalty_card', value: 'L9' },
    from: c1.profileId,
    to: card.body.profileId,
    eventId: 'store-0002',
  })
  expect(apart.body.reason.message).toContain('store-0002')

  // history: the two merges of event 4 into C1's profile and the reassignment of event 5 away
  // from it; a merged-away id answers its survivor's history; C7's holds the reassignment
  const history = await get(`${T}/profiles/${c1.profileId}/history`)
  expect(history.status).toBe(200)
  expect(history.body.profileId).toBe(c1.profileId)
  expect(
    history.body.entries.map((e: Record<string, unknown>) => [
      e.kind,
      e.eventId,
      e.via ?? e.identifier,
    ]),
  ).toEqual([
    ['merged', 'web-0002', { type: 'phone', value: '+12125550100' }],
    ['merged', 'web-0002', { type: 'loyalty_card', value: 'L9' }],
    ['reassigned', 'store-0002', { type: 'loyalty_card', value: 'L9' }],
  ])
  expect(history.body.entries[2]).toMatchObject({ from: c1.profileId, to: card.body.profileId })
  for (const retired of c1.mergedFrom as string[])
    expect((await get(`${T}/profiles/${retired}/history`)).body).toEqual(history.body)
  const c7History = await get(`${T}/profiles/${card.body.profileId}/history`)
  expect(c7History.status).toBe(200)
  expect(c7History.body.entries).toEqual([history.body.entries[2]])
}
