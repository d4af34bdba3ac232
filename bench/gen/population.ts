/**
 * The people behind the events: who holds which identifier, and when. One cohort at a time
 * (households and ownership changes stay inside a cohort), so memory does not grow with the
 * population.
 */
import type { Prng } from './prng.js'

export const DAY = 86_400_000

/** An identifier held by one person (or a household) from `from` until `until` (epoch ms). */
export interface Holding {
  /** The value as the resolver stores it (normalised): email lowercase, phone E.164. */
  readonly value: string
  readonly from: number
  readonly until: number
}

export interface Person {
  readonly id: string
  readonly customerId: string | null
  readonly emails: readonly string[]
  readonly phones: Holding[]
  readonly cards: Holding[]
  readonly devices: Holding[]
  /** The household's shared landline, if the person lives in one. */
  landline: Holding | null
  /** Days between this person's events, on average. */
  readonly activity: number
}

/** A forced event: the new owner of a phone or card registers it (see docs/accuracy.md). */
export interface Handover {
  readonly person: Person
  readonly type: 'phone' | 'loyalty_card'
  readonly value: string
  readonly at: number
}

export interface Cohort {
  readonly persons: readonly Person[]
  readonly handovers: readonly Handover[]
}

export interface PopulationShape {
  readonly start: number
  readonly days: number
  /** Persons without a customer id: their profiles can only be found through links. */
  readonly guestShare: number
  /** Persons living in a household of 2-3 that shares one landline. */
  readonly householdShare: number
  /** Persons whose phone number is recycled to another person during the period. */
  readonly phoneTransferShare: number
  /** Persons who pass their loyalty card on to someone without one. */
  readonly cardTransferShare: number
}

export const DEFAULT_SHAPE: PopulationShape = {
  start: Date.UTC(2024, 0, 1),
  days: 180,
  guestShare: 0.15,
  householdShare: 0.08,
  phoneTransferShare: 0.02,
  cardTransferShare: 0.01,
}

const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'hotmail.com', 'aol.com']
const FIRST = ['ann', 'bruno', 'chloe', 'david', 'emma', 'farid', 'grace', 'hugo', 'ines', 'jon']
const LAST = ['smith', 'martin', 'garcia', 'lee', 'brown', 'dubois', 'khan', 'silva', 'nowak']
/** Real US area codes: libphonenumber accepts any exchange 200-999 in them. */
const AREAS = [
  201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225,
  228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 272, 276,
  281, 301,
]

/**
 * The n-th phone number of the dataset: distinct for distinct n (up to 320 million), so two
 * people never share a number unless the generator means them to.
 */
export function phoneNumber(n: number): string {
  const area = AREAS[n % AREAS.length] as number
  const rest = Math.floor(n / AREAS.length)
  const exchange = 200 + (rest % 800)
  // 7919 is coprime with 10000, so this permutes subscriber numbers (no long zero runs early on).
  const subscriber = (Math.floor(rest / 800) * 7919 + 1234) % 10000
  return `+1${area}${exchange}${String(subscriber).padStart(4, '0')}`
}

export class PopulationBuilder {
  private phoneCounter = 0
  private cardCounter = 0

  constructor(
    private readonly rng: Prng,
    private readonly shape: PopulationShape,
  ) {}

  private get end(): number {
    return this.shape.start + this.shape.days * DAY
  }

  private newPhone(from: number, until: number): Holding {
    return { value: phoneNumber(this.phoneCounter++), from, until }
  }

  private newCard(from: number, until: number): Holding {
    return { value: `L${String(100_000_000 + this.cardCounter++)}`, from, until }
  }

  /** Persons `first` .. `first + count - 1`, with their households and ownership changes. */
  cohort(first: number, count: number): Cohort {
    const { rng, shape } = this
    const { start } = shape
    const end = this.end
    const persons: Person[] = []
    for (let index = first; index < first + count; index++) {
      const tag = index.toString(36)
      const name = `${rng.pick(FIRST)}.${rng.pick(LAST)}`
      const emails = Array.from(
        { length: rng.int(1, 3) },
        (_, k) => `${name}${k === 0 ? '' : k}.${tag}@${rng.pick(DOMAINS)}`,
      )
      const phones = Array.from({ length: rng.int(1, 2) }, () => this.newPhone(start, end))
      const cards = rng.chance(0.8) ? [this.newCard(start, end)] : []
      const devices: Holding[] = []
      if (rng.chance(0.7)) {
        // A second device replaces the first (a new phone) for some app users.
        const switchAt = rng.chance(0.3) ? start + rng.int(20, shape.days - 20) * DAY : end
        devices.push({ value: rng.hex(16), from: start, until: switchAt })
        if (switchAt < end) devices.push({ value: rng.hex(16), from: switchAt, until: end })
      }
      persons.push({
        id: `P${String(index).padStart(8, '0')}`,
        customerId: rng.chance(shape.guestShare) ? null : `C${String(index).padStart(8, '0')}`,
        emails,
        phones,
        cards,
        devices,
        landline: null,
        activity: 4 + rng.exponential(8),
      })
    }

    // Households: runs of 2-3 neighbours share one landline for the whole period.
    for (let i = 0; i < persons.length - 2;) {
      if (!rng.chance(shape.householdShare / 2.5)) {
        i++
        continue
      }
      const size = rng.int(2, 3)
      const landline = this.newPhone(start, end)
      for (let k = 0; k < size; k++) (persons[i + k] as Person).landline = landline
      i += size
    }

    const handovers: Handover[] = []
    for (const donor of persons) {
      if (rng.chance(shape.phoneTransferShare)) this.recyclePhone(donor, persons, handovers)
      if (rng.chance(shape.cardTransferShare)) this.passCard(donor, persons, handovers)
    }
    return { persons, handovers }
  }

  /** The carrier gives the donor's number to someone else; the donor moved to a new one. */
  private recyclePhone(donor: Person, persons: readonly Person[], handovers: Handover[]): void {
    const { rng, shape } = this
    const recipient = rng.pick(persons)
    const phone = donor.phones[0] as Holding
    if (recipient === donor || recipient.phones.length >= 2) return
    // The donor stops using the number a month before it is recycled.
    const at = shape.start + rng.int(40, shape.days - 10) * DAY
    donor.phones[0] = { ...phone, until: at - 30 * DAY }
    donor.phones.push(this.newPhone(at - 30 * DAY, this.end))
    recipient.phones.push({ value: phone.value, from: at, until: this.end })
    handovers.push({ person: recipient, type: 'phone', value: phone.value, at })
  }

  /** A card passed on to someone without one (a card already held would exceed its limit). */
  private passCard(donor: Person, persons: readonly Person[], handovers: Handover[]): void {
    const { rng, shape } = this
    const recipient = rng.pick(persons)
    const card = donor.cards[0]
    if (card === undefined || recipient === donor || recipient.cards.length > 0) return
    const at = shape.start + rng.int(40, shape.days - 10) * DAY
    donor.cards[0] = { ...card, until: at - 7 * DAY }
    recipient.cards.push({ value: card.value, from: at, until: this.end })
    handovers.push({ person: recipient, type: 'loyalty_card', value: card.value, at })
  }
}

/** The holdings of a list valid at time t. */
export function heldAt(holdings: readonly Holding[], t: number): Holding[] {
  return holdings.filter((h) => h.from <= t && t < h.until)
}
