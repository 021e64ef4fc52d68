'use client'
import { useEffect, useState } from 'react'
import { api, ApiProblem } from './api'

export type ApiState<T> =
  { status: 'loading' } | { status: 'ok'; data: T } | { status: 'error'; problem: ApiProblem }

/**
 * Loads `path` from the BFF; the state drives loading, empty and error views. A new `version`
 * loads it again (a "Refresh" button) while the last answer stays on screen.
 */
export function useApi<T>(path: string, version = 0): ApiState<T> {
  const [state, setState] = useState<ApiState<T>>({ status: 'loading' })
  useEffect(() => {
    let current = true
    api<T>(path)
      .then((data) => current && setState({ status: 'ok', data }))
      .catch(
        (err: unknown) =>
          current &&
          setState({
            status: 'error',
            problem:
              err instanceof ApiProblem
                ? err
                : new ApiProblem(0, { detail: 'The shop is not reachable.' }),
          }),
      )
    return () => {
      current = false
    }
  }, [path, version])
  return state
}

/** A problem+json answer as a readable message, with its code and trace id for support. */
export function ProblemMessage({
  problem,
  signIn = '/auth/login',
}: {
  problem: ApiProblem
  signIn?: string
}) {
  return (
    <div role="alert" className="problem">
      <p>{problem.message}</p>
      {problem.status === 401 ? (
        <p>
          <a className="button" href={signIn}>
            Sign in
          </a>
        </p>
      ) : null}
      <ProblemReference problem={problem} />
    </div>
  )
}

/** The problem's code and trace id, what support asks for. */
export function ProblemReference({ problem }: { problem: ApiProblem }) {
  return (
    <p className="muted small">
      Code {problem.code}
      {problem.traceId ? ` · trace ${problem.traceId}` : ''}
    </p>
  )
}

export function Loading({ what = 'Loading…' }: { what?: string }) {
  return (
    <p role="status" className="muted">
      {what}
    </p>
  )
}

export const money = (cents: number, currency = 'EUR') =>
  new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(cents / 100)

export const when = (iso: string) =>
  new Date(iso).toLocaleString('en-IE', { dateStyle: 'medium', timeStyle: 'short' })

/** Order ids are UUIDs: the first group is enough to tell orders apart on screen. */
export const shortId = (id: string) => id.split('-')[0]?.toUpperCase() ?? id
