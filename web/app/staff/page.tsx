'use client'
import { useState, type FormEvent } from 'react'
import { api, ApiProblem } from '../components/api'
import { ProblemMessage } from '../components/hooks'

interface Customer {
  sub: string
  name: string
  email: string
  loyaltyPoints: number
}
const STAFF_SIGN_IN = '/staff/auth/login'

/** Sales associates (web-staff client, MFA): customer lookup and registration. */
export default function StaffPage() {
  const [customers, setCustomers] = useState<Customer[]>()
  const [registered, setRegistered] = useState<string>()
  const [problem, setProblem] = useState<ApiProblem>()

  const guard = async (work: () => Promise<void>) => {
    setProblem(undefined)
    try {
      await work()
    } catch (err) {
      setProblem(
        err instanceof ApiProblem
          ? err
          : new ApiProblem(0, { detail: 'The shop is not reachable.' }),
      )
    }
  }
  const lookup = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const q = String(new FormData(event.currentTarget).get('q'))
    void guard(async () =>
      setCustomers(
        (await api<{ customers: Customer[] }>(`/api/staff/customers?q=${encodeURIComponent(q)}`))
          .customers,
      ),
    )
  }
  const register = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    void guard(async () => {
      const created = await api<{ username: string }>('/api/staff/customers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: form.get('name'), email: form.get('email') }),
      })
      setRegistered(created.username)
    })
  }
  return (
    <>
      <h1>Shop assistant</h1>
      <p>
        <a className="button" href={STAFF_SIGN_IN}>
          Sign in as a sales associate
        </a>
      </p>
      {problem ? (
        problem.status === 403 ? (
          <div role="alert" className="problem">
            <p>Not allowed: this area is for sales associates only.</p>
            <p className="muted">
              Code {problem.code}
              {problem.traceId ? ` · trace ${problem.traceId}` : ''}
            </p>
          </div>
        ) : (
          <ProblemMessage problem={problem} signIn={STAFF_SIGN_IN} />
        )
      ) : null}
      <h2>Find a customer</h2>
      <form onSubmit={lookup}>
        <label>
          Name or email
          <input name="q" required minLength={2} />
        </label>
        <button type="submit">Search</button>
      </form>
      {customers ? (
        customers.length === 0 ? (
          <p>No customer matches.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Points</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((c) => (
                <tr key={c.sub}>
                  <td>{c.name}</td>
                  <td>{c.email}</td>
                  <td>{c.loyaltyPoints}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      <h2>Register a customer</h2>
      <form onSubmit={register}>
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          Email
          <input name="email" type="email" required />
        </label>
        <button type="submit">Register</button>
      </form>
      {registered ? <p role="status">Registered with username {registered}.</p> : null}
    </>
  )
}
