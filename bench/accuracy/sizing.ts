/** Average lines per person of the generator's default shape (measured), to size runs by events. */
export const LINES_PER_PERSON = 22.6
