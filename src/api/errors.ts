/**
 * The Profile API's error answers: `{"error": {"code", "message"}}`, codes a closed union so
 * clients can switch on them. Messages never repeat an identifier value or other personal data
 * sent in the request.
 */
export type ApiErrorCode =
  /** Malformed request: a parameter missing or not of the documented form. */
  | 'bad-request'
  /** The profile or identifier is not held (or never was). */
  | 'not-found'
  /** The profile id was deleted by a forget event. */
  | 'deleted'
  /** The tenant is not in the identity config and there is no "*" section. */
  | 'tenant-not-found'
  /** Resolution rule 1 refuses the identifier: its type is unknown to the tenant... */
  | 'unknown-type'
  /** ...its value is a placeholder on the deny-list or the tenant's blocked values... */
  | 'blocked'
  /** ...or it is not valid for its type after normalisation... */
  | 'invalid'
  /** ...or it is longer than its type's maxLength. */
  | 'too-long'
  /** 401: no bearer token, or one the tokens file does not list. */
  | 'unauthorized'
  /** 403: the token does not name the tenant, or lacks the route's scope. */
  | 'forbidden'
  /** 429: the token's rate limit is used up; Retry-After says when to try again. */
  | 'rate-limited'
  /** No route has this method and path. */
  | 'route-not-found'
  /** The read side is not ready (the embedded service is starting or stopping). */
  | 'unavailable'
  /** 400: events of an ingest request are invalid (`problems` says which); nothing written. */
  | 'invalid-events'
  /** 413: a request or an event over the ingest limits. */
  | 'too-large'
  | 'internal'

/** One item of a request that is wrong: its index, the field, why. */
export interface ApiProblem {
  readonly index: number
  readonly field: string | null
  readonly reason: string
}

export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode
    readonly message: string
    readonly problems?: readonly ApiProblem[]
  }
}

export function errorBody(
  code: ApiErrorCode,
  message: string,
  problems?: readonly ApiProblem[],
): ApiErrorBody {
  return { error: { code, message, ...(problems === undefined ? {} : { problems }) } }
}
