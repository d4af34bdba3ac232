/**
 * The import's progress line on stderr, only on a terminal (piped output stays clean): rows,
 * rows/s, bytes read of the total, and the time left at the current rate.
 */
export class CsvProgress {
  private lastDraw = 0
  private readonly started: number
  private readonly enabled: boolean

  constructor(
    private readonly totalBytes: number | null,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly clock: () => number = Date.now,
  ) {
    this.enabled = stream.isTTY === true
    this.started = clock()
  }

  /** Redraws at most ten times a second. */
  update(rows: number, bytes: number): void {
    if (!this.enabled) return
    const now = this.clock()
    if (now - this.lastDraw < 100) return
    this.lastDraw = now
    this.stream.write(`\r${progressLine(rows, bytes, this.totalBytes, now - this.started)}\u001b[K`)
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\u001b[K')
  }
}

export function progressLine(
  rows: number,
  bytes: number,
  totalBytes: number | null,
  elapsedMs: number,
): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001)
  const rate = Math.round(rows / seconds)
  const read =
    totalBytes === null ? formatBytes(bytes) : `${formatBytes(bytes)} of ${formatBytes(totalBytes)}`
  let left = ''
  if (totalBytes !== null && bytes > 0 && totalBytes > bytes) {
    left = `, ${formatDuration(((totalBytes - bytes) / bytes) * seconds)} left`
  }
  return `importing: ${rows} rows, ${rate} rows/s, ${read}${left}`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(1)} ${units[u]}`
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}
