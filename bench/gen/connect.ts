/**
 * Real channel data ties a person's identifiers together: a signed-in session sends the
 * customer id with what it is used from, a guest's checkout carries the email typed at it, a
 * card swiped in store is registered with a phone or an email. Random channel draws alone can
 * leave, say, a second email that was only ever sent by itself, which no engine could ever
 * attribute; these are the events that, in real life, would have tied it in.
 */
import type { Holding, Person } from './population.js'

export interface Identifier {
  readonly type: string
  readonly value: string
}

/** An event to add so that `identifier` joins its owner's other identifiers. */
export interface Connection {
  readonly source: 'web' | 'app' | 'crm' | 'store'
  readonly identifier: Identifier
  /** The identifier it is sent with, already connected to the rest. */
  readonly partner: Identifier
  /** When: inside the time both are held. */
  readonly from: number
  readonly until: number
}

const key = (id: Identifier) => `${id.type}\u001f${id.value}`

/** Union-find over identifier keys. */
export class Components {
  private readonly parent = new Map<string, string>()

  add(id: Identifier): string {
    const k = key(id)
    if (!this.parent.has(k)) this.parent.set(k, k)
    return k
  }

  find(k: string): string {
    let root = k
    while (this.parent.get(root) !== root) root = this.parent.get(root) as string
    this.parent.set(k, root)
    return root
  }

  /** Joins every identifier of one event. */
  join(ids: readonly Identifier[]): void {
    let first: string | null = null
    for (const id of ids) {
      const k = this.add(id)
      if (first === null) first = k
      else this.parent.set(this.find(k), this.find(first))
    }
  }

  same(a: Identifier, b: Identifier): boolean {
    return this.find(this.add(a)) === this.find(this.add(b))
  }
}

/**
 * What a person owns at the end: everything they were given except what went to someone
 * else (a recycled phone, a passed-on card). A household landline is not theirs alone.
 */
export function ownedHoldings(
  person: Person,
  start: number,
  end: number,
  givenAway: ReadonlySet<string>,
): { id: Identifier; from: number; until: number }[] {
  const whole = (type: string, value: string) => ({ id: { type, value }, from: start, until: end })
  const held = (type: string, list: readonly Holding[]) =>
    list
      .filter((h) => !givenAway.has(key({ type, value: h.value })))
      .map((h) => ({ id: { type, value: h.value }, from: h.from, until: h.until }))
  return [
    ...(person.customerId === null ? [] : [whole('customer_id', person.customerId)]),
    ...held('phone', person.phones),
    ...held('loyalty_card', person.cards),
    ...held('device_id', person.devices),
    ...person.emails.map((email) => whole('email', email)),
  ]
}

/**
 * The events that tie every identifier the person owns to their hub (customer id, or a
 * guest's first email), given the identifier sets of the events they already sent. Phones
 * come before emails so a guest's extra email can be sent with a phone already tied in, as a
 * guest checkout asks for both.
 */
export function connections(
  person: Person,
  sent: readonly (readonly Identifier[])[],
  start: number,
  end: number,
  givenAway: ReadonlySet<string>,
): Connection[] {
  const components = new Components()
  // Only identifiers the person owns at the end count as evidence: a path through a number
  // that was later recycled would not show the person's identifiers belong together.
  const owned = ownedHoldings(person, start, end, givenAway)
  const ownedKeys = new Set(owned.map((h) => key(h.id)))
  for (const ids of sent) components.join(ids.filter((id) => ownedKeys.has(key(id))))
  const guest = person.customerId === null
  const hub: Identifier = guest
    ? { type: 'email', value: person.emails[0] as string }
    : { type: 'customer_id', value: person.customerId as string }
  const added: Connection[] = []
  for (const holding of owned) {
    const { id, from, until } = holding
    if (components.same(id, hub)) continue
    let source: Connection['source']
    let partner = hub
    let window = { from, until }
    switch (id.type) {
      case 'phone':
        // Registered: the CRM record of the account; a guest types it at a web checkout.
        source = guest ? 'web' : 'crm'
        break
      case 'loyalty_card':
        // The card is registered on the account, or a guest gives an email at the till.
        source = guest ? 'store' : 'crm'
        break
      case 'device_id':
        // A signed-in app session, or a guest's in-app checkout with their email.
        source = 'app'
        break
      default: {
        // An email: a signed-in web session shows it on the account; a guest's checkout
        // asks for an email and a phone, and the phone is already tied in.
        source = 'web'
        const phone = guest
          ? owned.find(
              (h) =>
                h.id.type === 'phone' &&
                Math.max(from, h.from) < Math.min(until, h.until) &&
                components.same(h.id, hub),
            )
          : undefined
        if (phone !== undefined) {
          partner = phone.id
          window = { from: Math.max(from, phone.from), until: Math.min(until, phone.until) }
        }
      }
    }
    added.push({ source, identifier: id, partner, ...window })
    components.join([id, partner])
  }
  return added
}
