import type { FastifyInstance } from 'fastify'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProfileReadSide } from '../../../src/api/read-side.js'
import { SearchIndex } from '../../../src/api/search-index.js'
import { buildApiServer } from '../../../src/api/server.js'
import { profileKey } from '../../../src/core/keys.js'
import { PrometheusMetrics } from '../../../src/runtime/metrics.js'
import { WriteObservedStore } from '../../../src/state/observed-store.js'
import { sampleReadSide } from './sample-state.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
let app: FastifyInstance
let observed: WriteObservedStore
let index: SearchIndex
let c1: string

beforeEach(async () => {
  const sample = await sampleReadSide([
    // more Smiths, and a second tenant with a Smith of its own
    {
      eventId: 's-1',
      source: 'crm',
      ids: { customer_id: 'C10', email: 'john.smith@corp.com' },
      attributes: { first_name: 'John', last_name: 'Smith', points: 500, birthday: '1980-02-03' },
    },
    {
      eventId: 's-2',
      source: 'crm',
      ids: { customer_id: 'C11' },
      attributes: { first_name: 'Smithers', points: 90, birthday: '1980-11-30' },
    },
    {
      eventId: 'o-1',
      tenant: 'boutique-fr',
      source: 'crm',
      ids: { customer_id: 'F1' },
      attributes: { last_name: 'Smith' },
    },
    ...[1, 2, 3].map((n) => ({
      eventId: `note-${n}`,
      type: 'note' as const,
      source: 'call_center',
      timestamp: 1_720_000_000_000 + (n % 2) * 1000,
      ids: { customer_id: 'C1' },
      note: `call ${n}`,
    })),
    { eventId: 'forget-c3', type: 'forget', source: 'crm', ids: { customer_id: 'C3' } },
  ])
  c1 = await sample.profileOf('customer_id', 'C1')
  observed = new WriteObservedStore(sample.store)
  index = SearchIndex.open({
    config: sample.config,
    store: sample.store,
    subscribe: (l) => observed.onWrite(l),
  })
  await index.ready
  const readSide = new ProfileReadSide(sample.config, sample.store, null, index)
  app = await buildApiServer({
    health: () => ({ status: 'running', generation: 1, partitions: [] }),
    metrics: new PrometheusMetrics().registry,
    profiles: () => readSide,
  })
})
afterEach(async () => {
  await app.close()
})

const T = '/v1/tenants/acme'
const get = async (url: string) => {
  const r = await app.inject({ method: 'GET', url })
  return { status: r.statusCode, body: r.json() }
}
const search = async (query: string) => get(`${T}/search?${query}`)
const names = (body: any) => body.results.map((r: any) => r.attributes.first_name)

const ids = (body: any) => body.results.map((r: any) => r.profileId)

describe('GET /search', () => {
  it('finds every Smith, best match first, with the fields that matched', async () => {
    const r = await search('q=Smith')
    expect(r.status).toBe(200)
    // whole last names (3) before a prefix of Smithers (1.5); ties by profileId
    expect(names(r.body)[2]).toBe('Smithers')
    expect(new Set(names(r.body).slice(0, 2))).toEqual(new Set(['John', 'Ann']))
    expect(r.body.results.map((x: any) => x.score)).toEqual([3, 3, 1.5])
    const [a, b] = r.body.results
    expect(a.profileId < b.profileId).toBe(true)
    const john = r.body.results.find((x: any) => x.attributes.first_name === 'John')
    expect(john.matched).toEqual(['identifier:email', 'attribute:last_name'])
    expect(john.identifiers).toContainEqual({ type: 'email', value: 'john.smith@corp.com' })
    expect(r.body.nextCursor).toBeNull()
  })

  it('finds everyone born in 1980, by keyword and by range', async () => {
    const byWord = await search('q=1980')
    expect(new Set(names(byWord.body))).toEqual(new Set(['John', 'Smithers']))
    expect(byWord.body.results[0].matched).toEqual(['attribute:birthday'])
    const byRange = await search('filter=birthday:1980')
    expect(ids(byRange.body).sort()).toEqual(ids(byWord.body).sort())
    const narrow = await search(`filter=${encodeURIComponent('birthday:1980-06..1980-12-31')}`)
    expect(names(narrow.body)).toEqual(['Smithers'])
  })

  it('an identifier whole ranks first; the exact profile is found by its email', async () => {
    const r = await search(`q=${encodeURIComponent('ann@x.com')}`)
    expect(r.body.results).toHaveLength(1)
    expect(r.body.results[0]).toMatchObject({
      profileId: c1,
      score: 4,
      matched: ['identifier:email'],
    })
  })

  it('combines conditions with ALL or ANY; number ranges, booleans, has an identifier', async () => {
    const all = await search('q=smith&filter=points:100..200')
    expect(names(all.body)).toEqual(['Ann'])
    const open = await search('filter=points:400..')
    expect(names(open.body)).toEqual(['John'])
    const bool = await search('filter=newsletter_opt_in:true')
    expect(names(bool.body)).toEqual(['Carla'])
    const both = await search('has=phone&filter=newsletter_opt_in:true')
    expect(names(both.body)).toEqual(['Carla'])
    const any = await search('has=phone&filter=newsletter_opt_in:true&match=any')
    // Carla meets both conditions, Ann one
    expect(names(any.body)).toEqual(['Carla', 'Ann'])
    expect(any.body.results.map((x: any) => x.score)).toEqual([2, 1])
    expect(any.body.results[0].matched).toEqual(['attribute:newsletter_opt_in', 'identifier:phone'])
    const words = await search('q=john+carla&match=any')
    expect(new Set(names(words.body))).toEqual(new Set(['John', 'Carla']))
    const none = await search('q=john+carla')
    expect(none.body.results).toEqual([])
  })

  it('pages with nextCursor, without duplicates or gaps', async () => {
    const everyone = await search('has=customer_id&limit=100')
    expect(everyone.body.nextCursor).toBeNull()
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: any = await search(
        `has=customer_id&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      )
      expect(r.status).toBe(200)
      expect(r.body.results.length).toBeLessThanOrEqual(2)
      seen.push(...ids(r.body))
      cursor = r.body.nextCursor
      pages++
    } while (cursor !== null && pages < 20)
    expect(seen).toEqual(ids(everyone.body))
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBeGreaterThan(4)
  })

  it('is scoped to the tenant', async () => {
    const fr = await get('/v1/tenants/boutique-fr/search?q=smith')
    expect(fr.body.results).toHaveLength(1)
    expect(fr.body.results[0].identifiers).toEqual([{ type: 'customer_id', value: 'F1' }])
    expect(ids((await search('q=smith')).body)).not.toContain(fr.body.results[0].profileId)
    // a tenant of the "*" defaults without profiles finds nothing
    expect((await get('/v1/tenants/nobody/search?q=smith')).body.results).toEqual([])
  })

  it('never returns merged-away ids, and follows the store as it changes', async () => {
    const r = await search('has=loyalty_card&match=any&q=c1')
    // P2 and P3 merged into C1's profile at event 4: only the survivor is found
    const retired = (await get(`${T}/profiles/${c1}`)).body.mergedFrom
    expect(retired).toHaveLength(2)
    expect(ids(r.body)).toContain(c1)
    for (const id of retired) expect(ids(r.body)).not.toContain(id)
    expect(ids((await search('q=c1')).body)[0]).toBe(c1)
    const bruno = (await search('q=bruno')).body.results[0].profileId
    // the profile's record goes (as when a merge turns it into a pointer, or a forget)
    await observed.write([{ key: profileKey('acme', bruno), value: null }])
    expect((await search('q=bruno')).body.results).toEqual([])
    expect(index.size).toBeGreaterThan(0)
  })

  it('answers 400 naming the bad parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /^q: /],
      ['filter=points:abc', /^filter\[0\]: "points" is a number/],
      ['filter=nope:1', /^filter\[0\]: the tenant has no attribute "nope"/],
      ['filter=last_name:smith', /^filter\[0\]: "last_name" is a string attribute/],
      ['filter=newsletter_opt_in:yes', /^filter\[0\]: "newsletter_opt_in" is a boolean/],
      ['filter=birthday:1980-13', /^filter\[0\]: "birthday" is a datetime/],
      ['has=fax', /^has\[0\]: /],
      ['q=smith&cursor=%%%', /^cursor: /],
      ['q=smith&cursor=bm90LWpzb24', /^cursor: /],
      ['limit=0&q=x', /limit/],
      ['match=some&q=x', /match/],
    ]
    for (const [query, message] of cases) {
      const r = await search(query)
      expect(r.status, query).toBe(400)
      expect(r.body.error.code, query).toBe('bad-request')
      expect(r.body.error.message, query).toMatch(message)
    }
    // a cursor of another search is refused
    const page = await search('has=customer_id&limit=1')
    const other = await search(`q=smith&cursor=${page.body.nextCursor}`)
    expect(other.status).toBe(400)
    expect(other.body.error.message).toMatch(/^cursor: /)
  })
})

describe('GET /profiles/{id}/timeline', () => {
  it('pages the timeline newest first; a merged-away id answers the survivor', async () => {
    const profile = (await get(`${T}/profiles/${c1}`)).body
    expect(profile.timeline.map((e: any) => e.eventId)).toEqual([
      'note-3',
      'note-1',
      'note-2',
      'cc-0004',
    ])
    const whole = await get(`${T}/profiles/${c1}/timeline?limit=100`)
    expect(whole.status).toBe(200)
    expect(whole.body).toEqual({
      tenant: 'acme',
      profileId: c1,
      entries: profile.timeline,
      nextCursor: null,
    })
    const paged: any[] = []
    let url = `${T}/profiles/${profile.mergedFrom[0]}/timeline?limit=3`
    for (let i = 0; i < 5; i++) {
      const r = await get(url)
      expect(r.status).toBe(200)
      expect(r.body.profileId).toBe(c1)
      paged.push(...r.body.entries)
      if (r.body.nextCursor === null) break
      url = `${T}/profiles/${c1}/timeline?limit=3&cursor=${r.body.nextCursor}`
    }
    expect(paged).toEqual(profile.timeline)
  })

  it('answers 404 deleted for a forgotten id, 400 for a bad cursor', async () => {
    // C3's id as it was before the forget (ids derive from the creating event)
    const forgotten = await (await sampleReadSide()).profileOf('customer_id', 'C3')
    const r = await get(`${T}/profiles/${forgotten}/timeline`)
    expect(r.status).toBe(404)
    expect(r.body.error.code).toBe('deleted')
    expect((await get(`${T}/profiles/p_nobody/timeline`)).body.error.code).toBe('not-found')
    const bad = await get(`${T}/profiles/${c1}/timeline?cursor=abc`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/^cursor: /)
    // a search cursor is not a timeline cursor
    const page = await search('has=customer_id&limit=1')
    const wrong = await get(`${T}/profiles/${c1}/timeline?cursor=${page.body.nextCursor}`)
    expect(wrong.status).toBe(400)
  })
})
