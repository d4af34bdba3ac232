/**
 * A one-line progress display on stderr, only when stderr is a terminal: piped or redirected
 * output stays clean for scripts.
 */
export class Progress {
  private lastDraw = 0
  private readonly started = Date.now()
  private readonly enabled: boolean

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true
  }

  /** Redraws at most ten times a second; `fraction` is null when the total is unknown. */
  update(events: number, fraction: number | null): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.lastDraw < 100) return
    this.lastDraw = now
    const seconds = Math.max((now - this.started) / 1000, 0.001)
    const rate = Math.round(events / seconds)
    const bar = fraction === null ? '' : `${renderBar(fraction)} ${Math.floor(fraction * 100)}% `
    this.stream.write(`\r${this.label} ${bar}${events} events, ${rate} events/s\u001b[K`)
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\u001b[K')
  }
}

function renderBar(fraction: number): string {
  const width = 30
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}
