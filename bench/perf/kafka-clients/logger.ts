import type { Logger } from '../../../src/ports/logger.js'

/** The bench's children log nothing but their figures; errors reach them as rejections. */
export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quietLogger,
}
