/**
 * Turns a cohort's people into the events their channels would send, with what real feeds
 * carry: formatting variants, placeholders typed into forms, late and repeated deliveries.
 */
import { DAY, heldAt, type Cohort, type Holding, type Person } from './population.js'
import { connections } from './connect.js'
import type { Prng } from './prng.js'

export type Source = 'web' | 'app' | 'call_center' | 'store' | 'crm' | 'messaging'

export interface SentIdentifier {
  readonly type: string
  readonly value: string
}

/** One generated event before serialisation; `person` is null only for broken lines. */
export interface DraftEvent {
  readonly eventId: string
  readonly source: Source
  readonly time: number
  /** When the event reaches the pipeline: after `time`, sometimes much after. */
  readonly arrival: number
  readonly identifiers: readonly SentIdentifier[]
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  /** Real identifiers this event carries (normalised), for the truth; placeholders excluded. */
  readonly uses: readonly SentIdentifier[]
  readonly person: Person
  /** A note for the person's timeline: the event is a `note` event (follow-ups only). */
  readonly note?: string
  /** A follow-up on identifiers the person already sent (EventShape.followUps). */
  readonly followUp?: boolean
}

/** Values people type when they do not want to give theirs; they belong to no one. */
export const PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  email: ['test@test.com', 'null', 'noreply@example.com', ' TEST@TEST.COM', 'n/a'],
  phone: ['0000000000', '000-000-0000', 'null', '1111111111'],
  loyalty_card: ['0000', 'null', 'TEST-0001', 'n/a'],
  device_id: ['00000000-0000-0000-0000-000000000000', 'unknown', 'null'],
}

const CHANNELS_REGISTERED: Record<Source, number> = {
  web: 25,
  app: 20,
  call_center: 10,
  store: 20,
  crm: 10,
  messaging: 15,
}
const CHANNELS_GUEST: Record<Source, number> = { ...CHANNELS_REGISTERED, app: 10, crm: 3 }

export interface EventShape {
  /** Share of events whose form field holds a placeholder instead of the real value. */
  readonly placeholderShare: number
  readonly duplicateShare: number
  readonly lateShare: number
  /**
   * Follow-ups per own event, on average: later events on the same identifiers (a purchase, a
   * change of attributes, a note), as most of a real channel's traffic is. 0 (the accuracy
   * dataset) draws none and leaves the bytes of a seed unchanged.
   */
  readonly followUps: number
}

export const DEFAULT_EVENT_SHAPE: EventShape = {
  placeholderShare: 0.03,
  duplicateShare: 0.01,
  lateShare: 0.05,
  followUps: 0,
}

/**
 * The realistic traffic mix of the benchmarks (docs/benchmarks.md, "Workloads"): mostly people
 * already known sending purchases, attribute changes and notes, a few percent of events adding
 * an identifier or merging.
 */
export const REALISTIC_EVENT_SHAPE: EventShape = { ...DEFAULT_EVENT_SHAPE, followUps: 4 }

/** The generator's traffic mixes: `accuracy` is the dataset docs/accuracy.md scores. */
export const MIXES = ['accuracy', 'realistic'] as const
export type Mix = (typeof MIXES)[number]

export function eventShapeOf(mix: Mix): EventShape {
  return mix === 'realistic' ? REALISTIC_EVENT_SHAPE : DEFAULT_EVENT_SHAPE
}

const NOTES = [
  'asked about a delivery',
  'complained about a late order',
  'requested an invoice copy',
  'changed delivery address by phone',
  'interested in the premium card',
]

/** Whether the person still holds every identifier of `uses` at time t (a follow-up's). */
function stillHeld(person: Person, uses: readonly SentIdentifier[], t: number): boolean {
  const holds = (list: readonly Holding[], value: string) =>
    list.some((h) => h.value === value && h.from <= t && t < h.until)
  return uses.every((id) => {
    switch (id.type) {
      case 'phone':
        return holds(person.phones, id.value) || person.landline?.value === id.value
      case 'loyalty_card':
        return holds(person.cards, id.value)
      case 'device_id':
        return holds(person.devices, id.value)
      default:
        return true
    }
  })
}

function emailVariant(rng: Prng, email: string): string {
  const roll = rng.next()
  if (roll < 0.1) return email.toUpperCase()
  if (roll < 0.2) return email.charAt(0).toUpperCase() + email.slice(1)
  if (roll < 0.3) return ` ${email} `
  return email
}

/** `+1AAAEEESSSS` written the ways forms and agents write it. */
export function phoneVariant(rng: Prng, e164: string): string {
  const a = e164.slice(2, 5)
  const e = e164.slice(5, 8)
  const s = e164.slice(8)
  return rng.pick([
    `(${a}) ${e}-${s}`,
    `${a}-${e}-${s}`,
    `${a}.${e}.${s}`,
    `${a}${e}${s}`,
    `+1 ${a}-${e}-${s}`,
    `+1${a}${e}${s}`,
    `1 (${a}) ${e}-${s}`,
    `+1 (${a}) ${e} ${s}`,
  ])
}

export class EventDrafter {
  private sequence = 0

  constructor(
    private readonly rng: Prng,
    private readonly shape: EventShape,
    private readonly cohortTag: string,
  ) {}

  /** Events added by `connections` so far, by the type they tie in (draws left it apart). */
  readonly connectingByType: Record<string, number> = {}

  /**
   * Every event of the cohort, unsorted: each person's own events, the handovers, then the
   * events that tie each person's identifiers together where their draws did not.
   */
  draft(cohort: Cohort, start: number, days: number): DraftEvent[] {
    const { rng } = this
    const drafts: DraftEvent[] = []
    for (const person of cohort.persons) {
      const count = 1 + Math.floor((days / person.activity) * (0.5 + rng.next()))
      for (let k = 0; k < count; k++) {
        const time = start + Math.floor(rng.next() * days * DAY)
        const weights = person.customerId === null ? CHANNELS_GUEST : CHANNELS_REGISTERED
        const event = this.event(person, rng.weighted(weights), time)
        if (event !== null) drafts.push(event)
      }
    }
    const followUps = this.shape.followUps > 0 ? this.followUps(drafts, start + days * DAY) : []
    for (const handover of cohort.handovers) {
      // The new owner registers the number or card on their account (or, as a guest, with an email).
      const { person } = handover
      const time = handover.at + rng.int(0, 2 * DAY)
      const ids: SentIdentifier[] = [{ type: handover.type, value: handover.value }]
      if (person.customerId !== null) ids.push({ type: 'customer_id', value: person.customerId })
      else ids.push({ type: 'email', value: person.emails[0] as string })
      drafts.push(this.build(person, 'crm', time, ids, ids, {}))
    }
    drafts.push(...this.connect(cohort, drafts, start, start + days * DAY))
    drafts.push(...followUps)
    return drafts
  }

  /**
   * Later events on the identifiers an event already sent, while the person still holds them:
   * a purchase (half), a change of attributes (a quarter), a note (a quarter).
   */
  private followUps(drafts: readonly DraftEvent[], end: number): DraftEvent[] {
    const { rng } = this
    const added: DraftEvent[] = []
    for (const base of drafts) {
      const n = rng.int(0, 2 * this.shape.followUps)
      let time = base.arrival
      for (let k = 0; k < n; k++) {
        time += 60_000 + Math.floor(rng.exponential(4 * DAY))
        if (time >= end || !stillHeld(base.person, base.uses, time)) break
        const roll = rng.next()
        const attributes: Record<string, string | number | boolean> = {}
        let note: string | undefined
        if (roll < 0.5) {
          attributes.last_order_at = new Date(time).toISOString()
          attributes.points = rng.int(0, 5000)
        } else if (roll < 0.75) {
          if (rng.chance(0.5)) attributes.newsletter_opt_in = rng.chance(0.5)
          else attributes.last_name = rng.pick(['smith', 'martin', 'garcia', 'lee', 'khan'])
        } else note = rng.pick(NOTES)
        added.push({
          eventId: `${base.source}-${this.cohortTag}-${(this.sequence++).toString(36)}`,
          source: base.source,
          time,
          arrival: time,
          identifiers: base.identifiers,
          attributes,
          uses: base.uses,
          person: base.person,
          followUp: true,
          ...(note === undefined ? {} : { note }),
        })
      }
    }
    return added
  }

  private connect(
    cohort: Cohort,
    drafts: readonly DraftEvent[],
    start: number,
    end: number,
  ): DraftEvent[] {
    const { rng } = this
    const recipients = new Map<string, string>()
    for (const h of cohort.handovers) recipients.set(`${h.type}\u001f${h.value}`, h.person.id)
    const sentBy = new Map<Person, SentIdentifier[][]>()
    for (const draft of drafts) {
      const list = sentBy.get(draft.person) ?? []
      list.push([...draft.uses])
      sentBy.set(draft.person, list)
    }
    const added: DraftEvent[] = []
    for (const person of cohort.persons) {
      const givenAway = new Set(
        [...recipients].filter(([, recipient]) => recipient !== person.id).map(([k]) => k),
      )
      for (const c of connections(person, sentBy.get(person) ?? [], start, end, givenAway)) {
        const time = c.from + Math.floor(rng.next() * (c.until - c.from))
        this.connectingByType[c.identifier.type] =
          (this.connectingByType[c.identifier.type] ?? 0) + 1
        const uses = [c.identifier, c.partner]
        const sent = uses.map((id) => ({ type: id.type, value: this.variant(id) }))
        added.push(this.build(person, c.source, time, sent, uses, {}))
      }
    }
    return added
  }

  /** How a channel writes a normalised value. */
  private variant(id: SentIdentifier): string {
    const { rng } = this
    switch (id.type) {
      case 'email':
        return emailVariant(rng, id.value)
      case 'phone':
        return phoneVariant(rng, id.value)
      case 'device_id':
        return rng.chance(0.5) ? id.value.toUpperCase() : id.value
      default:
        return id.value
    }
  }

  private build(
    person: Person,
    source: Source,
    time: number,
    identifiers: SentIdentifier[],
    uses: SentIdentifier[],
    attributes: Record<string, string | number | boolean>,
  ): DraftEvent {
    const { rng } = this
    const late = rng.chance(this.shape.lateShare)
    return {
      eventId: `${source}-${this.cohortTag}-${(this.sequence++).toString(36)}`,
      source,
      time,
      arrival: late ? time + Math.floor(rng.exponential(2 * 3_600_000)) : time,
      identifiers,
      attributes,
      uses,
      person,
    }
  }

  private event(person: Person, source: Source, time: number): DraftEvent | null {
    const { rng } = this
    const sent: SentIdentifier[] = []
    const uses: SentIdentifier[] = []
    const add = (type: string, value: string, raw: string) => {
      sent.push({ type, value: raw })
      uses.push({ type, value })
    }
    const placeholder = (type: string) => {
      sent.push({ type, value: rng.pick(PLACEHOLDERS[type] as readonly string[]) })
    }
    const anEmail = () => {
      const email = rng.pick(person.emails)
      add('email', email, emailVariant(rng, email))
    }
    const phones = heldAt(person.phones, time)
    // Household members often give the shared landline instead of their own number.
    const aPhone = () => {
      const own = phones.length > 0 ? rng.pick(phones).value : null
      const landline = person.landline?.value ?? null
      const phone = landline !== null && (own === null || rng.chance(0.4)) ? landline : own
      if (phone !== null) add('phone', phone, phoneVariant(rng, phone))
    }
    const customer = () => {
      const id = person.customerId as string
      add('customer_id', id, rng.chance(0.05) ? ` ${id} ` : id)
    }
    const faking = rng.chance(this.shape.placeholderShare)
    const registered = person.customerId !== null
    const attributes: Record<string, string | number | boolean> = {}

    switch (source) {
      case 'web':
        if (registered && rng.chance(0.7)) {
          customer()
          if (rng.chance(0.5)) anEmail()
        } else if (faking) {
          placeholder('email')
          aPhone()
        } else anEmail()
        if (rng.chance(0.2)) attributes.last_order_at = new Date(time).toISOString()
        break
      case 'app': {
        const devices = heldAt(person.devices, time)
        const device: Holding | undefined = devices[0]
        if (device === undefined) return this.event(person, 'web', time)
        add('device_id', device.value, rng.chance(0.5) ? device.value.toUpperCase() : device.value)
        if (faking) placeholder('device_id')
        // Signed in, the session carries the customer id; a guest's in-app checkout, the
        // email typed at it.
        if (registered && rng.chance(0.8)) customer()
        else if (rng.chance(0.5)) anEmail()
        break
      }
      case 'call_center':
        if (faking) placeholder('phone')
        else aPhone()
        if (faking || rng.chance(0.4)) anEmail()
        break
      case 'store': {
        const cards = heldAt(person.cards, time)
        if (faking) placeholder('loyalty_card')
        else if (cards[0] !== undefined) {
          const card = cards[0].value
          add('loyalty_card', card, rng.chance(0.05) ? `${card} ` : card)
        }
        // A card purchase often asks for a phone or an email too (receipts, offers).
        if (faking || cards.length === 0 || rng.chance(0.3)) aPhone()
        else if (rng.chance(0.2)) anEmail()
        attributes.points = rng.int(0, 5000)
        break
      }
      case 'crm':
        if (registered) customer()
        anEmail()
        if (phones[0] !== undefined)
          add('phone', phones[0].value, phoneVariant(rng, phones[0].value))
        if (registered && person.landline !== null && rng.chance(0.3)) {
          add('phone', person.landline.value, phoneVariant(rng, person.landline.value))
        }
        if (registered) {
          const card = heldAt(person.cards, time)[0]
          if (card !== undefined) add('loyalty_card', card.value, card.value)
        }
        attributes.first_name = person.emails[0]?.split('.')[0] ?? ''
        attributes.newsletter_opt_in = rng.chance(0.5)
        break
      case 'messaging':
        aPhone()
        break
    }
    if (uses.length === 0 && sent.length === 0) return null
    return this.build(person, source, time, sent, uses, attributes)
  }
}
