import { SchemaRegistryError } from './errors.js'

/**
 * The registry's REST calls the client library does not offer (subject config, compatibility
 * checks, lookups, deletes), and the mapping of HTTP outcomes to our error codes: an outage is
 * retriable, a refusal is not.
 */

export interface HttpResult {
  readonly status: number
  readonly body: unknown
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

export class RegistryHttp {
  constructor(readonly url: string) {}

  async request(method: string, path: string, body?: unknown): Promise<HttpResult> {
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { Accept: CONTENT_TYPE, 'Content-Type': CONTENT_TYPE },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (err) {
      throw new SchemaRegistryError(
        'registry-unavailable',
        `schema registry ${this.url} unreachable: ${messageOf(err)}`,
        null,
        { cause: err },
      )
    }
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null
    } catch {
      // Keep the raw text: it goes into the error message as is.
    }
    return { status: response.status, body: parsed }
  }
}

export function enc(subject: string): string {
  return encodeURIComponent(subject)
}

export function statusOf(err: unknown): number | null {
  const status = (err as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : null
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

// The client prefixes its id ("Confluent_Schema_Registry - "); Apicurio the exception class.
export function registryMessage(err: unknown): string {
  return messageOf(err)
    .replace(/^[\w-]+ - /, '')
    .replace(/^[\w.]+Exception: /, '')
}

export function bodyMessage(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) return String(body.message)
  return typeof body === 'string' && body.length > 0 ? body : 'no message'
}

export function httpFailure(action: string, res: HttpResult): SchemaRegistryError {
  const code = res.status >= 500 || res.status === 408 || res.status === 429
  return new SchemaRegistryError(
    code ? 'registry-unavailable' : 'registry-rejected',
    `schema registry failed ${action}: HTTP ${res.status}: ${bodyMessage(res.body)}`,
    null,
  )
}

// The registry client reports network errors as status 400 with the socket error as message.
export function registryFailure(
  action: string,
  err: unknown,
  subject: string | null,
): SchemaRegistryError {
  const status = statusOf(err)
  const rejected = status === 401 || status === 403 || status === 404 || status === 422
  return new SchemaRegistryError(
    rejected ? 'registry-rejected' : 'registry-unavailable',
    `schema registry failed ${action}: ${messageOf(err)}`,
    subject,
    { cause: err },
  )
}
