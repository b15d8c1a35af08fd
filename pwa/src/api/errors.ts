/** No answer at all: offline, DNS, connection reset, timeout. Transient. */
export class NetworkError extends Error {
  override name = 'NetworkError'
}

/** An answer that is not our server's JSON: a captive portal's HTML 200, a proxy error page. Transient. */
export class NotOursError extends Error {
  override name = 'NotOursError'
  constructor(message: string, readonly status: number) {
    super(message)
  }
}

/** Our server said no, with the error envelope (DESIGN §8). */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(readonly status: number, readonly code: string, message: string,
    readonly details: Record<string, unknown> = {}) {
    super(message)
  }

  /** 5xx and 429 may pass; everything else is the request's own fault. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408
  }
}

/** The session is gone (refresh token expired or revoked): the user must sign in again. */
export class AuthRequiredError extends Error {
  override name = 'AuthRequiredError'
}

export function isTransient(err: unknown): boolean {
  return err instanceof NetworkError || err instanceof NotOursError ||
    (err instanceof HttpError && err.transient)
}

/** A message key for the UI (locale files hold the words). */
export function errorKey(err: unknown): string {
  if (err instanceof NetworkError) return 'errors.network'
  if (err instanceof NotOursError) return 'errors.notOurs'
  if (err instanceof AuthRequiredError) return 'errors.authRequired'
  if (err instanceof HttpError) {
    if (err.code === 'invalid_credentials') return 'errors.invalidCredentials'
    if (err.code === 'account_disabled') return 'errors.accountDisabled'
    if (err.status === 429) return 'errors.throttled'
    if (err.status >= 500) return 'errors.server'
    return 'errors.rejected'
  }
  return 'errors.unknown'
}
