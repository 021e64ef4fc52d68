'use client'
import { useEffect, useState } from 'react'
import { api, ApiProblem } from './api'

type State<T> =
  { status: 'loading' } | { status: 'ok'; data: T } | { status: 'error'; problem: ApiProblem }

/** Loads `path` from the BFF once; the state drives loading, empty and error views. */
export function useApi<T>(path: string): State<T> {
  const [state, setState] = useState<State<T>>({ status: 'loading' })
  useEffect(() => {
    api<T>(path)
      .then((data) => setState({ status: 'ok', data }))
      .catch((err: unknown) =>
        setState({
          status: 'error',
          problem:
            err instanceof ApiProblem
              ? err
              : new ApiProblem(0, { detail: 'The shop is not reachable.' }),
        }),
      )
  }, [path])
  return state
}

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
      <p className="muted">
        Code {problem.code}
        {problem.traceId ? ` · trace ${problem.traceId}` : ''}
      </p>
    </div>
  )
}

export function Loading() {
  return (
    <p aria-live="polite" className="muted">
      Loading…
    </p>
  )
}

export const money = (cents: number, currency = 'EUR') =>
  new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(cents / 100)
